/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
import { ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plannerService } from '../src/app.module';

const clock = new ManualClock('2027-03-01T00:00:00Z');

/**
 * Refusals a clock change causes say, beside the instants, the local times and offsets in the window's
 * zone and the change itself: a person planning in Berlin or Auckland reads them without converting.
 */
describe('maintenance-planner: refusals a clock change causes, in the local time of the zone planned in', () => {
  let service: ServiceUnderTest;

  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, any> }> => {
    const response = await service.fetch(path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : {} };
  };
  const windowBody = (region: string, zone: string, startsAt: string, extra: Record<string, unknown> = {}, hours = 1) => ({
    title: `storage migration in ${region}`,
    ownerTeam: 'storage',
    footprint: { global: false, regions: [region] },
    startsAt,
    endsAt: new Date(Date.parse(startsAt) + hours * 3_600_000).toISOString(),
    plannedZone: zone,
    ...extra,
  });

  beforeAll(async () => {
    service = await startServiceUnderTest(plannerService, { clock, environment: { PLANNER_SWEEP_INTERVAL_SECONDS: '0' } });
  });

  afterAll(async () => {
    await service?.close();
  });

  it('names the local times and the change when a spring-forward day brings two runs of a 24-hour window together', async () => {
    clock.set('2027-03-15T00:00:00Z');
    const allDay = await api('POST', '/v1/windows', windowBody('DE', 'Europe/Berlin', '2027-03-20T23:00:00Z', { recurrence: 'FREQ=DAILY;COUNT=14' }, 24));
    expect(allDay).toMatchObject({ status: 422, body: { code: 'overlapping-occurrences', errors: [{ path: 'recurrence', message: 'runs overlap: each lasts longer than the time between two starts' }] } });
    expect(allDay.body.detail).toContain('The run starting 2027-03-27T23:00:00.000Z lasts until 2027-03-28T23:00:00.000Z, after the next run starts at 2027-03-28T22:00:00.000Z');
    expect(allDay.body.detail).toContain('in Europe/Berlin, 2027-03-28T00:00+01:00 to 2027-03-29T01:00+02:00, the next from 2027-03-29T00:00+02:00');
    expect(allDay.body.detail).toContain('clocks go from 02:00 to 03:00 on 2027-03-28 (+01:00 to +02:00)');

    // Auckland's clocks go forward on the last Sunday of September, a night whose day is 23 hours long there too.
    clock.set('2026-09-01T00:00:00Z');
    const auckland = await api('POST', '/v1/windows', windowBody('NZ', 'Pacific/Auckland', '2026-09-20T12:00:00Z', { recurrence: 'FREQ=DAILY;COUNT=14' }, 24));
    expect(auckland).toMatchObject({ status: 422, body: { code: 'overlapping-occurrences' } });
    expect(auckland.body.detail).toContain('in Pacific/Auckland, 2026-09-27T00:00+12:00 to 2026-09-28T01:00+13:00, the next from 2026-09-28T00:00+13:00');
    expect(auckland.body.detail).toContain('clocks go from 02:00 to 03:00 on 2026-09-27 (+12:00 to +13:00)');
  });

  it('says a local exdate in a spring-forward gap does not exist, with the change and the offsets either side', async () => {
    clock.set('2027-03-01T00:00:00Z');
    // Sundays at 03:00 in Berlin; 02:30 on 28 March is skipped by the clocks and read as 03:30 CEST, no run's start.
    const weekly = windowBody('DE', 'Europe/Berlin', '2027-03-07T02:00:00Z', { recurrence: 'FREQ=WEEKLY;BYDAY=SU', exdates: ['2027-03-28T02:30'] });
    const refused = await api('POST', '/v1/windows', weekly);
    expect(refused).toMatchObject({
      status: 422,
      body: { code: 'exdate-names-no-run', errors: [{ path: 'exdates.0', message: 'names no run; the nearest starts 2027-03-28T01:00:00Z (2027-03-28T03:00 in Europe/Berlin)' }] },
    });
    expect(refused.body.detail).toContain('2027-03-28T02:30 in Europe/Berlin does not exist: clocks go from 02:00 to 03:00 (+01:00 to +02:00)');
    expect(refused.body.detail).toContain('the nearest starts 2027-03-28T01:00:00Z (2027-03-28T03:00+02:00)');
  });

  it('says a local exdate in a fall-back hour happens twice and names the first pass, and offers only the instant for a run in the second', async () => {
    clock.set('2026-10-01T00:00:00Z');
    // Daily from 02:30 CET on 25 October, the second pass of that hour: a local 02:30 names the first pass (00:30Z), no run.
    const daily = windowBody('DE', 'Europe/Berlin', '2026-10-25T01:30:00Z', { recurrence: 'FREQ=DAILY;COUNT=5', exdates: ['2026-10-25T02:30'] });
    const refused = await api('POST', '/v1/windows', daily);
    expect(refused).toMatchObject({ status: 422, body: { code: 'exdate-names-no-run', errors: [{ path: 'exdates.0' }] } });
    expect(refused.body.detail).toContain('2026-10-25T02:30 in Europe/Berlin happens twice: clocks go from 03:00 to 02:00 (+02:00 to +01:00)');
    expect(refused.body.detail).toContain('the nearest starts 2026-10-25T01:30:00Z (2026-10-25T02:30+01:00)');
    expect(refused.body.detail).toContain('(2026-10-25T01:30:00Z)');
    expect(refused.body.detail).not.toContain('(2026-10-25T02:30, or');
    expect((await api('POST', '/v1/windows', { ...daily, exdates: ['2026-10-25T01:30:00Z'] })).status).toBe(201);
  });

  it('reads an exdate an offset off across a change in the zone, beside the run nearest it', async () => {
    clock.set('2026-09-01T00:00:00Z');
    // Mondays at 09:00 in Auckland: 21:00Z the day before in NZST (+12:00), 20:00Z once NZDT (+13:00) begins on 27 September.
    const weekly = windowBody('NZ', 'Pacific/Auckland', '2026-09-20T21:00:00Z', { recurrence: 'FREQ=WEEKLY;BYDAY=MO', exdates: ['2026-10-04T21:00:00Z'] });
    const refused = await api('POST', '/v1/windows', weekly);
    expect(refused).toMatchObject({
      status: 422,
      body: { code: 'exdate-names-no-run', errors: [{ path: 'exdates.0', message: 'names no run; the nearest starts 2026-10-04T20:00:00Z (2026-10-05T09:00 in Pacific/Auckland)' }] },
    });
    expect(refused.body.detail).toContain('exdates: 2026-10-04T21:00:00Z (2026-10-05T10:00+13:00 in Pacific/Auckland) names no run; the nearest starts 2026-10-04T20:00:00Z (2026-10-05T09:00+13:00)');
  });
});
