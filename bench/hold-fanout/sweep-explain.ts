/**
 * EXPLAIN ANALYZE of the sweep's statements that read hold_occurrence (repair, marking missed) on
 * a table that has lived: the bench's windows, PAST_HOLDS released surges whose links are kept,
 * and one active surge. Each statement runs in a transaction rolled back after.
 * Not a bench (no table): plans to read. SHAPES=before runs the statements as they were.
 * Run: npx vite-node --config vitest.config.mts bench/hold-fanout/sweep-explain.ts
 */
import { randomUUID } from 'node:crypto';
import { fanOutHold } from '../../services/maintenance-planner/src/holds/hold-fanout.sql';
import { REPAIR_DANGLING_LINKS } from '../../services/maintenance-planner/src/holds/holds.service';
import { heldByActiveHold } from '../../services/maintenance-planner/src/windows/window-record';
import { MARK_MISSED } from '../../services/maintenance-planner/src/windows/windows.service';
import { plannerBenchDatabase, seedWindows } from './planner-bench-database';

const PAST_HOLDS = Number(process.env.PAST_HOLDS ?? 15);
const log = (line: string) => process.stdout.write(`[sweep-explain] ${line}\n`);
const start = new Date('2026-06-15T00:00:00Z');
const day = 86_400_000;

// The shapes before the links in force were read per hold: both scanned every link ever kept.
const BEFORE: Record<string, string> = {
  repair: `UPDATE hold_occurrence h SET released_at = $1
    WHERE h.released_at IS NULL AND NOT EXISTS (SELECT 1 FROM hold WHERE hold.id = h.hold_id AND hold.released_at IS NULL)
   RETURNING h.window_id, h.number, h.kind, h.in_progress, h.overridden_by IS NOT NULL AS overridden`,
  missed: `UPDATE occurrence SET status = 'missed' WHERE status = 'scheduled' AND ends_at <= $1 AND NOT ${heldByActiveHold('occurrence')} RETURNING window_id, number`,
};
const NOW: Record<string, string> = { repair: REPAIR_DANGLING_LINKS, missed: MARK_MISSED };
const STATEMENTS = process.env.SHAPES === 'before' ? BEFORE : NOW;
// To compare with the index before HoldLinksByHoldInForce1764900000000: INDEX_DDL='DROP INDEX hold_occurrence_hold; CREATE INDEX hold_occurrence_hold ON hold_occurrence (hold_id)'
const INDEX_DDL = process.env.INDEX_DDL;

async function main(): Promise<void> {
  const database = await plannerBenchDatabase('sweep', log);
  const db = database.dataSource;
  try {
    if (INDEX_DDL) for (const statement of INDEX_DDL.split(';')) await db.query(statement);
    await seedWindows(db, { oneOff: 100_000, recurring: 1_000, start, days: 3, irShare: 0.5 });
    const place = async (regions: string[], from: Date, until: Date, released: boolean) => {
      const id = randomUUID();
      await db.query(`INSERT INTO hold (id, regions, reason, source, cause_id, placed_at, from_at, until_at, released_at) VALUES ($1, $2, 'past', 'manual', $6, $3, $3, $4, $5)`, [
        id,
        regions,
        from,
        until,
        released ? until : null,
        id,
      ]);
      await fanOutHold(db, { holdId: id, regions, from, until, now: from, fresh: true });
      if (released) await db.query('UPDATE hold_occurrence SET released_at = $2 WHERE hold_id = $1', [id, until]);
    };
    for (let index = 0; index < PAST_HOLDS; index++) await place(['IR'], start, new Date(start.getTime() + 3 * day), true);
    for (let hour = 0; hour < 72; hour++) await place(['NP', 'DE', 'US'], new Date(start.getTime() + hour * 3_600_000), new Date(start.getTime() + (hour + 1) * 3_600_000), true);
    await place(['IR'], start, new Date(start.getTime() + 3 * day), false);
    await db.query('VACUUM ANALYZE');
    const [links] = (await db.query(`SELECT count(*)::int AS links, count(*) FILTER (WHERE released_at IS NULL)::int AS active FROM hold_occurrence`)) as { links: number; active: number }[];
    log(`hold_occurrence: ${links.links} links, ${links.active} active; ${PAST_HOLDS + 72} released holds, 1 active`);
    const explain = async (name: string, at: Date) => {
      const runner = db.createQueryRunner();
      await runner.connect();
      await runner.startTransaction();
      try {
        const plan = (await runner.query(`EXPLAIN (ANALYZE, BUFFERS) ${STATEMENTS[name]}`, [at])) as { 'QUERY PLAN': string }[];
        log(`${name} at ${at.toISOString()}:\n${plan.map((row) => row['QUERY PLAN']).join('\n')}`);
      } finally {
        await runner.rollbackTransaction();
        await runner.release();
      }
    };
    const noon = new Date(start.getTime() + 1.5 * day);
    await explain('repair', noon);
    await explain('missed', noon);
    // The sweep runs every minute: what is left to mark a minute after a sweep that marked the rest.
    await db.query(STATEMENTS.missed, [noon]);
    await db.query('ANALYZE occurrence');
    await explain('missed', new Date(noon.getTime() + 60_000));
    const timings: number[] = [];
    const releases: number[] = [];
    for (let run = 0; run < 5; run++) {
      const runner = db.createQueryRunner();
      await runner.connect();
      await runner.startTransaction();
      try {
        const id = randomUUID();
        await runner.query(`INSERT INTO hold (id, regions, reason, source, cause_id, placed_at, from_at, until_at) VALUES ($1, '{IR}', 'timed', 'manual', $4, $2, $2, $3)`, [id, start, new Date(start.getTime() + 3 * day), id]);
        const began = performance.now();
        await fanOutHold(runner, { holdId: id, regions: ['IR'], from: start, until: new Date(start.getTime() + 3 * day), now: start, fresh: true });
        timings.push(performance.now() - began);
        const released = performance.now();
        await runner.query('UPDATE hold_occurrence SET released_at = $2 WHERE hold_id = $1 AND released_at IS NULL', [id, start]);
        releases.push(performance.now() - released);
      } finally {
        await runner.rollbackTransaction();
        await runner.release();
      }
    }
    log(`fresh fan-out of ${links.active} links, 5 runs: ${timings.map((ms) => ms.toFixed(0)).join(', ')} ms; its release: ${releases.map((ms) => ms.toFixed(0)).join(', ')} ms`);
  } finally {
    await database.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
