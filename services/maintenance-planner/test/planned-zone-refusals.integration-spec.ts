import { ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plannerService } from '../src/app.module';

/** POST and PATCH /v1/windows answer every zone name that is no zone's alike, against the real broker and PostgreSQL. */
describe('maintenance-planner: a planned zone that is no IANA zone name', () => {
  let service: ServiceUnderTest;

  const api = async (method: string, path: string, body: unknown) => {
    const response = await service.fetch(path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as { windowId: string } & Record<string, unknown> };
  };
  const window = (plannedZone: string) => ({
    title: 'Router upgrade',
    ownerTeam: 'network-ops',
    footprint: { global: false, regions: ['DE'] },
    startsAt: '2026-08-03T10:00:00Z',
    endsAt: '2026-08-03T11:00:00Z',
    plannedZone,
  });

  beforeAll(async () => {
    service = await startServiceUnderTest(plannerService, { clock: new ManualClock('2026-07-01T00:00:00Z') });
  });

  afterAll(async () => {
    await service?.close();
  });

  // PST passed the request's check and was a 422 unknown-zone from the planning after it.
  it.each([
    ['Europe/Berln', 'must be an IANA time zone name: did you mean Europe/Berlin?'],
    ['PST', 'must be an IANA time zone name, not an abbreviation: "PST" is read as America/Los_Angeles; write that (or the zone you meant)'],
    ['BST', expect.stringMatching(/^must be an IANA time zone name, not an abbreviation: ICU reads "BST" as Asia\/Dhaka, which may not be what was meant/)],
    ['+02:00', 'must be an IANA time zone name such as Asia/Tehran, not an offset'],
  ])('refuses %j with 400 invalid-body naming plannedZone, when a window is planned and when it is moved', async (zone, message) => {
    const refusal = { status: 400, body: { code: 'invalid-body', errors: [{ path: 'plannedZone', message }] } };
    expect(await api('POST', '/v1/windows', window(zone))).toMatchObject(refusal);

    const planned = await api('POST', '/v1/windows', window('Europe/Berlin'));
    expect(planned.status, JSON.stringify(planned.body)).toBe(201);
    expect(await api('PATCH', `/v1/windows/${planned.body.windowId}`, { version: 1, plannedZone: zone })).toMatchObject(refusal);
  });
});
