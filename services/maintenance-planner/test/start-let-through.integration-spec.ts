import { ManualClock, type ServiceUnderTest } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plannerApi, planWindow, startPlanner } from './support/planner-with-readers';

const clock = new ManualClock('2026-08-06T12:00:00Z');

describe('maintenance-planner: starting a run an override let through says so, as the gate does', () => {
  let planner: ServiceUnderTest;

  const ask = plannerApi(() => planner);
  /** The answer, with the run a start or the gate says is let through, and whether it is an earlier answer given again. */
  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const answer = await ask(method, path, body, headers);
    return { ...answer, letThrough: answer.headers.get('holdfast-let-through'), replayed: answer.headers.get('idempotent-replayed') };
  };
  const plan = (region: string, startsAt: string, endsAt: string, more: Record<string, unknown>) => planWindow(api, [region], startsAt, endsAt, { ownerTeam: 'payments', ...more });

  beforeAll(async () => {
    planner = await startPlanner(clock);
  });

  afterAll(() => planner?.close());

  it('answers the start with the Holdfast-Let-Through the gate gives, naming the run and the holds it is let through, and none once nothing is', async () => {
    const id = await plan('BO', '2026-08-06T12:10:00Z', '2026-08-06T12:50:00Z', { title: 'Payment switch upgrade', plannedZone: 'America/La_Paz', recurrence: 'FREQ=DAILY;COUNT=2' });
    // In force now, and one beginning later within run 1: starting it judges both.
    const now = await api('POST', '/v1/holds', { regions: ['BO'], from: '2026-08-06T11:00:00Z', until: '2026-08-06T18:00:00Z', reason: 'Independence Day' });
    const within = await api('POST', '/v1/holds', { regions: ['BO'], from: '2026-08-06T12:30:00Z', until: '2026-08-06T13:00:00Z', reason: 'presidential address' });
    for (const hold of [now, within]) expect(hold.status, JSON.stringify(hold.body)).toBe(201);
    expect(await api('POST', `/v1/windows/${id}/occurrences/1/start`)).toMatchObject({ status: 423, letThrough: null, body: { code: 'held' } });
    expect((await api('POST', `/v1/windows/${id}/override`, { reason: 'the switch must take the holiday load', occurrence: 1 })).status).toBe(200);

    const gate = await api('GET', `/v1/gate?windowId=${id}`);
    const started = await api('POST', `/v1/windows/${id}/occurrences/1/start`);
    expect(started).toMatchObject({ status: 200, body: { number: 1, status: 'in-progress' }, letThrough: `run=1; holds=${within.body.id},${now.body.id}` });
    // Word for word what the gate said of the same run a moment before.
    expect(started.letThrough).toBe(gate.letThrough);

    expect((await api('POST', `/v1/windows/${id}/occurrences/1/complete`)).status).toBe(200);

    // The next day's run, its holds released, is let through nothing: no header.
    for (const hold of [now, within]) expect((await api('POST', `/v1/holds/${hold.body.id}/release`, { reason: 'holiday over' })).status).toBe(200);
    clock.set('2026-08-07T12:05:00Z');
    expect(await api('POST', `/v1/windows/${id}/occurrences/2/start`)).toMatchObject({ status: 200, body: { number: 2, status: 'in-progress' }, letThrough: null });
  });

  it('refuses a start with the 423 the gate gives for that run: the holds in force now and those beginning later within it', async () => {
    clock.set('2026-08-10T12:00:00Z');
    const id = await plan('PY', '2026-08-10T12:10:00Z', '2026-08-10T12:50:00Z', { title: 'Border crossing system patch', plannedZone: 'America/Asuncion' });
    const now = await api('POST', '/v1/holds', { regions: ['PY'], from: '2026-08-10T11:00:00Z', until: '2026-08-10T18:00:00Z', reason: 'Asuncion founding day' });
    const within = await api('POST', '/v1/holds', { regions: ['PY'], from: '2026-08-10T12:30:00Z', until: '2026-08-10T13:00:00Z', reason: 'presidential address' });
    for (const hold of [now, within]) expect(hold.status, JSON.stringify(hold.body)).toBe(201);

    const gate = await api('GET', `/v1/gate?windowId=${id}`);
    expect(gate).toMatchObject({ status: 423, body: { code: 'held', holdCount: 2, holds: [{ id: within.body.id }, { id: now.body.id }] } });
    const refused = await api('POST', `/v1/windows/${id}/occurrences/1/start`);
    expect(refused.status).toBe(423);
    // Word for word the gate's problem document, but for the request it answers.
    expect({ ...refused.body, instance: gate.body.instance }).toEqual(gate.body);
    for (const hold of [now, within]) expect((await api('POST', `/v1/holds/${hold.body.id}/release`, { reason: 'holiday over' })).status).toBe(200);
  });

  it('gives a start retried with the same Idempotency-Key its first answer again, Holdfast-Let-Through included, so a retried pipeline step is still told', async () => {
    clock.set('2026-08-25T12:00:00Z');
    const id = await plan('UY', '2026-08-25T12:10:00Z', '2026-08-25T12:50:00Z', { title: 'Core banking failover drill', plannedZone: 'America/Montevideo' });
    const hold = await api('POST', '/v1/holds', { regions: ['UY'], from: '2026-08-25T11:00:00Z', until: '2026-08-25T18:00:00Z', reason: 'Independence Day' });
    expect(hold.status, JSON.stringify(hold.body)).toBe(201);
    expect((await api('POST', `/v1/windows/${id}/override`, { reason: 'the drill must run on the holiday', occurrence: 1 })).status).toBe(200);

    const key = { 'idempotency-key': `start-${id}-1` };
    const started = await api('POST', `/v1/windows/${id}/occurrences/1/start`, undefined, key);
    expect(started).toMatchObject({ status: 200, body: { number: 1, status: 'in-progress' }, letThrough: `run=1; holds=${hold.body.id}`, replayed: null });
    const again = await api('POST', `/v1/windows/${id}/occurrences/1/start`, undefined, key);
    expect(again).toMatchObject({ status: 200, body: started.body, letThrough: started.letThrough, replayed: 'true' });
    expect((await api('POST', `/v1/holds/${hold.body.id}/release`, { reason: 'holiday over' })).status).toBe(200);
  });

  it("documents the header on the start's 200 as on the gate's, in the same words and form, a capped list of holds included", async () => {
    type Answers = Record<string, { headers?: Record<string, { description: string; schema: { pattern?: string } }> }>;
    const document = (await (await planner.fetch('/docs-json')).json()) as { paths: Record<string, Record<string, { responses: Answers }>> };
    const gate = document.paths['/v1/gate'].get.responses['200'].headers?.['Holdfast-Let-Through'];
    const start = document.paths['/v1/windows/{id}/occurrences/{n}/start'].post.responses['200'].headers?.['Holdfast-Let-Through'];
    expect(start?.schema.pattern).toBeDefined();
    expect(start).toEqual(gate);
    const form = new RegExp(start!.schema.pattern!);
    const hold = '01a2503c-926b-7326-a61d-756206e69ccc';
    expect(form.test(`run=1; holds=${hold},${hold}`)).toBe(true);
    expect(form.test(`run=1; holds=${hold},${hold}; more=440`)).toBe(true);
  });
});
