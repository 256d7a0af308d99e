import { OutboxWriter, type MessagingRuntime } from '@holdfast/messaging';
import { MetricsRegistry } from '@holdfast/observability';
import { RegionCatalog } from '@holdfast/regions';
import { Clock, type ServiceConfig } from '@holdfast/service-kit';
import { setTimeout as delay } from 'node:timers/promises';
import type { DataSource, EntityManager } from 'typeorm';
import type { PlannerSettings } from '../../services/maintenance-planner/src/config/planner-settings';
import { WindowAnnouncementBacklog } from '../../services/maintenance-planner/src/holds/window-announcement-backlog';
import { HoldAnnouncer } from '../../services/maintenance-planner/src/holds/hold-announcer';
import type { HoldRow } from '../../services/maintenance-planner/src/holds/hold-record';
import { HoldsService } from '../../services/maintenance-planner/src/holds/holds.service';
import { LocalTimes } from '../../services/maintenance-planner/src/regions/local-times';
import { SlotProposer } from '../../services/maintenance-planner/src/slots/slot-proposer';
import { PLANNER_SCHEMA } from './planner-bench-database';

export interface SurgeTransaction {
  windows: number;
  occurrences: number;
  /** Outbox rows the placement wrote in all (hold.placed and one window.held per held window). */
  events: number;
  /** The baseline: hold, fan-out, audit and every window.held in the one transaction (rolled back), as placements did before 2026-12-02. */
  oneTransactionMs: number;
  /** The hold committed with hold.placed alone: from here on the gate answers 423 for every window it holds. */
  holdCommittedMs: number;
  /** After that commit, until the last window.held is in the outbox (WindowAnnouncementBacklog, 100 windows a transaction). */
  announcedMs: number;
  announcementTransactions: number;
  release: LargeRelease;
}

