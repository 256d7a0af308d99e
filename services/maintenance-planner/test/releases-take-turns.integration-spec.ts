/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plannerService } from '../src/app.module';
import { HoldsService } from '../src/holds/holds.service';

const clock = new ManualClock('2026-10-01T00:00:00Z');

interface Answer {
  status: number;
  body: Record<string, any>;
}

/**
 * Releases at the same moment take turns, at the hold set's release key. Two holds over the same windows, one released as
 * the sweep does (in a transaction of the spec's own, left open), the other by hand over HTTP: the second waits for the
 * first, then lets go of the runs both held, and a run begun while held needs a new slot. Before, each read the other's
 * hold as holding the run still, which was left scheduled (to be marked missed), and both told its window `held`. And one
 * hold released by hand with If-Match while the sweep releases it: the two take the release key and the hold's row in
 * the same order, so neither deadlocks.
 */
describe('maintenance-planner: releases at the same moment', () => {
  let service: ServiceUnderTest;
  let db: DataSource;
  let holds: HoldsService;
  let spy: Client;

  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> => {
    const response = await service.fetch(path, { method, headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
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
  const placeHold = async (region: string, reason: string) => {
    const answer = await api('POST', '/v1/holds', { regions: [region], from: '2026-10-01T00:00:00Z', until: '2026-10-05T00:00:00Z', reason });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body.id as string;
  };
  /** The window.released events written for the window, in order: the hold each is from and the window's status it told. */
  const told = async (windowId: string) =>
    (await spy.query(`SELECT payload->>'holdId' AS "holdId", payload->>'status' AS status FROM outbox_message WHERE message_key = $1 AND event_type = 'window.released' ORDER BY id`, [windowId]))
      .rows as { holdId: string; status: string }[];
  const runStatus = async (windowId: string) => (await spy.query('SELECT status FROM occurrence WHERE window_id = $1 AND number = 1', [windowId])).rows[0].status as string;
  /** Sessions of the planner waiting for a lock another transaction holds (a row, or a key of the outbox or the hold set). */
  const waitingOnAdvisory = async () =>
    (await spy.query(`SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event = 'advisory'`)).rows[0].waiting as number;
  /** The hold set's release key, as LOCK_HOLD_SET_TO_RELEASE takes it, held by the spy until unlocked. */
  const lockReleases = () => spy.query(`SELECT pg_advisory_lock(hashtext('maintenance_planner/hold-set'), 1)`);
  const unlockReleases = () => spy.query(`SELECT pg_advisory_unlock(hashtext('maintenance_planner/hold-set'), 1)`);
  const waiting = async () =>
    (await spy.query(`SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'`)).rows[0].waiting as number;

  beforeAll(async () => {
    service = await startServiceUnderTest(plannerService, { clock, environment: { PLANNER_SWEEP_INTERVAL_SECONDS: '0' } });
    db = service.app.get(DataSource);
    holds = service.app.get(HoldsService);
    spy = new Client({ connectionString: service.database.url, options: '-c search_path=maintenance_planner' });
    await spy.connect();
  });

  afterAll(async () => {
    await spy?.end();
    await service?.close();
  });

  it('runs both held, begun while held, need a new slot once both are released, and the last window.released of each window says so', async () => {
    clock.set('2026-10-01T00:00:00Z');
    const first = await plan('MN', '2026-10-01T06:00:00Z');
    const second = await plan('MN', '2026-10-01T06:30:00Z');
    const swept = await placeHold('MN', 'Elections in MN');
    const byHand = await placeHold('MN', 'Census in MN');
    // Both runs began while held.
    clock.set('2026-10-01T07:00:00Z');

    let releasing: Promise<Answer> | undefined;
    await db.transaction(async (tx) => {
      expect(await holds.release(tx, await holds.get(swept), undefined, 'The held period ended')).toBe(true);
      releasing = api('POST', `/v1/holds/${byHand}/release`, { reason: 'census done' });
      await expectEventually(async () => expect(await waiting()).toBe(1));
    });
    const released = await releasing!;

    expect(released, JSON.stringify(released.body)).toMatchObject({ status: 200, body: { active: false } });
    for (const windowId of [first, second]) {
      expect(await runStatus(windowId)).toBe('needs-reschedule');
      expect((await api('GET', `/v1/windows/${windowId}`)).body.status).toBe('needs-reschedule');
      // Told released by each hold once; the second, told after both let go, as it now reads.
      expect(await told(windowId)).toEqual([
        { holdId: swept, status: 'held' },
        { holdId: byHand, status: 'needs-reschedule' },
      ]);
      const trail = (await api('GET', `/v1/audit?subject=${windowId}`)).body.items.map((entry: any) => entry.action);
      expect(trail.filter((action: string) => action === 'needs-reschedule')).toHaveLength(1);
    }
  });

  it("a release by hand with If-Match and the sweep's release of the same hold: the sweep's commits, the other is told the hold changed, neither deadlocks", async () => {
    clock.set('2026-10-01T00:00:00Z');
    const windowId = await plan('KG', '2026-10-01T06:00:00Z');
    const holdId = await placeHold('KG', 'Elections in KG');
    const hold = await holds.get(holdId);
    clock.set('2026-10-01T07:00:00Z');

    // Both queued at the hold set's release key: the sweep's first, then the request, which has read the hold at version 1.
    await lockReleases();
    let sweeping: Promise<boolean> | undefined;
    let releasing: Promise<Answer> | undefined;
    try {
      sweeping = db.transaction((tx) => holds.release(tx, hold, undefined, 'The held period ended'));
      await expectEventually(async () => expect(await waitingOnAdvisory()).toBe(1));
      releasing = api('POST', `/v1/holds/${holdId}/release`, { reason: 'polls closed' }, { 'if-match': '"1"' });
      await expectEventually(async () => expect(await waitingOnAdvisory()).toBe(2));
    } finally {
      await unlockReleases();
    }

    expect(await sweeping!).toBe(true);
    const released = await releasing!;
    expect(released, JSON.stringify(released.body)).toMatchObject({ status: 412, body: { code: 'precondition-failed', currentVersion: 2 } });
    expect((await api('GET', `/v1/holds/${holdId}`)).body).toMatchObject({ active: false, releaseReason: 'The held period ended' });
    expect(await told(windowId)).toEqual([{ holdId, status: 'needs-reschedule' }]);
  });
});
