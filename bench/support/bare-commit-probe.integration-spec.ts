import { createTestDatabase, expectEventually, type TestDatabase } from '@holdfast/testing';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { longestCommitDuring, openBareCommitProbe } from './bare-commit-probe';

describe('openBareCommitProbe', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('bare-commit-probe');
  });

  afterAll(async () => {
    await database.drop();
  });

  const committedRows = async (): Promise<number> => {
    const reader = new Client({ connectionString: database.url });
    await reader.connect();
    try {
      return (await reader.query<{ count: number }>('SELECT count(*)::int AS count FROM bench_commit_probe')).rows[0].count;
    } finally {
      await reader.end();
    }
  };

  it('commits one row per call, each visible to another session once timed, and commits in the background until stopped', async () => {
    const probe = await openBareCommitProbe(database.url);
    try {
      const ms = await probe.commit();
      expect(ms).toBeGreaterThan(0);
      expect(await committedRows()).toBe(1);

      const started = performance.now();
      const background = probe.every(20);
      await expectEventually(async () => expect(await committedRows()).toBeGreaterThanOrEqual(4), { intervalMs: 20 });
      const taken = await background.stop();
      const elapsed = performance.now() - started;
      expect(await committedRows()).toBe(1 + taken.length);
      // Paced: each commit starts 20 ms or more after the one before, so no burst.
      expect(taken.length).toBeLessThanOrEqual(Math.ceil(elapsed / 20) + 1);
      for (const [index, commit] of taken.entries()) {
        expect(commit.ms).toBeGreaterThan(0);
        // A few milliseconds of slack: a timer counts from the event loop's clock, which can lag performance.now() a little.
        if (index > 0) expect(commit.startedAt).toBeGreaterThanOrEqual(taken[index - 1].startedAt + Math.max(20, taken[index - 1].ms) - 5);
      }
      // Stopped means ended: a commit of its own afterwards is the only new row, and the loop took no more.
      const rowsAfterStop = await committedRows();
      await probe.commit();
      expect(await committedRows()).toBe(rowsAfterStop + 1);
      expect(taken.length).toBe(rowsAfterStop - 1);
    } finally {
      await probe.close();
    }
  });

  it('stops a background loop still running when closed', async () => {
    const rowsBefore = await committedRows();
    const probe = await openBareCommitProbe(database.url);
    const background = probe.every(5);
    await expectEventually(async () => expect(await committedRows()).toBeGreaterThanOrEqual(rowsBefore + 2), { intervalMs: 10 });
    await probe.close();
    // The loop ended before the connection did: stopping it again rethrows no failed commit, and every row it wrote is in its list.
    const taken = await background.stop();
    expect(await committedRows()).toBe(rowsBefore + taken.length);
  });
});

describe('longestCommitDuring', () => {
  const commits = [
    { startedAt: 0, ms: 2 },
    { startedAt: 100, ms: 300 },
    { startedAt: 500, ms: 5 },
  ];

  it('takes the longest commit in flight at any moment of the span, its ends included', () => {
    expect(longestCommitDuring(commits, 150, 160)).toBe(300);
    expect(longestCommitDuring(commits, 400, 499)).toBe(300);
    expect(longestCommitDuring(commits, 401, 499)).toBe(0);
    expect(longestCommitDuring(commits, 1, 100)).toBe(300);
    expect(longestCommitDuring(commits, 490, 520)).toBe(5);
    expect(longestCommitDuring([], 0, 1_000)).toBe(0);
  });
});
