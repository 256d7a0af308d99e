import { ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plannerService } from '../src/app.module';

/** What POST and PATCH /v1/windows take for a window's length and keep of its rule, against the real broker and PostgreSQL. */
describe('maintenance-planner: the shortest window, and recurrence rules stored in one spelling', () => {
  let service: ServiceUnderTest;
  let db: DataSource;

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await service.fetch(path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as { windowId: string } & Record<string, unknown> };
  };
  const window = (title: string, extra: Record<string, unknown> = {}) => ({
    title,
    ownerTeam: 'storage',
    footprint: { global: false, regions: ['DE'] },
    // A Monday.
    startsAt: '2026-08-03T10:00:00Z',
    endsAt: '2026-08-03T11:00:00Z',
    plannedZone: 'UTC',
    ...extra,
  });

  beforeAll(async () => {
    service = await startServiceUnderTest(plannerService, { clock: new ManualClock('2026-07-01T00:00:00Z') });
    db = service.app.get(DataSource);
  });

  afterAll(async () => {
    await service?.close();
  });

  it('refuses a window shorter than a minute with 400 naming endsAt and the minimum, when planned and when moved', async () => {
    const planned = await api('POST', '/v1/windows', window('Flash reboot', { endsAt: '2026-08-03T10:00:00.100Z' }));
    expect(planned).toMatchObject({ status: 400, body: { errors: [{ path: 'endsAt', message: 'must be at least 1 minute after startsAt: the window lasts 0.1 seconds' }] } });

    const minute = await api('POST', '/v1/windows', window('Quick reboot', { endsAt: '2026-08-03T10:01:00Z' }));
    expect(minute.status, JSON.stringify(minute.body)).toBe(201);
    const shortened = await api('PATCH', `/v1/windows/${minute.body.windowId}`, { version: 1, endsAt: '2026-08-03T10:00:30Z' });
    expect(shortened).toMatchObject({ status: 400, body: { errors: [{ path: 'endsAt', message: 'must be at least 1 minute after startsAt: the window lasts 30 seconds' }] } });
  });

  it('still renames a window stored shorter than a minute before the check', async () => {
    const created = await api('POST', '/v1/windows', window('Old flash reboot'));
    await db.query(`UPDATE maintenance_window SET ends_at = starts_at + interval '100 milliseconds' WHERE id = $1`, [created.body.windowId]);
    const renamed = await api('PATCH', `/v1/windows/${created.body.windowId}`, { version: 1, title: 'Old flash reboot, renamed' });
    expect(renamed).toMatchObject({ status: 200, body: { title: 'Old flash reboot, renamed', endsAt: '2026-08-03T10:00:00.100Z' } });
  });

  it('stores and answers a rule in upper case, in RFC 5545 order and without RRULE:, so windows recurring alike read alike', async () => {
    const sent = ['rrule:byday=mo;freq=weekly;count=3', 'FREQ=WEEKLY;BYDAY=MO;COUNT=3', ' COUNT=3;FREQ=weekly;BYDAY=MO'];
    const ids: string[] = [];
    for (const recurrence of sent) {
      const created = await api('POST', '/v1/windows', window(`Weekly patching ${ids.length}`, { recurrence }));
      expect(created, recurrence).toMatchObject({ status: 201, body: { recurrence: 'FREQ=WEEKLY;COUNT=3;BYDAY=MO' } });
      ids.push(created.body.windowId);
    }
    const stored = (await db.query('SELECT DISTINCT recurrence FROM maintenance_window WHERE id = ANY($1::uuid[])', [ids])) as { recurrence: string }[];
    expect(stored).toEqual([{ recurrence: 'FREQ=WEEKLY;COUNT=3;BYDAY=MO' }]);
    expect((await api('GET', `/v1/windows/${ids[0]}`)).body).toMatchObject({ recurrence: 'FREQ=WEEKLY;COUNT=3;BYDAY=MO' });

    const moved = await api('PATCH', `/v1/windows/${ids[0]}`, { version: 1, recurrence: 'freq=weekly;byday=mo,tu;count=3' });
    expect(moved).toMatchObject({ status: 200, body: { recurrence: 'FREQ=WEEKLY;COUNT=3;BYDAY=MO,TU', version: 2 } });
  });

  it('takes a rule sent again in another spelling than a row stored before rules were canonical as no change', async () => {
    const created = await api('POST', '/v1/windows', window('Weekly backups', { recurrence: 'FREQ=WEEKLY' }));
    await db.query(`UPDATE maintenance_window SET recurrence = 'freq=weekly' WHERE id = $1`, [created.body.windowId]);
    const again = await api('PATCH', `/v1/windows/${created.body.windowId}`, { version: 1, recurrence: 'FREQ=WEEKLY' });
    expect(again).toMatchObject({ status: 200, body: { version: 1 } });
  });

  it('plans a window sent with recurrence null as a one-off, as PATCH takes null, and still refuses exdates with it', async () => {
    const created = await api('POST', '/v1/windows', window('One-off firmware', { recurrence: null }));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).not.toHaveProperty('recurrence');
    const [stored] = (await db.query('SELECT recurrence FROM maintenance_window WHERE id = $1', [created.body.windowId])) as { recurrence: string | null }[];
    expect(stored.recurrence).toBeNull();
    expect((await api('GET', `/v1/windows/${created.body.windowId}/occurrences`)).body).toMatchObject({ items: [{ number: 1, startsAt: '2026-08-03T10:00:00.000Z' }] });

    const exdated = await api('POST', '/v1/windows', window('One-off, exdated', { recurrence: null, exdates: ['2026-08-10T10:00:00Z'] }));
    expect(exdated).toMatchObject({ status: 400, body: { code: 'invalid-body', errors: [{ path: 'exdates', message: 'only a recurring window has exdates' }] } });
  });
});
