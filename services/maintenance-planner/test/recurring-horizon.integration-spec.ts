import { ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { plannerService } from '../src/app.module';
import { WindowsService } from '../src/windows/windows.service';

const clock = new ManualClock('2026-07-01T00:00:00Z');

describe('maintenance-planner: a recurring window whose first run lies beyond the occurrence horizon', () => {
  let service: ServiceUnderTest;
  let windows: WindowsService;
  let db: DataSource;

  beforeAll(async () => {
    // The 90-day default horizon; the sweep is driven by hand.
    service = await startServiceUnderTest(plannerService, { clock, environment: { PLANNER_SWEEP_INTERVAL_SECONDS: '0' } });
    windows = service.app.get(WindowsService);
    db = service.app.get(DataSource);
  });

  afterAll(async () => {
    await service?.close();
  });

  /** An hour-long window run by storage in one region, recurring by `rule` from `startsAt`; its id. */
  const planRecurring = async (title: string, region: string, startsAt: string, rule: string, hours = 1): Promise<string> => {
    const response = await service.fetch('/v1/windows', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        title,
        ownerTeam: 'storage',
        footprint: { global: false, regions: [region] },
        startsAt,
        endsAt: new Date(Date.parse(startsAt) + hours * 3_600_000).toISOString(),
        plannedZone: 'UTC',
        recurrence: rule,
      }),
    });
    expect(response.status, await response.clone().text()).toBe(201);
    return ((await response.json()) as { windowId: string }).windowId;
  };
  const runsOf = async (windowId: string) =>
    ((await db.query('SELECT number, starts_at FROM occurrence WHERE window_id = $1 ORDER BY number', [windowId])) as { number: number; starts_at: Date }[]).map((run) => [
      run.number,
      run.starts_at.toISOString(),
    ]);

  it('keeps its first run once while the sweep extends the horizon towards it, then adds each later run once', async () => {
    clock.set('2026-07-01T00:00:00Z');
    const windowId = await planRecurring('spring storage migration', 'DE', '2027-03-20T01:00:00Z', 'FREQ=WEEKLY;COUNT=4');
    expect(await runsOf(windowId)).toEqual([[1, '2027-03-20T01:00:00.000Z']]);

    // A sweep a minute, for a few minutes: the horizon (90 days ahead) is still months short of the first run.
    for (const minute of ['00:01', '00:02', '00:03']) {
      clock.set(`2026-07-01T${minute}:00Z`);
      await windows.extendHorizon();
    }
    expect(await runsOf(windowId)).toEqual([[1, '2027-03-20T01:00:00.000Z']]);

    // The horizon past all four runs: each of the other three once, numbered after the first.
    clock.set('2027-01-15T00:00:00Z');
    await windows.extendHorizon();
    await windows.extendHorizon();
    expect(await runsOf(windowId)).toEqual([
      [1, '2027-03-20T01:00:00.000Z'],
      [2, '2027-03-27T01:00:00.000Z'],
      [3, '2027-04-03T01:00:00.000Z'],
      [4, '2027-04-10T01:00:00.000Z'],
    ]);
  });

  it('adds no run twice for a window an earlier build recorded as expanded short of its first run', async () => {
    clock.set('2026-07-01T00:00:00Z');
    const windowId = await planRecurring('autumn storage migration', 'FR', '2027-09-20T01:00:00Z', 'FREQ=DAILY;COUNT=2');
    // As such a build left it: expanded to the horizon only, 90 days ahead, months before the first run.
    await db.query(`UPDATE maintenance_window SET expanded_until = '2026-09-29T00:00:00Z' WHERE id = $1`, [windowId]);

    clock.set('2026-07-01T00:05:00Z');
    await windows.extendHorizon();
    await windows.extendHorizon();
    expect(await runsOf(windowId)).toEqual([[1, '2027-09-20T01:00:00.000Z']]);
  });

  it('expands a window with no run to add again only once the horizon reaches its next run, or once it is changed', async () => {
    clock.set('2026-07-01T00:00:00Z');
    // Weekly on Wednesdays from 1 July: planned, its runs stand to 29 September, the horizon; the next is 30 September.
    const windowId = await planRecurring('weekly vacuum', 'BE', '2026-07-01T02:00:00Z', 'FREQ=WEEKLY');
    const stored = (await runsOf(windowId)).length;
    const expansions = vi.spyOn(windows as unknown as { runsToAdd: (...args: unknown[]) => unknown }, 'runsToAdd');
    const expandedNow = async () => {
      const before = expansions.mock.calls.filter(([, row]) => (row as { id: string }).id === windowId).length;
      await windows.extendHorizon();
      return expansions.mock.calls.filter(([, row]) => (row as { id: string }).id === windowId).length - before;
    };
    try {
      clock.set('2026-07-01T00:01:00Z');
      expect(await expandedNow()).toBe(1);
      // A sweep a minute while its next run lies beyond the horizon: not expanded, nothing added.
      for (const minute of ['00:02', '00:03', '12:00']) {
        clock.set(`2026-07-01T${minute}:00Z`);
        expect(await expandedNow()).toBe(0);
      }
      expect(await runsOf(windowId)).toHaveLength(stored);

      // A change to the window is expanded again at the next sweep.
      const { version } = (await (await service.fetch(`/v1/windows/${windowId}`)).json()) as { version: number };
      const renamed = await service.fetch(`/v1/windows/${windowId}`, { method: 'PATCH', headers: { 'content-type': 'application/json', 'if-match': `"${version}"` }, body: JSON.stringify({ title: 'weekly vacuum (all tables)' }) });
      expect(renamed.status, await renamed.clone().text()).toBe(200);
      clock.set('2026-07-01T12:01:00Z');
      expect(await expandedNow()).toBe(1);

      // The horizon past 30 September 02:00: that run is added, once (its runs read unlocked, then again under the lock).
      clock.set('2026-07-02T03:00:00Z');
      expect(await expandedNow()).toBe(2);
      expect((await runsOf(windowId)).slice(stored)).toEqual([[stored + 1, '2026-09-30T02:00:00.000Z']]);
      clock.set('2026-07-02T03:01:00Z');
      expect(await expandedNow()).toBe(1);
      clock.set('2026-07-02T03:02:00Z');
      expect(await expandedNow()).toBe(0);
      expect(await runsOf(windowId)).toHaveLength(stored + 1);
    } finally {
      expansions.mockRestore();
    }
  });

  it('stores none of the new runs of a window that would overlap or last too long, says which, and extends the other windows', async () => {
    clock.set('2026-07-01T00:00:00Z');
    const compaction = await planRecurring('nightly compaction', 'AT', '2026-07-02T01:00:00Z', 'FREQ=DAILY');
    const backups = await planRecurring('nightly backups', 'AT', '2026-07-02T03:00:00Z', 'FREQ=DAILY');
    const reindex = await planRecurring('weekly reindex', 'AT', '2026-07-04T01:00:00Z', 'FREQ=WEEKLY', 24);
    // As if stored before a rule or a bound changed: create and PATCH refuse a daily window lasting 25
    // hours (overlapping-occurrences) and one lasting 800 (window-too-long), and its runs so far stay as they were.
    await db.query(`UPDATE maintenance_window SET ends_at = starts_at + interval '25 hours' WHERE id = $1`, [compaction]);
    await db.query(`UPDATE maintenance_window SET ends_at = starts_at + interval '800 hours' WHERE id = $1`, [reindex]);
    const countOf = async (windowId: string) => (await runsOf(windowId)).length;
    const before = { compaction: await countOf(compaction), backups: await countOf(backups), reindex: await countOf(reindex) };

    clock.set('2026-07-06T00:00:00Z');
    const { extended, refused } = await windows.extendHorizon();

    // Stored before, the overlapping runs and the 800-hour one were stored silently.
    expect(await countOf(compaction)).toBe(before.compaction);
    expect(await countOf(reindex)).toBe(before.reindex);
    expect(await countOf(backups)).toBe(before.backups + 5);
    expect(refused.find((refusal) => refusal.windowId === compaction)).toEqual({
      windowId: compaction,
      reason: 'overlapping-occurrences',
      runs: [
        { startsAt: '2026-09-29T01:00:00.000Z', endsAt: '2026-09-30T02:00:00.000Z', stored: false },
        { startsAt: '2026-09-30T01:00:00.000Z', endsAt: '2026-10-01T02:00:00.000Z', stored: false },
      ],
      detail: 'The run from 2026-09-29T01:00:00.000Z lasts until 2026-09-30T02:00:00.000Z, after the next run starts at 2026-09-30T01:00:00.000Z: a run must end before the next begins.',
    });
    expect(refused.find((refusal) => refusal.windowId === reindex)).toMatchObject({
      reason: 'occurrence-too-long',
      runs: [{ startsAt: '2026-10-03T01:00:00.000Z', endsAt: '2026-11-05T09:00:00.000Z', stored: false }],
    });
    expect(extended).toBeGreaterThanOrEqual(1);

    // The owner shortens the runs again (the PATCH replans the runs ahead with planning's checks): the sweep extends it from there.
    const { version } = (await (await service.fetch(`/v1/windows/${compaction}`)).json()) as { version: number };
    const fixed = await service.fetch(`/v1/windows/${compaction}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'if-match': `"${version}"` },
      body: JSON.stringify({ endsAt: '2026-07-02T02:00:00Z' }),
    });
    expect(fixed.status, await fixed.clone().text()).toBe(200);
    clock.set('2026-07-07T00:00:00Z');
    const after = await windows.extendHorizon();
    expect(after.refused.map((refusal) => refusal.windowId)).not.toContain(compaction);
    expect((await runsOf(compaction)).at(-1)).toEqual([expect.any(Number), '2026-10-04T01:00:00.000Z']);
  });
});
