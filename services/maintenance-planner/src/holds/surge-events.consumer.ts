import { ConsumerGroups, type HoldfastEvent, Topics } from '@holdfast/contracts';
import { afterCommit } from '@holdfast/database';
import { MessagingRuntime } from '@holdfast/messaging';
import { Clock } from '@holdfast/service-kit';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { HoldsService } from './holds.service';
import { surgeHoldReason } from './hold-record';
import { SurgeClearances } from './surge-clearances';

const GAUGES_AFTER_COMMIT = Symbol('hold gauges after commit');

/**
 * Surges become holds. Events of one region arrive in order, but a surge.cleared may still
 * overtake its surge.started (a retried publish): it is remembered, and the late start places a
 * hold that ends released after the cool-down, never one left hanging.
 */
@Injectable()
export class SurgeEventsConsumer implements OnModuleInit {
  constructor(
    private readonly messaging: MessagingRuntime,
    private readonly holds: HoldsService,
    private readonly clearances: SurgeClearances,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.messaging.consumer({
      topic: Topics.regionSurges,
      group: ConsumerGroups.plannerSurges,
      handlers: {
        'surge.started': (surge, tx) => this.gauged(tx, this.started(surge, tx)),
        'surge.updated': (surge, tx) => this.gauged(tx, this.updated(surge, tx)),
        'surge.cleared': (surge, tx) => this.gauged(tx, this.cleared(surge, tx)),
      },
    });
  }

  /** The hold gauges follow a surge's hold within seconds of its commit, not at the next sweep. */
  private async gauged(tx: EntityManager, effect: Promise<void>): Promise<void> {
    await effect;
    afterCommit(tx, () => this.holds.refreshGaugesShortly(), GAUGES_AFTER_COMMIT);
  }

  private async started(surge: HoldfastEvent<'surge.started'> | HoldfastEvent<'surge.updated'>, tx: EntityManager): Promise<void> {
    const { surgeId, region, metric, source, startedAt, expectedEndAt, reason, severity, evidence, signalLoss } = surge.data;
    // A clearance that overtook this start is read in the same round trip as the hold's first statement.
    const [hold, clearance] = await Promise.all([
      this.holds.place(tx, {
        source,
        causeId: surgeId,
        regions: [region],
        reason: surgeHoldReason(region, reason),
        from: new Date(startedAt),
        until: expectedEndAt ? new Date(expectedEndAt) : null,
        severity,
        evidence,
        // A hold placed from a surge.updated (its start not seen) has only the update's: no start of its own to keep.
        startEvidence: surge.type === 'surge.started' ? evidence : undefined,
        signalLoss: signalLoss && metric ? { metric, ...signalLoss } : undefined,
        surgeReason: reason,
        cause: surge,
      }),
      this.clearances.of(tx, surgeId),
    ]);
    if (hold && clearance) await this.holds.scheduleRelease(tx, hold, clearance);
  }

  private async updated(surge: HoldfastEvent<'surge.updated'>, tx: EntityManager): Promise<void> {
    const hold = await this.holds.byCause(tx, surge.data.surgeId, surge.data.source);
    if (!hold) return this.started(surge, tx);
    if (hold.released_at || hold.cleared_at) return;
    const until = surge.data.expectedEndAt ? new Date(surge.data.expectedEndAt) : null;
    await this.holds.extend(tx, hold, until, { severity: surge.data.severity, evidence: surge.data.evidence, surgeReason: surge.data.reason, cause: surge });
  }

  private async cleared(surge: HoldfastEvent<'surge.cleared'>, tx: EntityManager): Promise<void> {
    const hold = await this.holds.byCause(tx, surge.data.surgeId);
    if (!hold) {
      await this.clearances.remember(tx, { surgeId: surge.data.surgeId, clearedAt: new Date(surge.data.clearedAt), reason: surge.data.reason, eventId: surge.id });
      return;
    }
    if (hold.released_at || hold.cleared_at) return;
    await this.holds.scheduleRelease(tx, hold, { clearedAt: new Date(Math.min(Date.parse(surge.data.clearedAt), this.clock.nowMs())), reason: surge.data.reason, eventId: surge.id });
  }
}
