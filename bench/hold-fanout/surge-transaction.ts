import { OutboxWriter, type MessagingRuntime } from '@holdfast/messaging';
import { MetricsRegistry } from '@holdfast/observability';
import { RegionCatalog } from '@holdfast/regions';
import { Clock, type ServiceConfig } from '@holdfast/service-kit';
import type { DataSource } from 'typeorm';
import type { PlannerSettings } from '../../services/maintenance-planner/src/config/planner-settings';
import { HoldAnnouncer } from '../../services/maintenance-planner/src/holds/hold-announcer';
import { HoldsService } from '../../services/maintenance-planner/src/holds/holds.service';
import { LocalTimes } from '../../services/maintenance-planner/src/regions/local-times';
import { SlotProposer } from '../../services/maintenance-planner/src/slots/slot-proposer';
import { PLANNER_SCHEMA } from './planner-bench-database';

export interface SurgeTransaction {
  windows: number;
  occurrences: number;
  events: number;
  ms: number;
  /** Where the time went: loading what was held, building the events, writing them to the outbox; the rest is the hold, the fan-out and the audit rows. */
  steps: { events: number; outbox: number; rest: number };
}

class FixedClock extends Clock {
  constructor(private readonly at: Date) {
    super();
  }
  now(): Date {
    return this.at;
  }
}

/**
 * The service's own HoldsService.place for one IR surge over the first `windows` one-off windows
 * of the seed (and the recurring occurrences in that period), in a transaction rolled back after:
 * the hold, the fan-out, the audit rows, hold.placed and one window.held per held window written
 * to the outbox. No Kafka: the outbox writer is the library's, the relay is not running.
 */
export async function measureSurgeTransaction(dataSource: DataSource, start: Date, windows: number): Promise<SurgeTransaction> {
  const [edge] = (await dataSource.query(`SELECT starts_at FROM maintenance_window WHERE recurrence IS NULL ORDER BY starts_at OFFSET $1 LIMIT 1`, [windows - 1])) as { starts_at: Date }[];
  const until = new Date(edge.starts_at.getTime() + 1);
  const catalog = new RegionCatalog();
  const messaging = { outbox: new OutboxWriter(PLANNER_SCHEMA) } as unknown as MessagingRuntime;
  const announcer = new HoldAnnouncer(messaging, new LocalTimes(catalog));
  const config = { settings: { holdHorizonMs: 86_400_000, holdCooldownMs: 1_800_000 } } as ServiceConfig<PlannerSettings>;
  const holds = new HoldsService(dataSource, new FixedClock(start), announcer, new SlotProposer(catalog), catalog, config, new MetricsRegistry('bench', false));
  const steps = { events: 0, outbox: 0, rest: 0 };
  const timed = <A extends unknown[], R>(step: keyof typeof steps, run: (...args: A) => R) => (...args: A): R => {
    const began = performance.now();
    const result = run(...args);
    if (result instanceof Promise) return result.finally(() => (steps[step] += performance.now() - began)) as R;
    steps[step] += performance.now() - began;
    return result;
  };
  announcer.windowHeldEvents = timed('events', announcer.windowHeldEvents.bind(announcer));
  announcer.publish = timed('outbox', announcer.publish.bind(announcer));
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  await runner.startTransaction();
  try {
    const began = performance.now();
    const hold = await holds.place(runner.manager, { source: 'detector', causeId: `bench-${Date.now()}`, regions: ['IR'], reason: 'bench surge', from: start, until });
    const ms = performance.now() - began;
    const [counts] = (await runner.query(
      `SELECT count(DISTINCT window_id)::int AS windows, count(*)::int AS occurrences, (SELECT count(*)::int FROM outbox_message) AS events FROM hold_occurrence WHERE hold_id = $1`,
      [hold!.id],
    )) as { windows: number; occurrences: number; events: number }[];
    steps.rest = ms - steps.events - steps.outbox;
    return { ...counts, ms, steps };
  } finally {
    await runner.rollbackTransaction();
    await runner.release();
  }
}
