/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
import { ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plannerService } from '../src/app.module';
import { PlannerSweep } from '../src/holds/planner-sweep.service';

const clock = new ManualClock('2026-08-03T12:00:00Z');

/**
 * Between a hold's end by time (a manual hold's until, a cleared surge's due release) and the sweep that releases it, a run
 * held past its start is judged as the sweep will leave it: waiting for a new slot, not free to start.
 */
describe('maintenance-planner: the gate and the start between a hold ending by time and the sweep releasing it', () => {
  let service: ServiceUnderTest;
  let replica: Client;

  const gate = async (query: string) => {
    const response = await service.fetch(`/v1/gate?${query}`);
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await service.fetch(path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const plan = async (title: string, region: string, startsAt: string, endsAt: string) => {
    const window = await api('POST', '/v1/windows', { title, ownerTeam: 'network-ops', footprint: { global: false, regions: [region] }, startsAt, endsAt, plannedZone: 'UTC' });
    expect(window.status, JSON.stringify(window.body)).toBe(201);
    return window.body.windowId as string;
  };
  const hold = async (region: string, from: string, until: string) => {
    const placed = await api('POST', '/v1/holds', { regions: [region], from, until, reason: 'Election night' });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    return placed.body.id as string;
  };

  beforeAll(async () => {
    service = await startServiceUnderTest(plannerService, { clock, environment: { PLANNER_SWEEP_INTERVAL_SECONDS: '0' } });
    replica = new Client({ connectionString: service.database.url, options: '-c search_path=maintenance_planner' });
    await replica.connect();
  });

  afterAll(async () => {
    await replica?.end();
    await service?.close();
  });

  it('answers 409 run-awaits-new-slot for a run held past its start once its hold ended by its until, before the sweep, and refuses its start; the sweep then proposes a slot', async () => {
    clock.set('2026-08-03T12:00:00Z');
    const id = await plan('Core router upgrade', 'GH', '2026-08-03T12:06:00Z', '2026-08-03T16:06:00Z');
    await hold('GH', '2026-08-03T12:00:00Z', '2026-08-03T12:30:00Z');
    expect((await gate(`windowId=${id}`)).status).toBe(423);

    // The hold ended at 12:30 by its until; the sweep has not come.
    clock.set('2026-08-03T12:30:01Z');
    const [stillLinked] = (await api('GET', `/v1/windows/${id}/occurrences`)).body.items;
    expect(stillLinked.status).toBe('held');
    const answer = await gate(`windowId=${id}`);
    expect(answer).toMatchObject({
      status: 409,
      body: { code: 'run-awaits-new-slot', waitingRun: { number: 1, status: 'needs-reschedule', startsAt: '2026-08-03T12:06:00.000Z', endsAt: '2026-08-03T16:06:00.000Z', proposedSlot: null } },
    });
    expect(answer.body.detail).toContain('The planner proposes a slot at its next sweep, when it runs (PLANNER_SWEEP_INTERVAL_SECONDS is 0: the periodic sweep is off)');
    const start = await api('POST', `/v1/windows/${id}/occurrences/1/start`, {});
    expect(start).toMatchObject({ status: 409, body: { code: 'run-awaits-new-slot', waitingRun: { number: 1, proposedSlot: null } } });
    expect((await api('GET', `/v1/windows/${id}/occurrences`)).body.items[0].status).not.toBe('in-progress');

    await service.app.get(PlannerSweep).sweep();
    const [waiting] = (await api('GET', `/v1/windows/${id}/occurrences`)).body.items;
    expect(waiting).toMatchObject({ status: 'needs-reschedule', proposedSlot: { startsAt: expect.any(String) } });
    expect(await gate(`windowId=${id}`)).toMatchObject({ status: 409, body: { code: 'run-awaits-new-slot', waitingRun: { number: 1, proposedSlot: waiting.proposedSlot } } });
  });

  it('foresees it in a what-if: asked for an instant after the hold ends, the run held past its start waits for a new slot, also past its end', async () => {
    clock.set('2026-08-03T12:00:00Z');
    const id = await plan('Ledger migration', 'KE', '2026-08-03T12:06:00Z', '2026-08-03T12:40:00Z');
    await hold('KE', '2026-08-03T12:00:00Z', '2026-08-03T12:30:00Z');
    clock.set('2026-08-03T12:10:00Z');
    expect((await gate(`windowId=${id}`)).status).toBe(423);
    expect((await gate(`windowId=${id}&at=2026-08-03T12:20:00Z`)).status).toBe(423);
    const during = await gate(`windowId=${id}&at=2026-08-03T12:35:00Z`);
    expect(during).toMatchObject({ status: 409, body: { code: 'run-awaits-new-slot', waitingRun: { number: 1 } } });
    expect(during.body.detail).toContain(`Window ${id} has no run to start at 2026-08-03T12:35:00.000Z: run 1 waits for a new slot`);
    // Past the run's end it still waits for a slot: not a run left, nor one free to start.
    expect(await gate(`windowId=${id}&at=2026-08-03T12:45:00Z`)).toMatchObject({ status: 409, body: { code: 'run-awaits-new-slot', waitingRun: { number: 1 } } });
  });

  it("lets a run whose start comes after its hold's end start in that gap, as before", async () => {
    clock.set('2026-08-03T12:00:00Z');
    const id = await plan('DNS zone rollover', 'TZ', '2026-08-03T12:35:00Z', '2026-08-03T12:50:00Z');
    const holdId = await hold('TZ', '2026-08-03T12:00:00Z', '2026-08-03T12:40:00Z');
    // An alert's hold that cleared, its release due at 12:30, before the run's start: it no longer stops the run, linked though it is.
    await replica.query(`UPDATE hold SET source = 'alert', until_at = NULL, cleared_at = '2026-08-03T12:10:00Z', release_due_at = '2026-08-03T12:30:00Z' WHERE id = $1`, [holdId]);
    clock.set('2026-08-03T12:31:00Z');
    expect(await gate(`windowId=${id}`)).toMatchObject({ status: 200, body: { allowed: true } });
    clock.set('2026-08-03T12:36:00Z');
    expect(await gate(`windowId=${id}`)).toMatchObject({ status: 200, body: { allowed: true } });
    expect(await api('POST', `/v1/windows/${id}/occurrences/1/start`, {})).toMatchObject({ status: 200, body: { status: 'in-progress' } });
  });
});
