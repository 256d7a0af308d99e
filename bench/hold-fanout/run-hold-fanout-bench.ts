/**
 * One surge holding 100k one-off windows and 1k recurring ones: the planner's set-based fan-out
 * (one statement) against the same effect one row at a time, on the same data in the same run
 * (each case in a transaction rolled back afterwards), then a whole surge (HoldsService.place: hold,
 * fan-out, audit, events, outbox) over SURGE_WINDOWS of those windows: until the gate answers 423,
 * against the same placement with every window.held in its transaction, and until the window.held
 * events it owes are written after it; then its release, and what another region's hold takes to
 * commit meanwhile against the same hold on its own.
 * Needs PostgreSQL only (DATABASE_URL).
 * Run: npm run bench:hold-fanout (FANOUT_WINDOWS / FANOUT_RECURRING / SURGE_WINDOWS to resize; SURGE_WINDOWS=0 skips it).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { fanOutHold, fanOutHoldRowByRow } from '../../services/maintenance-planner/src/holds/hold-fanout.sql';
import { plannerBenchDatabase, seedWindows } from './planner-bench-database';
import { measureSurgeTransaction, type SurgeTransaction } from './surge-transaction';

const ONE_OFF = Number(process.env.FANOUT_WINDOWS ?? 100_000);
const RECURRING = Number(process.env.FANOUT_RECURRING ?? 1_000);
// One row at a time over 100k rows takes minutes on a shared machine: it runs over a sample and its per-row cost is scaled up.
const ROW_SAMPLE = Number(process.env.FANOUT_ROW_SAMPLE ?? 10_000);
const SURGE_WINDOWS = Number(process.env.SURGE_WINDOWS ?? 10_000);
const log = (line: string) => process.stdout.write(`[hold-fanout] ${line}\n`);
// The service classes run without Nest here: their info lines would land mid-table; warnings and errors still show.
Logger.overrideLogger(['warn', 'error']);
const start = new Date('2026-06-15T00:00:00Z');
// A surge's hold is placed in the fan-out's transaction (fresh: nothing links to it yet), as HoldsService.place does it.
const hold = { regions: ['IR'], from: start, until: new Date(start.getTime() + 3 * 86_400_000), now: start, fresh: true };

async function main(): Promise<void> {
  const database = await plannerBenchDatabase('fanout', log);
  try {
    log(`seeding ${ONE_OFF} one-off windows within 3 days (all with IR) and ${RECURRING} daily recurring ones (90 occurrences each)`);
    await seedWindows(database.dataSource, { oneOff: ONE_OFF, recurring: RECURRING, start, days: 3, irShare: 1 });
    const results: { case: string; rows: number; ms: number }[] = [];
    for (const [label, run] of [
      ['set-based (one statement: INSERT ... SELECT of the hold links)', 'set'],
      ['one row at a time (SELECT, then one INSERT per occurrence)', 'row'],
    ] as const) {
      const runner = database.dataSource.createQueryRunner();
      await runner.connect();
      await runner.startTransaction();
      try {
        const holdId = randomUUID();
        await runner.query(`INSERT INTO hold (id, regions, reason, source, cause_id, placed_at, from_at, until_at) VALUES ($1, $2, 'bench', 'manual', $5, $3, $3, $4)`, [holdId, hold.regions, hold.from, hold.until, holdId]);
        const began = performance.now();
        // Neither writes occurrence or window rows: held is read from the hold links.
        const rows = run === 'set' ? (await fanOutHold(runner, { holdId, ...hold })).length : await fanOutHoldRowByRow(runner, { holdId, ...hold }, ROW_SAMPLE);
        const ms = performance.now() - began;
        results.push({ case: label, rows, ms });
        log(`${label}: ${rows} occurrences in ${ms.toFixed(0)} ms`);
      } finally {
        await runner.rollbackTransaction();
        await runner.release();
      }
    }
    let surge: SurgeTransaction | undefined;
    if (SURGE_WINDOWS > 0) {
      log(`a surge over the first ${SURGE_WINDOWS} one-off windows, as HoldsService.place makes it`);
      surge = await measureSurgeTransaction(database.dataSource, start, SURGE_WINDOWS, log);
    }
    const [setBased, rowByRow] = results;
    const perRowMs = rowByRow.ms / rowByRow.rows;
    const rowByRowFullMs = perRowMs * setBased.rows;
    const headline = { fanoutMs: Number(setBased.ms.toFixed(1)), perRowMs: Number(perRowMs.toFixed(4)), ratio: Number((rowByRowFullMs / setBased.ms).toFixed(1)) };
    console.table(
      results.map((result) => ({
        case: result.case,
        occurrences: result.rows,
        'ms measured': result.ms.toFixed(0),
        'µs per occurrence': ((result.ms * 1000) / result.rows).toFixed(1),
        [`ms for ${setBased.rows}`]: ((result.ms / result.rows) * setBased.rows).toFixed(0),
        'vs set-based': `x${((result.ms / result.rows) * setBased.rows / setBased.ms).toFixed(1)}`,
      })),
    );
    if (surge) {
      // The baseline beside it: the same placement with every window.held in its own transaction.
      console.table([
        { case: 'hold and every window.held in one transaction (before 2026-12-02; the baseline)', windows: surge.windows, 'ms until the gate answers 423': surge.oneTransactionMs.toFixed(0), 'window.held written': 'with the hold' },
        {
          case: 'hold committed with hold.placed, window.held owed (HoldsService.place now)',
          windows: surge.windows,
          'ms until the gate answers 423': surge.holdCommittedMs.toFixed(0),
          'window.held written': `${surge.announcedMs.toFixed(0)} ms later, ${surge.announcementTransactions} transactions`,
        },
      ]);
      log(`the gate holds a surge over ${surge.windows} windows after ${surge.holdCommittedMs.toFixed(0)} ms, x${(surge.oneTransactionMs / surge.holdCommittedMs).toFixed(1)} sooner than with every window.held in its transaction; ${surge.events} outbox rows in all`);
      const { alone, duringRelease } = surge.release.otherHoldMs;
      const spread = (values: number[]) => {
        const sorted = [...values].sort((a, b) => a - b);
        return { holds: sorted.length, 'p50 ms': sorted[Math.floor(sorted.length / 2)].toFixed(0), 'max ms': sorted.at(-1)!.toFixed(0) };
      };
      // The baseline: the same hold elsewhere, placed with nothing else under way.
      console.table([
        { case: 'another region\'s hold, on its own (the baseline)', ...spread(alone) },
        { case: `another region's hold, while the ${surge.windows}-window hold is released and announced`, ...spread(duringRelease) },
      ]);
      log(`the ${surge.windows}-window hold's release committed in ${surge.release.committedMs.toFixed(0)} ms; its window.released events were written ${surge.release.announcedMs.toFixed(0)} ms later`);
    }
    log(`headline: set-based fan-out ${headline.fanoutMs} ms for ${setBased.rows} occurrences (goal < 1000 ms); one row at a time ${headline.perRowMs} ms per row (measured on ${rowByRow.rows}, scaled to ${setBased.rows}); ratio x${headline.ratio} (goal >= 10)`);
    mkdirSync('bench/results', { recursive: true });
    writeFileSync(
      'bench/results/hold-fanout.json',
      `${JSON.stringify({ headline, oneOffWindows: ONE_OFF, recurringWindows: RECURRING, cases: results, surgeTransaction: surge ?? null, node: process.version, measuredAt: new Date().toISOString() }, null, 2)}\n`,
    );
  } finally {
    await database.drop();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`[hold-fanout] failed: ${error.message}\nIs PostgreSQL up (DATABASE_URL)?\n`);
  process.exit(1);
});
