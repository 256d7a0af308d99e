/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plannerService } from '../src/app.module';
import { HoldsService } from '../src/holds/holds.service';
import { PlannerSweep } from '../src/holds/planner-sweep.service';

const clock = new ManualClock('2026-10-01T05:00:00Z');

interface Answer {
  status: number;
  body: Record<string, any>;
}

/**
 * An override of a run the hold never linked, sent while the hold is released: a run that waits for a new slot, not over,
 * which no hold placed after it was marked so links, but which an override lets through a hold in force now, linking it
 * then. The release locks only the windows the hold links, so before, nothing ordered the two: the override read the hold
 * in force, linked the run after the release had let go of the hold's links, and wrote hold.overridden after hold.released,
 * leaving a link in force, overridden, on a released hold. The override now takes the hold set's lock, shared, first, as a
 * window's plan or change does, so it waits for the release and finds the hold released. The release runs in a transaction
 * of the spec's own, left open, while the override is sent.
 */
describe('maintenance-planner: an override of a run the hold never linked, sent while the hold is released', () => {
  let service: ServiceUnderTest;
  let db: DataSource;
  let holds: HoldsService;
  let spy: Client;

  const api = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const response = await service.fetch(path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : {} };
  };
  const placeHold = async (region: string, from: string, until: string) => {
    const answer = await api('POST', '/v1/holds', { regions: [region], from, until, reason: `Elections in ${region}` });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body.id as string;
  };
  const holdEvents = async (holdId: string) =>
    (await spy.query(`SELECT event_type FROM outbox_message WHERE payload->>'holdId' = $1 AND event_type LIKE 'hold.%' ORDER BY id`, [holdId])).rows.map((row: { event_type: string }) => row.event_type);
  const links = async (holdId: string) =>
    (await spy.query('SELECT number, released_at IS NULL AS in_force, overridden_by IS NOT NULL AS overridden FROM hold_occurrence WHERE hold_id = $1', [holdId])).rows as Record<string, unknown>[];
  /** Sessions of the planner waiting for a lock another transaction holds, advisory (the hold set's, an outbox key's) or a row's. */
  const waitingOnLocks = async () =>
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

  it('waits for the release and is refused, linking nothing and announcing no hold.overridden after hold.released', async () => {
    clock.set('2026-10-01T05:00:00Z');
    const planned = await api('POST', '/v1/windows', {
      title: 'Kernel patch in LA',
      ownerTeam: 'network-ops',
      footprint: { global: false, regions: ['LA'] },
      startsAt: '2026-10-01T06:00:00Z',
      endsAt: '2026-10-01T08:00:00Z',
      plannedZone: 'UTC',
    });
    expect(planned.status, JSON.stringify(planned.body)).toBe(201);
    const windowId = planned.body.windowId as string;
    // A first hold held the run past its start: released, it leaves the run waiting for a new slot, not over.
    await placeHold('LA', '2026-10-01T05:00:00Z', '2026-10-01T06:10:00Z');
    clock.set('2026-10-01T06:11:00Z');
    await service.app.get(PlannerSweep).sweep();
    expect((await api('GET', `/v1/windows/${windowId}/occurrences`)).body.items[0]).toMatchObject({ number: 1, status: 'needs-reschedule' });
    // A second hold in force now links no run waiting for a new slot; an override would link the run to it.
    const holdId = await placeHold('LA', '2026-10-01T06:11:00Z', '2026-10-01T12:00:00Z');
    expect(await links(holdId)).toEqual([]);
    clock.advance(60_000);

    const hold = await holds.get(holdId);
    let overriding: Promise<Answer> | undefined;
    await db.transaction(async (tx) => {
      expect(await holds.release(tx, hold, 'network-ops/key-1', 'polls closed')).toBe(true);
      overriding = api('POST', `/v1/windows/${windowId}/override`, { reason: 'the certificate expires today' });
      // The override waits on a lock this release holds (the hold set's; before, the outbox's key of the hold's region).
      await expectEventually(async () => expect(await waitingOnLocks()).toBe(1));
    });
    const overridden = await overriding!;

    // As an override sent after the release: the hold no longer stops the window.
    expect(overridden, JSON.stringify(overridden.body)).toMatchObject({ status: 409, body: { code: 'not-held' } });
    expect(await holdEvents(holdId)).toEqual(['hold.placed', 'hold.released']);
    expect(await links(holdId)).toEqual([]);
    expect((await api('GET', `/v1/holds/${holdId}`)).body).toMatchObject({ active: false, overrideCount: 0 });
    expect((await api('GET', `/v1/windows/${windowId}/occurrences`)).body.items[0]).toMatchObject({ number: 1, status: 'needs-reschedule' });
  });
});
