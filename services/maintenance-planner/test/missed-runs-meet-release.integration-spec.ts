/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plannerService } from '../src/app.module';
import { HoldsService } from '../src/holds/holds.service';
import { WindowsService } from '../src/windows/windows.service';

const clock = new ManualClock('2026-10-01T00:00:00Z');

interface Answer {
  status: number;
  body: Record<string, any>;
}

/**
 * The sweep's missed runs and a release of a hold over the same windows, at the same moment, each with its transaction
 * open while the other runs: a run the hold let through by an override and that never started is missed, one it held
 * until its time passed needs a new slot, whichever commits first. The two write no run in common (marking missed only
 * runs no hold in force holds as it reads them, the release only runs its hold held), and of the windows both refresh
 * the release first takes only KEY SHARE, which a status refresh does not wait for: neither waits for the other, so
 * they cannot deadlock. A release locking its windows any stronger would hold up marking runs missed, or be held up by it.
 */
describe('maintenance-planner: marking runs missed while a hold over their windows is released', () => {
  let service: ServiceUnderTest;
  let db: DataSource;
  let holds: HoldsService;
  let windows: WindowsService;
  let spy: Client;
  let blocker: Client;

  const api = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const response = await service.fetch(path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : {} };
  };
  const plan = async (region: string, startsAt: string) => {
    const answer = await api('POST', '/v1/windows', {
      title: `Kernel patch in ${region}`,
      ownerTeam: 'network-ops',
      footprint: { global: false, regions: [region] },
      startsAt,
      endsAt: new Date(Date.parse(startsAt) + 3_600_000).toISOString(),
      plannedZone: 'UTC',
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body.windowId as string;
  };
  /** A hold over two windows of the region, their runs ended unstarted by 08:00: one held, one let through by an override. */
  const heldAndLetThrough = async (region: string) => {
    clock.set('2026-10-01T00:00:00Z');
    const held = await plan(region, '2026-10-01T06:00:00Z');
    const letThrough = await plan(region, '2026-10-01T03:00:00Z');
    const placed = await api('POST', '/v1/holds', { regions: [region], from: '2026-10-01T00:00:00Z', until: '2026-10-05T00:00:00Z', reason: `Elections in ${region}` });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    const overridden = await api('POST', `/v1/windows/${letThrough}/override`, { reason: 'the certificate expires today' });
    expect(overridden.status, JSON.stringify(overridden.body)).toBe(200);
    clock.set('2026-10-01T08:00:00Z');
    return { held, letThrough, holdId: placed.body.id as string };
  };
  const runStatus = async (windowId: string) => (await spy.query('SELECT status FROM occurrence WHERE window_id = $1 AND number = 1', [windowId])).rows[0].status as string;
  const windowStatus = async (windowId: string) => (await api('GET', `/v1/windows/${windowId}`)).body.status as string;
  const releasedBy = async (windowId: string, holdId: string) =>
    (await spy.query(`SELECT payload->>'status' AS status FROM outbox_message WHERE message_key = $1 AND event_type = 'window.released' AND payload->>'holdId' = $2 ORDER BY id`, [windowId, holdId])).rows;
  const waitingOnRows = async () =>
    (
      await spy.query(
        `SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND wait_event <> 'advisory'`,
      )
    ).rows[0].waiting as number;
  /** Both runs as they should be once both have committed, and each window told released by the hold once. */
  const expectSettled = async ({ held, letThrough, holdId }: { held: string; letThrough: string; holdId: string }) => {
    expect(await runStatus(letThrough)).toBe('missed');
    expect(await runStatus(held)).toBe('needs-reschedule');
    expect(await windowStatus(letThrough)).toBe('needs-reschedule');
    expect(await windowStatus(held)).toBe('needs-reschedule');
    expect(await releasedBy(held, holdId)).toEqual([{ status: 'needs-reschedule' }]);
    // Told released by its override, when it let the hold's last held run through; the release tells it nothing more.
    expect(await releasedBy(letThrough, holdId)).toHaveLength(1);
    expect((await api('GET', `/v1/holds/${holdId}`)).body).toMatchObject({ active: false });
  };

  beforeAll(async () => {
    service = await startServiceUnderTest(plannerService, { clock, environment: { PLANNER_SWEEP_INTERVAL_SECONDS: '0' } });
    db = service.app.get(DataSource);
    holds = service.app.get(HoldsService);
    windows = service.app.get(WindowsService);
    spy = new Client({ connectionString: service.database.url, options: '-c search_path=maintenance_planner' });
    blocker = new Client({ connectionString: service.database.url, options: '-c search_path=maintenance_planner' });
    await Promise.all([spy.connect(), blocker.connect()]);
  });

  afterAll(async () => {
    await blocker?.end();
    await spy?.end();
    await service?.close();
  });

  it('marks the run let through missed while the release is open, leaving the run it held for the release to give a new slot', async () => {
    const setUp = await heldAndLetThrough('MN');
    const hold = await holds.get(setUp.holdId);

    let marking: Promise<number> | undefined;
    await db.transaction(async (tx) => {
      expect(await holds.release(tx, hold, undefined, 'The held period ended')).toBe(true);
      // The release has refreshed the held window's status and locked both windows' rows: marking missed ends before it commits.
      marking = windows.markMissed();
      await expectEventually(async () => expect(await settled(marking!)).toBe(true), { message: 'marking missed ends while the release is open' });
    });
    expect(await marking!).toBe(1);

    await expectSettled(setUp);
  });

  it('releases the hold while marking missed waits with its runs marked, leaving the run it held alone', async () => {
    const setUp = await heldAndLetThrough('KG');

    // Marking missed stops at the window whose status it refreshes, its run marked missed, its transaction open.
    await blocker.query('BEGIN');
    await blocker.query('SELECT id FROM maintenance_window WHERE id = $1 FOR NO KEY UPDATE', [setUp.letThrough]);
    let marking: Promise<number> | undefined;
    try {
      marking = windows.markMissed();
      await expectEventually(async () => expect(await waitingOnRows()).toBe(1));
      const releasing = api('POST', `/v1/holds/${setUp.holdId}/release`, { reason: 'polls closed' });
      await expectEventually(async () => expect(await settled(releasing)).toBe(true), { message: 'the release ends while marking missed is open' });
      const released = await releasing;
      expect(released, JSON.stringify(released.body)).toMatchObject({ status: 200, body: { active: false } });
    } finally {
      await blocker.query('ROLLBACK');
    }
    expect(await marking!).toBe(1);

    await expectSettled(setUp);
  });
});

/** Whether the promise has settled, without waiting for it: asked after the microtasks queued now, so one settled already says so. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  const pending = Symbol('pending');
  return (await Promise.race([promise.then(() => true, () => true), new Promise((resolve) => setImmediate(() => resolve(pending)))])) !== pending;
}
