/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies and payloads are read loosely; the assertions check their shape */
import { ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plannerService } from '../src/app.module';
import { PlannerSweep } from '../src/holds/planner-sweep.service';

const clock = new ManualClock('2027-02-01T00:00:00Z');
const DAY = 86_400_000;

/**
 * The sweep's horizon step stores a recurring window's next runs and links them to the holds in force: each window whose
 * runs it newly holds is told window.held, as the hold's placement told it of the runs it held then.
 */
describe('maintenance-planner: runs the horizon step links to a hold in force are announced held', () => {
  let service: ServiceUnderTest;
  let db: DataSource;
  let sweep: PlannerSweep;

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await service.fetch(path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, any> };
  };
  const planWeekly = async (region: string, surgePolicy: string) => {
    const answer = await api('POST', '/v1/windows', {
      title: `weekly ${surgePolicy} reindex in ${region}`,
      ownerTeam: 'storage',
      footprint: { global: false, regions: [region] },
      startsAt: '2027-02-02T01:00:00Z',
      endsAt: '2027-02-02T02:00:00Z',
      plannedZone: 'UTC',
      recurrence: 'FREQ=WEEKLY',
      surgePolicy,
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body.windowId as string;
  };
  const written = async (windowId: string) =>
    (await db.query('SELECT event_type, payload FROM outbox_message WHERE message_key = $1 ORDER BY id', [windowId])) as { event_type: string; payload: Record<string, any> }[];
  const runNumbers = (payload: Record<string, any>) => (payload.occurrences as { number: number }[]).map((run) => run.number);

  beforeAll(async () => {
    // The 90-day default occurrence horizon; the sweep is driven by hand.
    service = await startServiceUnderTest(plannerService, { clock, environment: { PLANNER_SWEEP_INTERVAL_SECONDS: '0' } });
    db = service.app.get(DataSource);
    sweep = service.app.get(PlannerSweep);
  });

  afterAll(async () => {
    await service?.close();
  });

  it('tells a held window window.held for the runs it adds under the hold, once, in the hold chain, and a notify-only one nothing', async () => {
    clock.set('2027-02-01T00:00:00Z');
    const held = await planWeekly('KZ', 'hold');
    const flagged = await planWeekly('KZ', 'notify-only');
    const hold = await api('POST', '/v1/holds', { regions: ['KZ'], from: '2027-03-15T00:00:00Z', until: '2027-06-10T00:00:00Z', reason: 'Census in KZ' });
    expect(hold.status, JSON.stringify(hold.body)).toBe(201);
    const holdId = hold.body.id as string;
    const [placedHeld] = (await written(held)).filter((row) => row.event_type === 'window.held');
    const planned = runNumbers(placedHeld.payload);
    expect(planned.length).toBeGreaterThan(5);
    const [{ stored }] = (await db.query('SELECT count(*)::int AS stored FROM occurrence WHERE window_id = $1', [held])) as { stored: number }[];

    // Two weeks on, the horizon reaches two more weekly runs, both within the hold's period.
    clock.set(new Date(Date.parse('2027-02-01T00:00:00Z') + 14 * DAY).toISOString());
    expect(await sweep.sweep()).toMatchObject({ outcome: 'ok', extendedWindows: 2 });
    const added = [stored + 1, stored + 2];
    const heldEvents = (await written(held)).filter((row) => row.event_type === 'window.held');
    expect(heldEvents).toHaveLength(2);
    expect(heldEvents[1].payload).toMatchObject({ windowId: held, status: 'held', holdId, holdRegions: ['KZ'], holdReason: 'Census in KZ' });
    expect(runNumbers(heldEvents[1].payload)).toEqual(added);
    // In the chain the hold was placed in: caused by its hold.placed, as its other window events are.
    const [placed] = (await db.query(`SELECT headers FROM outbox_message WHERE event_type = 'hold.placed' AND payload->>'holdId' = $1`, [holdId])) as { headers: Record<string, string> }[];
    const [announced] = (await db.query(`SELECT headers FROM outbox_message WHERE message_key = $1 AND event_type = 'window.held' ORDER BY id DESC LIMIT 1`, [held])) as { headers: Record<string, string> }[];
    expect(announced.headers.ce_correlationid).toBe(placed.headers.ce_correlationid);
    expect(announced.headers.ce_causationid).toBe(placed.headers.ce_id);
    // On the trail as held by the hold, as its placement's runs are.
    const trail = (await api('GET', `/v1/audit?subject=${held}`)).body.items as { action: string; details: Record<string, any> }[];
    expect(trail.filter((entry) => entry.action === 'held').at(-1)?.details).toMatchObject({ holdId, occurrences: added });
    // A notify-only window is flagged, not held: told nothing, by the placement or the horizon.
    expect((await written(flagged)).map((row) => row.event_type)).toEqual(['window.scheduled']);

    // A later sweep with nothing new to add tells nobody again.
    clock.advance(60_000);
    await sweep.sweep();
    expect((await written(held)).filter((row) => row.event_type === 'window.held')).toHaveLength(2);
  });
});