/** The same hold's release, and what other holds' commits took before and while it was under way. */
export interface LargeRelease {
  /** Until hold.released committed (the gate lets the windows go from then on). */
  committedMs: number;
  /** After that commit, until the last window.released is in the outbox. */
  announcedMs: number;
  /** A hold over no window in another region, placed every 100 ms: on its own (the baseline), and from the release's start until its last window.released is written. */
  otherHoldMs: { alone: number[]; duringRelease: number[] };
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
 * The service's own HoldsService.place for one IR surge over the first `windows` one-off windows of
 * the seed (and the recurring occurrences in that period), the service's classes without Nest or
 * Kafka (the outbox writer of libs/messaging, the relay not running). First the baseline, the hold
 * and all its window.held events in one transaction, rolled back; then the hold as the planner
 * places it now, committed, and the window.held events it owes, written after it. Then its release,
 * with another region's hold placed every 100 ms until its window.released events are written,
 * against the same hold placed on its own before.
 */
export async function measureSurgeTransaction(dataSource: DataSource, start: Date, windows: number, log: (line: string) => void): Promise<SurgeTransaction> {
  const [edge] = (await dataSource.query(`SELECT starts_at FROM maintenance_window WHERE recurrence IS NULL ORDER BY starts_at OFFSET $1 LIMIT 1`, [windows - 1])) as { starts_at: Date }[];
  const until = new Date(edge.starts_at.getTime() + 1);
  const catalog = new RegionCatalog();
  const clock = new FixedClock(start);
  const messaging = { outbox: new OutboxWriter(PLANNER_SCHEMA) } as unknown as MessagingRuntime;
  const announcer = new HoldAnnouncer(messaging, new LocalTimes(catalog));
  const backlog = new WindowAnnouncementBacklog(dataSource, clock, announcer);
  const config = { settings: { holdHorizonMs: 86_400_000, holdCooldownMs: 1_800_000 } } as ServiceConfig<PlannerSettings>;
  const holds = new HoldsService(dataSource, clock, announcer, backlog, new SlotProposer(catalog, config), catalog, config, new MetricsRegistry('bench', false));
  const placement = (causeId: string) => ({ source: 'detector' as const, causeId, regions: ['IR'], reason: 'bench surge', from: start, until });

  const baseline = dataSource.createQueryRunner();
  await baseline.connect();
  await baseline.startTransaction();
  let oneTransactionMs: number;
  try {
    const began = performance.now();
    const hold = await holds.place(baseline.manager, placement(`bench-one-transaction-${Date.now()}`));
    await announcer.publish(baseline.manager, await backlog.settle(baseline.manager, hold!));
    // Rolled back rather than committed: the commit's own flush is paid by the case below as well.
    oneTransactionMs = performance.now() - began;
  } finally {
    await baseline.rollbackTransaction();
    await baseline.release();
  }
  log(`baseline, the hold and every window.held in one transaction: ${oneTransactionMs.toFixed(0)} ms (rolled back)`);

  let transactions = 0;
  const counted = announcer.publish.bind(announcer);
  announcer.publish = (tx: EntityManager, events) => {
    transactions++;
    return counted(tx, events);
  };
  const placedAt = performance.now();
  const hold = (await dataSource.transaction((tx) => holds.place(tx, placement(`bench-${Date.now()}`)))) as HoldRow;
  const holdCommittedMs = performance.now() - placedAt;
  log(`the hold committed with hold.placed in ${holdCommittedMs.toFixed(0)} ms; announcing its windows after it`);
  const announcing = performance.now();
  // The placement's commit already started it (afterCommit); this joins it.
  await backlog.drain();
  const announcedMs = performance.now() - announcing;
  const announcementTransactions = transactions - 1;
  const [counts] = (await dataSource.query(
    `SELECT count(DISTINCT window_id)::int AS windows, count(*)::int AS occurrences, (SELECT count(*)::int FROM outbox_message) AS events,
            (SELECT count(*)::int FROM hold_announcement) AS owed
       FROM hold_occurrence WHERE hold_id = $1`,
    [hold.id],
  )) as { windows: number; occurrences: number; events: number; owed: number }[];
  if (counts.owed > 0) throw new Error(`the hold still owes announcements after its drain: ${counts.owed} row(s) in hold_announcement`);

  // Another region's hold over no window (NO is in no seeded footprint), as a surge elsewhere would place it.
  let others = 0;
  const otherHold = async (): Promise<number> => {
    const began = performance.now();
    await dataSource.transaction((tx) => holds.place(tx, { source: 'detector', causeId: `bench-other-${++others}`, regions: ['NO'], reason: 'bench surge elsewhere', from: start, until }));
    return performance.now() - began;
  };
  const alone: number[] = [];
  for (let index = 0; index < 10; index++) {
    alone.push(await otherHold());
    await delay(100);
  }
  const releasing = performance.now();
  let releasedAt = 0;
  let announcedAt = 0;
  const released = dataSource.transaction((tx) => holds.release(tx, hold, 'bench', 'bench release')).then(() => (releasedAt = performance.now()));
  const paid = released.then(() => backlog.drain()).finally(() => (announcedAt = performance.now()));
  const duringRelease: number[] = [];
  const placing: Promise<number>[] = [];
  while (announcedAt === 0) {
    placing.push(otherHold());
    await delay(100);
  }
  await paid;
  duringRelease.push(...(await Promise.all(placing)));
  const release = { committedMs: releasedAt - releasing, announcedMs: announcedAt - releasedAt, otherHoldMs: { alone, duringRelease } };
  log(`its release committed in ${release.committedMs.toFixed(0)} ms, window.released written ${release.announcedMs.toFixed(0)} ms later; ${duringRelease.length} other holds placed meanwhile`);
  return { windows: counts.windows, occurrences: counts.occurrences, events: counts.events, oneTransactionMs, holdCommittedMs, announcedMs, announcementTransactions, release };
}

