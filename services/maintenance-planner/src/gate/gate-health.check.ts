import { Topics } from '@holdfast/contracts';
import { MessagingRuntime } from '@holdfast/messaging';
import type { ReadinessCheck } from '@holdfast/observability';
import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';

/**
 * Why the gate fails closed, on /health: while the surges consumer catches up after a start or a
 * rebalance the gate answers 503 surges-unheard, and an operator sees it here with how far behind.
 * Always up: a planner catching up serves HTTP, the gate's 503 being the right answer meanwhile, so
 * an orchestrator must not take it out of rotation. A field read, as the gate's own.
 */
@Injectable()
export class GateHealthCheck implements ReadinessCheck {
  constructor(
    private readonly messaging: MessagingRuntime,
    private readonly indicator: HealthIndicatorService,
  ) {}

  async check() {
    const session = this.indicator.check('gate');
    const catchingUp = this.messaging.catchingUp(Topics.regionSurges);
    return catchingUp ? session.up({ failingClosed: 'surges-catching-up', surgesCatchingUp: catchingUp }) : session.up();
  }
}
