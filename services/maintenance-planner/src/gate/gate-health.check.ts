import { Topics } from '@holdfast/contracts';
import { MessagingRuntime } from '@holdfast/messaging';
import type { ReadinessCheck } from '@holdfast/observability';
import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { SurgeLogWatch } from './surge-log-watch';

/**
 * Why the gate fails closed, on /health: while the surges consumer catches up after a start or a
 * rebalance, or while the consumer group (another replica) has not applied a partition, the gate
 * answers 503 surges-unheard, and an operator sees it here with how far behind; and when the group's
 * offsets have gone unread too long for the gate to judge other replicas' partitions.
 * Always up: a planner catching up serves HTTP, the gate's 503 being the right answer meanwhile, so
 * an orchestrator must not take it out of rotation. Field reads, as the gate's own.
 */
@Injectable()
export class GateHealthCheck implements ReadinessCheck {
  constructor(
    private readonly messaging: MessagingRuntime,
    private readonly surgeLog: SurgeLogWatch,
    private readonly indicator: HealthIndicatorService,
  ) {}

  async check() {
    const session = this.indicator.check('gate');
    const catchingUp = this.messaging.catchingUp(Topics.regionSurges);
    const group = this.surgeLog.state();
    const details: Record<string, unknown> = {};
    if (catchingUp) Object.assign(details, { failingClosed: 'surges-catching-up', surgesCatchingUp: catchingUp });
    if ('unreadForSeconds' in group) details.surgeOffsetsUnreadForSeconds = group.unreadForSeconds;
    else if (group.behind.length > 0) Object.assign(details, { failingClosed: details.failingClosed ?? 'surges-behind-in-group', surgesBehindInGroup: group.behind });
    return session.up(details);
  }
}
