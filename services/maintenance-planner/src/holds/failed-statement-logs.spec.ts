import { MetricsRegistry } from '@holdfast/observability';
import { ManualClock } from '@holdfast/testing';
import { Logger } from '@nestjs/common';
import { DatabaseError } from 'pg';
import { stdSerializers } from 'pino';
import { QueryFailedError } from 'typeorm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PlannerSweep } from './planner-sweep.service';
import { WindowAnnouncementBacklog } from './window-announcement-backlog';

// A window's title, as a failed statement's parameters and PostgreSQL's detail quote it.
const TITLE = 'quietly rotate the payroll database credentials';

/** What TypeORM throws for a statement PostgreSQL refused: its parameters, and the row quoted in the detail. */
function failedStatement(statement: string): QueryFailedError {
  const refused = Object.assign(new DatabaseError('null value in column "owner_team" of relation "maintenance_window" violates not-null constraint', 120, 'error'), {
    code: '23502',
    table: 'maintenance_window',
    column: 'owner_team',
    detail: `Failing row contains (0192, ${TITLE}, null).`,
  });
  return new QueryFailedError(statement, ['0192', TITLE], refused);
}

/** The lines `level` logged, as pino writes them (nestjs-pino hands the fields to pino, whose err serializer this is). */
function written(logged: ReturnType<typeof vi.spyOn>): string[] {
  return logged.mock.calls.map(([fields]) => JSON.stringify({ ...(fields as object), err: stdSerializers.err((fields as { err: Error }).err) }));
}

describe("the planner's logs of a failed statement", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  it('name the statement and its table, and never the values it carried', async () => {
    const errors = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const warnings = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const dataSource = {
      manager: { query: () => Promise.resolve([{ debts: 1 }]) },
      query: () => Promise.reject(failedStatement('ANALYZE hold_occurrence')),
      transaction: () => Promise.reject(failedStatement('UPDATE maintenance_window SET title = $2 WHERE id = $1')),
    };
    const backlog = new WindowAnnouncementBacklog(dataSource as never, new ManualClock('2026-12-01T00:00:00Z') as never, {} as never);
    expect(await backlog.drain()).toBe(0);

    // The sweep's periodic run failing on the same statement.
    vi.useFakeTimers();
    const none = () => Promise.resolve(0);
    const windows = { extendHorizon: () => Promise.reject(failedStatement('UPDATE maintenance_window SET title = $2 WHERE id = $1')), markMissed: none };
    const holds = { announceOwed: none, releaseDue: none, openOutlasted: none, extendOpenEnded: none, repair: none, refreshGauges: none };
    const sweep = new PlannerSweep(windows as never, { checkNewRelease: () => Promise.resolve([]) } as never, holds as never, { prune: none } as never, { settings: { sweepIntervalMs: 1_000 } } as never, new MetricsRegistry('maintenance-planner', false));
    sweep.onApplicationBootstrap();
    await vi.advanceTimersByTimeAsync(1_000);
    await sweep.onApplicationShutdown();

    // The sweep's summary names the step that failed and carries no error of its own.
    expect(written(warnings).filter((line) => !line.includes('"err"'))).toEqual([expect.stringContaining('"outcome":"partial","failed":["extendedWindows"]')]);
    const lines = [...written(warnings), ...written(errors)].filter((line) => line.includes('"err"'));
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line).not.toContain(TITLE);
      expect(line).toContain('"type":"QueryFailedError"');
      expect(line).toContain('"table":"maintenance_window","column":"owner_team"');
    }
    expect(lines[0]).toContain('ANALYZE hold_occurrence');
    expect(lines.slice(1).every((line) => line.includes('UPDATE maintenance_window SET title'))).toBe(true);
  });
  it("name the statement of each hold or window a sweep step could not settle, and never the values they carried", async () => {
    const errors = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const none = () => Promise.resolve(0);
    const refused = new AggregateError([failedStatement('UPDATE maintenance_window SET title = $2 WHERE id = $1')], '1 of 2 recurring windows could not get their runs up to the horizon (0192); 1 did.');
    const windows = { extendHorizon: () => Promise.reject(refused), markMissed: none };
    const holds = { announceOwed: none, releaseDue: none, openOutlasted: none, extendOpenEnded: none, repair: none, refreshGauges: none };
    const sweep = new PlannerSweep(windows as never, { checkNewRelease: () => Promise.resolve([]) } as never, holds as never, { prune: none } as never, { settings: { sweepIntervalMs: 0 } } as never, new MetricsRegistry('maintenance-planner', false));

    expect((await sweep.sweep()).failed).toEqual(['extendedWindows']);

    const lines = errors.mock.calls.map(([fields]) => JSON.stringify(stdSerializers.err((fields as { err: Error }).err)));
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(TITLE);
    expect(lines[0]).toContain('1 of 2 recurring windows could not get their runs up to the horizon');
    expect(lines[0]).toContain('UPDATE maintenance_window SET title');
    expect(lines[0]).toContain('"table":"maintenance_window","column":"owner_team"');
  });
});
