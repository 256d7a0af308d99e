/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
import { Topics } from '@holdfast/contracts';
import { MessagingRuntime } from '@holdfast/messaging';
import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { Client } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { plannerService } from '../src/app.module';
import { HoldsService } from '../src/holds/holds.service';
import { WindowsService } from '../src/windows/windows.service';

const clock = new ManualClock('2026-08-01T12:00:00Z');

/**
 * The gate keeps the unreleased holds in memory; these specs write holds from a connection of
 * their own, as another replica of the planner would, and ask the gate right after each commit.
 */
describe('maintenance-planner: the gate answers as of the last committed hold', () => {
  let service: ServiceUnderTest;
  let replica: Client;

  const gate = async (query: string) => {
    const response = await service.fetch(`/v1/gate?${query}`);
    return { status: response.status, body: (await response.json()) as Record<string, any>, retryAfter: response.headers.get('retry-after'), letThrough: response.headers.get('holdfast-let-through') };
  };
  const api = async (method: string, path: string, body: unknown) => {
    const response = await service.fetch(path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const insertHold = (regions: string[], until: string | null, on: Client = replica) => {
    const id = uuidv7();
    return on
      .query(
        `INSERT INTO hold (id, regions, reason, source, cause_id, placed_at, from_at, until_at)
         VALUES ($1, $2, 'written by another replica', 'manual', $5, $3, $3, $4)`,
        [id, regions, '2026-08-01T11:00:00Z', until, `replica-${id}`],
      )
      .then(() => id);
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

  it('stops answering "allowed" while the broker leaves the surges consumer unanswered, still answers a hold it has, and allows again once it is heard', async () => {
    const messaging = service.app.get(MessagingRuntime);
    // The real consumer of region.surges.v1, heard from at every fetch wait while the broker answers.
    expect(messaging.silentForMs(Topics.regionSurges)).toBeLessThan(5_000);
    const held = await insertHold(['PT'], '2026-08-01T13:00:00Z');
    const exempt = await api('POST', '/v1/windows', {
      title: 'Certificate rotation',
      ownerTeam: 'security',
      footprint: { global: false, regions: ['ES'] },
      startsAt: '2026-08-01T12:30:00Z',
      endsAt: '2026-08-01T13:00:00Z',
      plannedZone: 'Europe/Madrid',
      surgePolicy: 'exempt',
    });
    expect(exempt.status).toBe(201);
    const silence = vi.spyOn(messaging, 'silentForMs').mockReturnValue(16_000);
    try {
      const unheard = await gate('regions=ES');
      expect(unheard.status).toBe(503);
      expect(unheard.retryAfter).toBe('5');
      expect(unheard.body).toMatchObject({ code: 'surges-unheard', dependency: 'Kafka', silentSeconds: 16, detail: expect.stringContaining('has had nothing from Kafka for 16 s (GATE_MAX_SURGE_SILENCE_SECONDS is 15;') });
      expect(await gate('regions=PT')).toMatchObject({ status: 423, body: { holds: [{ id: held }] } });
      // A window no surge can hold is never stopped, not even for want of the broker.
      expect((await gate(`windowId=${exempt.body.windowId}`)).status).toBe(200);
      silence.mockReturnValue(15_000);
      expect((await gate('regions=ES')).status).toBe(200);
    } finally {
      silence.mockRestore();
      await replica.query(`UPDATE hold SET released_at = '2026-08-01T12:00:00Z' WHERE id = $1`, [held]);
    }
    expect((await gate('regions=ES')).status).toBe(200);
  });

  it('answers "allowed" again only once the surges consumer has heard the broker for as long as the silence it allows, surges made meanwhile being on their way from the analyzer', async () => {
    const messaging = service.app.get(MessagingRuntime);
    // The real consumer has had no silence over 15 s in this run.
    expect(messaging.heardAgainForMs(Topics.regionSurges, 15_000)).toBeUndefined();
    const recovered = vi.spyOn(messaging, 'heardAgainForMs').mockReturnValue(4_000);
    try {
      const catchingUp = await gate('regions=ES');
      expect(catchingUp.status).toBe(503);
      expect(catchingUp.retryAfter).toBe('5');
      expect(catchingUp.body).toMatchObject({ code: 'surges-unheard', dependency: 'Kafka', detail: expect.stringContaining('hears Kafka again since 4 s, after more than GATE_MAX_SURGE_SILENCE_SECONDS (15)') });
      expect(recovered).toHaveBeenLastCalledWith(Topics.regionSurges, 15_000);
      recovered.mockReturnValue(15_000);
      expect((await gate('regions=ES')).status).toBe(200);
    } finally {
      recovered.mockRestore();
    }
  });

  it('sees a hold from the question after its commit, never before, and its change or release from the next question on', async () => {
    expect((await gate('regions=SE')).status).toBe(200);

    // Written but not committed: the gate answers from what is committed.
    const open = new Client({ connectionString: service.database.url, options: '-c search_path=maintenance_planner' });
    await open.connect();
    await open.query('BEGIN');
    const first = await insertHold(['SE'], '2026-08-01T13:00:00Z', open);
    expect((await gate('regions=SE')).status).toBe(200);
    await open.query('COMMIT');
    await open.end();
    const held = await gate('regions=SE');
    expect(held.status).toBe(423);
    expect(held.body).toMatchObject({ holdCount: 1, holds: [{ id: first, regions: ['SE'], source: 'manual', from: '2026-08-01T11:00:00.000Z', until: '2026-08-01T13:00:00.000Z' }] });
    expect(held.retryAfter).toBe('3600');

    await replica.query(`UPDATE hold SET until_at = '2026-08-01T14:00:00Z' WHERE id = $1`, [first]);
    expect((await gate('regions=SE')).retryAfter).toBe('7200');

    const second = await insertHold(['SE', 'NO'], null);
    const openEnded = await gate('regions=NO');
    expect(openEnded.body).toMatchObject({ holdCount: 1, holds: [{ id: second, until: null }] });
    expect(openEnded.retryAfter).toBe('300');
    const both = await gate('regions=SE');
    expect(both.body.holds.map((hold: { id: string }) => hold.id)).toEqual([first, second]);
    // Nothing can start before the bounded hold ends, however soon the open-ended one goes.
    expect(both.retryAfter).toBe('7200');
    // Of the regions asked, only those held are named: DE is free.
    expect((await gate('regions=DE,NO,SE')).body.detail).toMatch(new RegExp(`^Regions NO, SE are held by holds ${first} `));
    expect((await gate('regions=DE,NO')).body.detail).toMatch(new RegExp(`^Region NO is held by hold ${second} `));

    await replica.query(`UPDATE hold SET released_at = $2 WHERE id = $1`, [first, '2026-08-01T12:00:00Z']);
    expect((await gate('regions=SE')).body).toMatchObject({ holdCount: 1, holds: [{ id: second }] });
    await replica.query(`UPDATE hold SET released_at = $2 WHERE id = $1`, [second, '2026-08-01T12:00:00Z']);
    expect((await gate('regions=SE,NO')).status).toBe(200);
  });

  it('answers questions asked while holds commit with every hold committed before each was asked', async () => {
    const placed: string[] = [];
    for (let round = 1; round <= 8; round++) {
      // Questions in flight while the next hold commits, then questions asked after it.
      const during = Promise.all([gate('regions=FI'), gate('regions=FI')]);
      placed.push(await insertHold(['FI'], '2026-08-02T00:00:00Z'));
      const after = await Promise.all([gate('regions=FI'), gate('regions=FI'), gate('regions=FI')]);
      for (const answer of after) expect(answer.body.holdCount).toBe(round);
      for (const answer of await during) expect(answer.body.holdCount ?? 0).toBeGreaterThanOrEqual(round - 1);
    }
    await replica.query(`UPDATE hold SET released_at = $2 WHERE id = ANY($1)`, [placed, '2026-08-01T12:00:00Z']);
    expect((await gate('regions=FI')).status).toBe(200);
  });

  it('reads the window and its overrides in the same statement: an override lets it through one hold at once, not another', async () => {
    const window = await api('POST', '/v1/windows', {
      title: 'Storage rebalance',
      ownerTeam: 'storage',
      footprint: { global: false, regions: ['DK'] },
      startsAt: '2026-08-01T12:30:00Z',
      endsAt: '2026-08-01T13:30:00Z',
      plannedZone: 'Europe/Copenhagen',
    });
    expect(window.status).toBe(201);
    const ask = `windowId=${window.body.windowId}`;
    expect((await gate(ask)).status).toBe(200);
    const hold = await api('POST', '/v1/holds', { regions: ['DK'], from: '2026-08-01T11:00:00Z', until: '2026-08-01T18:00:00Z', reason: 'Black Friday rehearsal' });
    expect(hold.status).toBe(201);
    expect((await gate(ask)).body).toMatchObject({ holdCount: 1, holds: [{ id: hold.body.id }] });
    expect((await api('POST', `/v1/windows/${window.body.windowId}/override`, { reason: 'the rebalance is what relieves DK' })).status).toBe(200);
    expect((await gate(ask)).status).toBe(200);
    const other = await insertHold(['DK'], '2026-08-01T16:00:00Z');
    expect((await gate(ask)).body).toMatchObject({ holdCount: 1, holds: [{ id: other }] });
  });

  it('names in Holdfast-Let-Through the holds in force that the run in question is let through by an override, its body still just allowed', async () => {
    const window = await api('POST', '/v1/windows', {
      title: 'Router firmware',
      ownerTeam: 'network-ops',
      footprint: { global: false, regions: ['PE'] },
      startsAt: '2026-08-01T12:20:00Z',
      endsAt: '2026-08-01T12:50:00Z',
      plannedZone: 'America/Lima',
      recurrence: 'FREQ=DAILY;COUNT=3',
    });
    expect(window.status).toBe(201);
    const id = window.body.windowId;
    const ask = `windowId=${id}`;
    expect(await gate(ask)).toMatchObject({ status: 200, body: { allowed: true }, letThrough: null });
    // In force now, and one beginning later within run 1 (as starting it judges it), and one on tomorrow's run alone.
    const now = await api('POST', '/v1/holds', { regions: ['PE'], from: '2026-08-01T11:00:00Z', until: '2026-08-01T18:00:00Z', reason: 'Fiestas Patrias' });
    const within = await api('POST', '/v1/holds', { regions: ['PE'], from: '2026-08-01T12:40:00Z', until: '2026-08-01T13:00:00Z', reason: 'presidential address' });
    const tomorrow = await api('POST', '/v1/holds', { regions: ['PE'], from: '2026-08-02T12:00:00Z', until: '2026-08-02T13:00:00Z', reason: 'military parade' });
    for (const hold of [now, within, tomorrow]) expect(hold.status).toBe(201);
    expect((await gate(ask)).body).toMatchObject({ holdCount: 2 });
    expect((await api('POST', `/v1/windows/${id}/override`, { reason: 'the firmware fixes the outage', occurrence: 1 })).status).toBe(200);
    const letThrough = await gate(ask);
    expect(letThrough).toMatchObject({ status: 200, letThrough: `run=1; holds=${within.body.id},${now.body.id}` });
    // DESIGN.md's answer, exactly: callers compare it whole.
    expect(letThrough.body).toEqual({ allowed: true });
    // A what-if for tomorrow's run: held, not let through; the regions themselves are held, and never let through.
    expect(await gate(`${ask}&at=2026-08-02T12:15:00Z`)).toMatchObject({ status: 423, letThrough: null, body: { holds: [{ id: tomorrow.body.id }] } });
    expect(await gate('regions=PE')).toMatchObject({ status: 423, letThrough: null });
    // Let through tomorrow's too: asked about that instant, the run then in question is named.
    expect((await api('POST', `/v1/windows/${id}/override`, { reason: 'the parade route needs it', occurrence: 2 })).status).toBe(200);
    expect(await gate(`${ask}&at=2026-08-02T12:15:00Z`)).toMatchObject({ status: 200, letThrough: `run=2; holds=${tomorrow.body.id}` });
    // Once the holds are released nothing is let through.
    for (const hold of [now, within, tomorrow]) expect((await api('POST', `/v1/holds/${hold.body.id}/release`, { reason: 'holiday over' })).status).toBe(200);
    expect(await gate(ask)).toMatchObject({ status: 200, letThrough: null });
  });

  it('names in Holdfast-Let-Through the first holds a run is let through, as many as a 423 lists, and counts the rest, so the header stays small whatever the holds', async () => {
    const window = await api('POST', '/v1/windows', {
      title: 'Core router swap',
      ownerTeam: 'network-ops',
      footprint: { global: false, regions: ['EC'] },
      startsAt: '2026-08-01T12:20:00Z',
      endsAt: '2026-08-01T12:50:00Z',
      plannedZone: 'America/Guayaquil',
    });
    expect(window.status).toBe(201);
    const id = window.body.windowId;
    // Ending a minute apart, so the order they are listed in (soonest end first) is the order placed.
    const holds: string[] = [];
    for (let minute = 1; minute <= 12; minute++) holds.push(await insertHold(['EC'], `2026-08-01T13:${String(minute).padStart(2, '0')}:00Z`));
    expect((await gate(`windowId=${id}`)).body).toMatchObject({ holdCount: 12 });
    expect((await api('POST', `/v1/windows/${id}/override`, { reason: 'the swap ends the packet loss' })).status).toBe(200);
    const letThrough = await gate(`windowId=${id}`);
    expect(letThrough).toMatchObject({ status: 200, body: { allowed: true }, letThrough: `run=1; holds=${holds.slice(0, 10).join(',')}; more=2` });
    // Starting the run says the same.
    const started = await service.fetch(`/v1/windows/${id}/occurrences/1/start`, { method: 'POST' });
    expect(started.status).toBe(200);
    expect(started.headers.get('holdfast-let-through')).toBe(letThrough.letThrough);
    await replica.query(`UPDATE hold SET released_at = $2 WHERE id = ANY($1)`, [holds, '2026-08-01T12:00:00Z']);
  });

  it('lets through only the run an override names: the run due now is still held, and cannot be started', async () => {
    const window = await api('POST', '/v1/windows', {
      title: 'Nightly compaction',
      ownerTeam: 'storage',
      footprint: { global: false, regions: ['NO'] },
      startsAt: '2026-08-01T12:30:00Z',
      endsAt: '2026-08-01T13:00:00Z',
      plannedZone: 'Europe/Oslo',
      recurrence: 'FREQ=DAILY',
    });
    expect(window.status).toBe(201);
    const hold = await api('POST', '/v1/holds', { regions: ['NO'], from: '2026-08-01T11:00:00Z', until: '2026-08-04T00:00:00Z', reason: 'Storting election count' });
    expect(hold.status).toBe(201);
    expect((await api('POST', `/v1/windows/${window.body.windowId}/override`, { reason: 'tomorrow cannot wait', occurrence: 2 })).status).toBe(200);
    // Run 1 (12:30 today) is the one due: held.
    const ask = `windowId=${window.body.windowId}`;
    expect((await gate(ask)).body).toMatchObject({ holdCount: 1, holds: [{ id: hold.body.id }] });
    expect((await api('POST', `/v1/windows/${window.body.windowId}/occurrences/1/start`, {})).status).toBe(423);
    // Asked about tomorrow's run, the one overridden: allowed; the day after, held again.
    expect((await gate(`${ask}&at=2026-08-02T12:20:00Z`)).status).toBe(200);
    expect((await gate(`${ask}&at=2026-08-03T12:20:00Z`)).status).toBe(423);
    // An override of a run that is not there, or over, lets nothing through and is not recorded.
    const missing = await api('POST', `/v1/windows/${window.body.windowId}/override`, { reason: 'typo', occurrence: 9999 });
    expect(missing).toMatchObject({ status: 404, body: { code: 'occurrence-not-found' } });
    clock.set('2026-08-01T13:30:00Z');
    const over = await api('POST', `/v1/windows/${window.body.windowId}/override`, { reason: 'too late', occurrence: 1 });
    expect(over).toMatchObject({ status: 409, body: { code: 'not-held' } });
    expect(over.body.detail).toContain('occurrence 1 is over');
    const trail = (await (await service.fetch(`/v1/audit?subject=${window.body.windowId}`)).json()) as { items: { action: string; details: { reason?: string } }[] };
    expect(trail.items.filter((entry) => entry.action === 'overridden').map((entry) => entry.details.reason)).toEqual(['tomorrow cannot wait']);
    clock.set('2026-08-01T12:00:00Z');
  });

  it('lets an override through what the gate and a run started early refuse and say to override: a hold in force now that ends before the run, and nothing more', async () => {
    // A manual hold ending at 12:05, a daily window from 12:10: started now (10 minutes early, as OCCURRENCE_EARLY_START_MINUTES allows), run 1 starts inside the hold.
    const window = await api('POST', '/v1/windows', {
      title: 'Resolver restart',
      ownerTeam: 'network-ops',
      footprint: { global: false, regions: ['PT'] },
      startsAt: '2026-08-01T12:10:00Z',
      endsAt: '2026-08-01T12:20:00Z',
      plannedZone: 'Europe/Lisbon',
      recurrence: 'FREQ=DAILY;COUNT=3',
    });
    expect(window.status).toBe(201);
    const id = window.body.windowId;
    const hold = await api('POST', '/v1/holds', { regions: ['PT'], from: '2026-08-01T11:00:00Z', until: '2026-08-01T12:05:00Z', reason: 'Marathon in Lisbon' });
    expect(hold.status).toBe(201);
    expect(await gate(`windowId=${id}`)).toMatchObject({ status: 423, body: { holds: [{ id: hold.body.id }] } });
    const refused = await api('POST', `/v1/windows/${id}/occurrences/1/start`, {});
    expect(refused).toMatchObject({ status: 423, body: { holds: [{ id: hold.body.id }] } });
    expect(refused.body.detail).toContain('ask for an override with a reason');
    // What the CLI prints to run it anyway: an override of that run.
    const override = await api('POST', `/v1/windows/${id}/override`, { reason: 'the resolver must restart before the race', occurrence: 1 });
    expect(override, JSON.stringify(override.body)).toMatchObject({ status: 200, body: { overridden: [hold.body.id] } });
    expect(await gate(`windowId=${id}`)).toMatchObject({ status: 200, body: { allowed: true } });
    expect(await api('POST', `/v1/windows/${id}/occurrences/1/start`, {})).toMatchObject({ status: 200, body: { status: 'in-progress' } });
    // Nothing more: tomorrow's run, after the hold and not due, was not let through it.
    const runs = (await (await service.fetch(`/v1/windows/${id}/occurrences`)).json()) as { items: { number: number; letThroughBy: string[] }[] };
    expect(runs.items.map((run) => [run.number, run.letThroughBy])).toEqual([
      [1, [hold.body.id]],
      [2, []],
      [3, []],
    ]);
    // A window whose next run is not due, and starts after the hold ends: the gate does not hold it (nor ask for an override), and an override finds nothing to let through.
    const later = await api('POST', '/v1/windows', { title: 'Resolver upgrade', ownerTeam: 'network-ops', footprint: { global: false, regions: ['PT'] }, startsAt: '2026-08-01T14:00:00Z', endsAt: '2026-08-01T14:30:00Z', plannedZone: 'Europe/Lisbon' });
    expect(later.status).toBe(201);
    expect(await gate(`windowId=${later.body.windowId}`)).toMatchObject({ status: 200, body: { allowed: true } });
    expect(await api('POST', `/v1/windows/${later.body.windowId}/override`, { reason: 'just in case' })).toMatchObject({ status: 409, body: { code: 'not-held' } });
    expect((await gate('regions=PT')).status).toBe(423);
  });

  it("lets an override of the window through a cleared surge's cool-down that the gate holds its next run in, though the run starts after the release is due", async () => {
    // An alert fired and resolved at 11:40; its hold's release is due at 12:00:50 (the cool-down), the run starts at 12:02.
    const window = await api('POST', '/v1/windows', {
      title: 'Edge proxy reload',
      ownerTeam: 'network-ops',
      footprint: { global: false, regions: ['HR'] },
      startsAt: '2026-08-01T12:02:00Z',
      endsAt: '2026-08-01T12:12:00Z',
      plannedZone: 'Europe/Zagreb',
    });
    expect(window.status).toBe(201);
    const id = window.body.windowId;
    const holdId = uuidv7();
    await replica.query(
      `INSERT INTO hold (id, regions, reason, source, cause_id, placed_at, from_at, until_at, cleared_at, release_due_at)
       VALUES ($1, '{HR}', 'Surge in HR: 5xx rate', 'alert', $2, '2026-08-01T11:00:00Z', '2026-08-01T11:00:00Z', NULL, '2026-08-01T11:40:50Z', '2026-08-01T12:00:50Z')`,
      [holdId, uuidv7()],
    );
    expect(await gate(`windowId=${id}`)).toMatchObject({ status: 423, retryAfter: '50', body: { holds: [{ id: holdId, releaseDueAt: '2026-08-01T12:00:50.000Z' }] } });
    expect(await api('POST', `/v1/windows/${id}/occurrences/1/start`, {})).toMatchObject({ status: 423, body: { holds: [{ id: holdId }] } });
    const override = await api('POST', `/v1/windows/${id}/override`, { reason: 'the reload fixes the 5xx' });
    expect(override, JSON.stringify(override.body)).toMatchObject({ status: 200, body: { overridden: [holdId] } });
    expect(await gate(`windowId=${id}`)).toMatchObject({ status: 200, body: { allowed: true } });
    expect(await api('POST', `/v1/windows/${id}/occurrences/1/start`, {})).toMatchObject({ status: 200, body: { status: 'in-progress' } });
  });

  it('answers for a window as starting its next run would: held by a hold that begins later within that run, so waiting at the gate waits until it may start', async () => {
    // What a deploy job runs: holdfast gate --window ID --wait && holdfast windows start ID. The run is due
    // (within OCCURRENCE_EARLY_START_MINUTES) and the hold begins before it, after now.
    const window = await api('POST', '/v1/windows', {
      title: 'Edge cache flush',
      ownerTeam: 'network-ops',
      footprint: { global: false, regions: ['MA'] },
      startsAt: '2026-08-01T12:26:00Z',
      endsAt: '2026-08-01T12:36:00Z',
      plannedZone: 'Africa/Casablanca',
    });
    expect(window.status).toBe(201);
    const hold = await api('POST', '/v1/holds', { regions: ['MA'], from: '2026-08-01T12:21:00Z', until: '2026-08-01T13:00:00Z', reason: 'Throne Day address' });
    expect(hold.status).toBe(201);
    const ask = `windowId=${window.body.windowId}`;
    const start = () => api('POST', `/v1/windows/${window.body.windowId}/occurrences/1/start`, {});
    expect(await gate(ask)).toMatchObject({
      status: 423,
      retryAfter: String(3600),
      body: { code: 'held', holdCount: 1, holds: [{ id: hold.body.id, from: '2026-08-01T12:21:00.000Z' }], retryAfterSeconds: 3600, at: '2026-08-01T12:00:00.000Z' },
    });
    expect(await start()).toMatchObject({ status: 423, body: { holds: [{ id: hold.body.id }], retryAfterSeconds: 3600 } });
    // A what-if before the hold begins is held alike, as the gate asked then will be; a question about the region judges the holds in force at its instant, as before.
    expect((await gate(`${ask}&at=2026-08-01T12:10:00Z`)).body).toMatchObject({ code: 'held', holds: [{ id: hold.body.id }], at: '2026-08-01T12:10:00.000Z' });
    expect((await gate(`${ask}&at=2026-08-01T12:21:00Z`)).status).toBe(423);
    expect((await gate('regions=MA')).status).toBe(200);
    // Let through by an override of that run: allowed, and it starts.
    expect((await api('POST', `/v1/windows/${window.body.windowId}/override`, { reason: 'the flush is over before the address', occurrence: 1 })).status).toBe(200);
    expect(await gate(ask)).toMatchObject({ status: 200, body: { allowed: true } });
    expect(await start()).toMatchObject({ status: 200, body: { status: 'in-progress' } });
  });

  it('judges, while a run is in progress, the next run not started, the one holdfast windows start ID takes', async () => {
    const window = await api('POST', '/v1/windows', {
      title: 'Hourly log shipping',
      ownerTeam: 'network-ops',
      footprint: { global: false, regions: ['IE'] },
      startsAt: '2026-08-01T11:55:00Z',
      endsAt: '2026-08-01T12:25:00Z',
      plannedZone: 'Europe/Dublin',
      recurrence: 'FREQ=HOURLY;COUNT=2',
    });
    expect(window.status).toBe(201);
    const id = window.body.windowId;
    expect((await api('POST', `/v1/windows/${id}/occurrences/1/start`, {})).body).toMatchObject({ status: 'in-progress' });
    // Within run 2 (12:55-13:25) only: run 1, running, is not held.
    const hold = await api('POST', '/v1/holds', { regions: ['IE'], from: '2026-08-01T13:05:00Z', until: '2026-08-01T13:10:00Z', reason: 'Leinster final' });
    expect(hold.status).toBe(201);
    expect(await gate(`windowId=${id}`)).toMatchObject({ status: 423, body: { code: 'held', holdCount: 1, holds: [{ id: hold.body.id }] } });
    expect(await api('POST', `/v1/windows/${id}/occurrences/2/start`, {})).toMatchObject({ status: 423, body: { holds: [{ id: hold.body.id }] } });
  });

  it('judges a run in progress, the last one, by every hold linked to it, one beginning later within it too', async () => {
    const window = await api('POST', '/v1/windows', {
      title: 'Core switch firmware',
      ownerTeam: 'network-ops',
      footprint: { global: false, regions: ['SI'] },
      startsAt: '2026-08-01T11:50:00Z',
      endsAt: '2026-08-01T12:40:00Z',
      plannedZone: 'Europe/Ljubljana',
    });
    expect(window.status).toBe(201);
    const id = window.body.windowId;
    expect((await api('POST', `/v1/windows/${id}/occurrences/1/start`, {})).body).toMatchObject({ status: 'in-progress' });
    const later = await api('POST', '/v1/holds', { regions: ['SI'], from: '2026-08-01T12:13:00Z', until: '2026-08-01T12:23:00Z', reason: 'Statehood Day address' });
    expect(later.status).toBe(201);
    const runs = (await (await service.fetch(`/v1/windows/${id}/occurrences`)).json()) as { items: { status: string; heldBy: string[] }[] };
    expect(runs.items).toMatchObject([{ status: 'in-progress', heldBy: [later.body.id] }]);
    expect(await gate(`windowId=${id}`)).toMatchObject({ status: 423, body: { holdCount: 1, holds: [{ id: later.body.id, from: '2026-08-01T12:13:00.000Z' }] } });
    const now = await insertHold(['SI'], '2026-08-01T13:00:00Z');
    expect((await gate(`windowId=${id}`)).body).toMatchObject({ holdCount: 2, holds: [{ id: later.body.id }, { id: now }] });
  });

  it('answers an `at` taken as now exactly as a question without `at`, and one ahead as the gate will answer then', async () => {
    const window = await api('POST', '/v1/windows', {
      title: 'Payment gateway failover drill',
      ownerTeam: 'network-ops',
      footprint: { global: false, regions: ['GR'] },
      startsAt: '2026-08-01T12:10:00Z',
      endsAt: '2026-08-01T13:10:00Z',
      plannedZone: 'Europe/Athens',
    });
    expect(window.status).toBe(201);
    const hold = await api('POST', '/v1/holds', { regions: ['GR'], from: '2026-08-01T12:40:00Z', until: '2026-08-01T12:50:00Z', reason: 'ferry strike' });
    expect(hold.status).toBe(201);
    const ask = `windowId=${window.body.windowId}`;
    const held = { status: 423, body: { holdCount: 1, holds: [{ id: hold.body.id }], at: '2026-08-01T12:00:00.000Z' } };
    expect(await gate(ask)).toMatchObject(held);
    expect(await gate(`${ask}&at=2026-08-01T12:00:00Z`)).toMatchObject(held);
    expect(await gate(`${ask}&at=2026-08-01T11:59:30Z`)).toMatchObject(held);
    // At 12:20 the run, not started, is still the one in question, the ferry strike within it.
    expect(await gate(`${ask}&at=2026-08-01T12:20:00Z`)).toMatchObject({ status: 423, body: { holds: [{ id: hold.body.id }], at: '2026-08-01T12:20:00.000Z' } });
    expect((await gate(`${ask}&at=2026-08-01T12:45:00Z`)).status).toBe(423);
  });

  it('answers a what-if as the gate will answer at that instant if nothing changes: a run held by a hold that begins later within it is held before that hold begins', async () => {
    // The window starts in 40 minutes, a manual hold in 20 minutes, for two hours.
    const window = await api('POST', '/v1/windows', {
      title: 'Auckland edge rollout',
      ownerTeam: 'network-ops',
      footprint: { global: false, regions: ['NZ'] },
      startsAt: '2026-08-01T12:40:00Z',
      endsAt: '2026-08-01T13:10:00Z',
      plannedZone: 'Pacific/Auckland',
    });
    expect(window.status).toBe(201);
    const id = window.body.windowId;
    const hold = await api('POST', '/v1/holds', { regions: ['NZ'], from: '2026-08-01T12:20:00Z', until: '2026-08-01T14:20:00Z', reason: 'All Blacks test match' });
    expect(hold.status).toBe(201);
    const ask = `windowId=${id}`;
    const heldBy = { code: 'held', holdCount: 1, holds: [{ id: hold.body.id, from: '2026-08-01T12:20:00.000Z' }] };
    expect(await gate(ask)).toMatchObject({ status: 423, body: heldBy });
    const whatIf = await gate(`${ask}&at=2026-08-01T12:05:00Z`);
    expect(whatIf).toMatchObject({ status: 423, retryAfter: String(8400), body: { ...heldBy, at: '2026-08-01T12:05:00.000Z' } });
    expect(await gate(`${ask}&at=2026-08-01T12:20:00Z`)).toMatchObject({ status: 423, body: heldBy });
    try {
      // Asked at 12:05 without `at`, the gate answers what the what-if said, but for Retry-After, counted from the time asked.
      clock.set('2026-08-01T12:05:00Z');
      const then = await gate(ask);
      expect(then).toMatchObject({ status: 423, retryAfter: String(8100) });
      expect({ ...whatIf.body, retryAfterSeconds: 8100, instance: `/v1/gate?${ask}` }).toEqual(then.body);
      clock.set('2026-08-01T12:00:00Z');
      // Let through by an override, a what-if before the hold begins names the hold in Holdfast-Let-Through, as asked now.
      expect((await api('POST', `/v1/windows/${id}/override`, { reason: 'the rollout is over before kick-off traffic', occurrence: 1 })).status).toBe(200);
      expect(await gate(ask)).toMatchObject({ status: 200, letThrough: `run=1; holds=${hold.body.id}` });
      expect(await gate(`${ask}&at=2026-08-01T12:05:00Z`)).toMatchObject({ status: 200, body: { allowed: true }, letThrough: `run=1; holds=${hold.body.id}` });
    } finally {
      clock.set('2026-08-01T12:00:00Z');
      expect((await api('POST', `/v1/holds/${hold.body.id}/release`, { reason: 'match over' })).status).toBe(200);
    }
  });

  it('answers a what-if for a run a spring-forward change moved by the holds reaching that run, and a run not due then by those alone', async () => {
    try {
      // A daily 02:30 run in Auckland: on 27 September 2026 02:30 falls in the spring-forward gap, and the run starts at 03:30 NZDT, 14:30Z.
      clock.set('2026-09-25T12:00:00Z');
      const window = await api('POST', '/v1/windows', {
        title: 'Auckland nightly reindex',
        ownerTeam: 'network-ops',
        footprint: { global: false, regions: ['NZ'] },
        startsAt: '2026-09-25T14:30:00Z',
        endsAt: '2026-09-25T15:00:00Z',
        plannedZone: 'Pacific/Auckland',
        recurrence: 'FREQ=DAILY;COUNT=3',
      });
      expect(window.status, JSON.stringify(window.body)).toBe(201);
      const id = window.body.windowId;
      const runs = ((await (await service.fetch(`/v1/windows/${id}/occurrences`)).json()) as { items: { number: number; startsAt: string }[] }).items;
      expect(runs.map((run) => [run.number, run.startsAt])).toEqual([
        [1, '2026-09-25T14:30:00.000Z'],
        [2, '2026-09-26T14:30:00.000Z'],
        [3, '2026-09-27T13:30:00.000Z'],
      ]);
      clock.set('2026-09-26T12:00:00Z');
      // One in force at 12:45 that ends before run 2, one from 14:00 within it.
      const before = await api('POST', '/v1/holds', { regions: ['NZ'], from: '2026-09-26T12:30:00Z', until: '2026-09-26T13:00:00Z', reason: 'grid switchover' });
      const within = await api('POST', '/v1/holds', { regions: ['NZ'], from: '2026-09-26T14:00:00Z', until: '2026-09-26T15:00:00Z', reason: 'daylight-saving cutover traffic' });
      for (const hold of [before, within]) expect(hold.status).toBe(201);
      const ask = `windowId=${id}`;
      const heldByWithin = { code: 'held', holdCount: 1, holds: [{ id: within.body.id }] };
      expect(await gate(ask)).toMatchObject({ status: 423, body: heldByWithin });
      // At 12:45 run 2 may not start yet (OCCURRENCE_EARLY_START_MINUTES): the hold then in force ends before it and does not hold it; the one within it does.
      expect(await gate(`${ask}&at=2026-09-26T12:45:00Z`)).toMatchObject({ status: 423, body: { ...heldByWithin, at: '2026-09-26T12:45:00.000Z' } });
      expect(await gate(`${ask}&at=2026-09-26T13:55:00Z`)).toMatchObject({ status: 423, body: { ...heldByWithin, at: '2026-09-26T13:55:00.000Z' } });
      expect(await gate(`${ask}&at=2026-09-26T14:20:00Z`)).toMatchObject({ status: 423, body: heldByWithin });
      // Once run 2 is over, run 3 is the one in question, and nothing reaches it.
      expect(await gate(`${ask}&at=2026-09-26T15:05:00Z`)).toMatchObject({ status: 200, body: { allowed: true } });
      for (const hold of [before, within]) expect((await api('POST', `/v1/holds/${hold.body.id}/release`, { reason: 'cutover done' })).status).toBe(200);
    } finally {
      clock.set('2026-08-01T12:00:00Z');
    }
  });

  it('refuses a hold or a release whose reason is only white space, naming the field', async () => {
    const unexplained = await api('POST', '/v1/holds', { regions: ['LV'], from: '2026-08-01T11:00:00Z', until: '2026-08-02T00:00:00Z', reason: ' \t ' });
    expect(unexplained).toMatchObject({ status: 400, body: { code: 'invalid-body', errors: [{ path: 'reason', message: 'must explain why (it is only white space)' }] } });
    const hold = await api('POST', '/v1/holds', { regions: ['LV'], from: '2026-08-01T11:00:00Z', until: '2026-08-02T00:00:00Z', reason: 'Song festival' });
    expect(hold.status).toBe(201);
    expect(await api('POST', `/v1/holds/${hold.body.id}/release`, { reason: '  ' })).toMatchObject({ status: 400, body: { errors: [{ path: 'reason' }] } });
    expect(await api('POST', `/v1/holds/${hold.body.id}/release`, { reason: 'festival over' })).toMatchObject({ status: 200 });
  });

  it('answers 409 hold-released to a release that another replica made while it waited, not 200', async () => {
    const hold = await api('POST', '/v1/holds', { regions: ['LT'], from: '2026-08-01T11:00:00Z', until: '2026-08-02T00:00:00Z', reason: 'Song festival' });
    expect(hold.status).toBe(201);
    const sweep = new Client({ connectionString: service.database.url, options: '-c search_path=maintenance_planner' });
    await sweep.connect();
    try {
      await sweep.query('BEGIN');
      await sweep.query('SELECT 1 FROM hold WHERE id = $1 FOR UPDATE', [hold.body.id]);
      const asked = api('POST', `/v1/holds/${hold.body.id}/release`, { reason: 'festival over' });
      // Until the other side waits on the row this transaction holds.
      await expectEventually(async () =>
        expect((await sweep.query("SELECT count(*)::int AS waiting FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE NOT l.granted AND a.datname = current_database()")).rows[0].waiting).toBeGreaterThan(0),
      );
      await sweep.query(`UPDATE hold SET released_at = '2026-08-01T12:00:00Z', release_reason = 'The held period ended' WHERE id = $1`, [hold.body.id]);
      await sweep.query('COMMIT');
      expect(await asked).toMatchObject({ status: 409, body: { code: 'hold-released', detail: expect.stringContaining('2026-08-01T12:00:00.000Z') } });
    } finally {
      await sweep.end();
    }
  });

  it('asks for a window or regions, one of them, saying so', async () => {
    for (const query of ['', `windowId=${uuidv7()}&regions=SE`]) {
      expect(await gate(query)).toMatchObject({
        status: 400,
        body: { code: 'invalid-query', errors: [{ path: 'windowId', message: 'is required unless regions is given, and cannot go with regions: give one of them' }] },
      });
    }
  });

  it('answers `at` for now or a time ahead, with Retry-After counted from now, and refuses a time past that it cannot answer truthfully', async () => {
    // Held from 11:00 (an hour ago) until 14:00.
    await insertHold(['LU'], '2026-08-01T14:00:00Z');
    // A what-if for 13:00: held, and the hold ends two hours from now, not one hour from 13:00.
    expect(await gate('regions=LU&at=2026-08-01T13:00:00Z')).toMatchObject({ status: 423, retryAfter: String(2 * 3600), body: { at: '2026-08-01T13:00:00.000Z', retryAfterSeconds: 2 * 3600 } });
    // A few seconds behind (a caller's clock) is now.
    expect(await gate('regions=LU&at=2026-08-01T11:59:30Z')).toMatchObject({ status: 423, retryAfter: String(2 * 3600), body: { at: '2026-08-01T12:00:00.000Z' } });

    // Held at 11:30 by a hold released since: the gate no longer keeps it, so it would answer 200 for a time that was held.
    const released = await api('POST', '/v1/holds', { regions: ['LV'], from: '2026-08-01T11:00:00Z', until: '2026-08-01T15:00:00Z', reason: 'grid work' });
    expect((await api('POST', `/v1/holds/${released.body.id}/release`, { reason: 'grid work done' })).status).toBe(200);
    expect(await gate('regions=LV&at=2026-08-01T11:30:00Z')).toMatchObject({
      status: 422,
      body: {
        code: 'gate-at-in-the-past',
        detail:
          'The gate answers for now or a time ahead; at 2026-08-01T11:30:00.000Z is 1800 s before now (2026-08-01T12:00:00.000Z), and holds released since are not kept, so it cannot say whether that time was held. Leave at out to ask about now; the audit trail (GET /v1/audit) says what held a region when.',
        errors: [{ path: 'at', message: 'must not be more than 60 s before now' }],
      },
    });
    expect((await gate('regions=LV')).status).toBe(200);
  });

  it("says, of a run an open-ended hold reaches beyond HOLD_HORIZON_HOURS, that it is held though not yet marked held, and when it will be; an override lets it through as before", async () => {
    const hold = await api('POST', '/v1/holds', { regions: ['UY'], from: '2026-08-01T11:00:00Z', reason: 'Payment network outage' });
    expect(hold.status).toBe(201);
    // Its first run starts 38 h ahead, past the 24 h the hold holds runs ahead for: planned, not refused, and not marked held.
    const planned = {
      title: 'Ledger archive',
      ownerTeam: 'storage',
      footprint: { global: false, regions: ['UY'] },
      startsAt: '2026-08-03T02:00:00Z',
      endsAt: '2026-08-03T03:00:00Z',
      plannedZone: 'America/Montevideo',
      recurrence: 'FREQ=WEEKLY',
    };
    const window = await api('POST', '/v1/windows', planned);
    expect(window.status, JSON.stringify(window.body)).toBe(201);
    const id = window.body.windowId;
    const runs = async () => ((await (await service.fetch(`/v1/windows/${id}/occurrences?to=2026-08-04T00:00:00Z`)).json()) as { items: Record<string, any>[] }).items;
    expect(await runs()).toMatchObject([{ number: 1, status: 'scheduled', heldBy: [] }]);
    const held = `Window ${id} is held by hold ${hold.body.id} (UY: Payment network outage).`;
    const answer = await gate(`windowId=${id}`);
    expect(answer).toMatchObject({ status: 423, retryAfter: '300', body: { code: 'held', holdCount: 1, holds: [{ id: hold.body.id, until: null }] } });
    expect(answer.body.detail).toBe(
      `${held} Hold ${hold.body.id} reaches run 1 (starting 2026-08-03T02:00:00.000Z), though that run is not yet marked held (it reads scheduled, heldBy empty): ` +
        `the planner marks it held, and tells its owners with window.held, once it starts within HOLD_HORIZON_HOURS (24 h) of now, at its first sweep from 2026-08-02T02:00:00.000Z. ` +
        'Wait and retry, or ask for an override with a reason.',
    );
    // A bounded hold over the run is linked to it at once: the run reads held by that one alone, and the detail says which is not marked yet.
    const bounded = await api('POST', '/v1/holds', { regions: ['UY'], from: '2026-08-03T01:00:00Z', until: '2026-08-03T04:00:00Z', reason: 'Carnival' });
    expect(bounded.status).toBe(201);
    expect(await runs()).toMatchObject([{ number: 1, status: 'held', heldBy: [bounded.body.id] }]);
    expect((await gate(`windowId=${id}`)).body.detail).toContain(
      `Hold ${hold.body.id} reaches run 1 (starting 2026-08-03T02:00:00.000Z), though that run is not yet marked held by it (its heldBy names ${bounded.body.id} only): the planner marks it held`,
    );
    expect((await api('POST', `/v1/holds/${bounded.body.id}/release`, { reason: 'parade moved' })).status).toBe(200);
    try {
      // Within the horizon the sweep marks it held, and the gate says no more than that it is held.
      clock.set('2026-08-02T03:00:00Z');
      await service.app.get(HoldsService).extendOpenEnded();
      expect(await runs()).toMatchObject([{ number: 1, status: 'held', heldBy: [hold.body.id] }]);
      expect((await gate(`windowId=${id}`)).body.detail).toBe(`${held} Wait and retry, or ask for an override with a reason.`);
      clock.set('2026-08-01T12:00:00Z');
      // Back before the horizon reached it, an override lets the run through, as it did.
      const other = await api('POST', '/v1/windows', { ...planned, title: 'Ledger archive, second copy', startsAt: '2026-08-03T04:00:00Z', endsAt: '2026-08-03T05:00:00Z' });
      expect(other.status, JSON.stringify(other.body)).toBe(201);
      expect((await gate(`windowId=${other.body.windowId}`)).body.detail).toContain('though that run is not yet marked held');
      expect(await api('POST', `/v1/windows/${other.body.windowId}/override`, { reason: 'the archive must run before month end' })).toMatchObject({ status: 200, body: { overridden: [hold.body.id] } });
      expect(await gate(`windowId=${other.body.windowId}`)).toMatchObject({ status: 200, body: { allowed: true }, letThrough: `run=1; holds=${hold.body.id}` });
    } finally {
      clock.set('2026-08-01T12:00:00Z');
      expect((await api('POST', `/v1/holds/${hold.body.id}/release`, { reason: 'outage over' })).status).toBe(200);
    }
  });

  it('does not keep holds emptied by TRUNCATE', async () => {
    await insertHold(['IS'], null);
    expect((await gate('regions=IS')).status).toBe(423);
    await replica.query('TRUNCATE hold CASCADE');
    expect((await gate('regions=IS')).status).toBe(200);
  });

  it('answers 409 no-run-left for a window whose only run completed, held region or not: it never runs again, so neither a wait nor an override is asked for', async () => {
    const window = await api('POST', '/v1/windows', { title: 'Switch swap', ownerTeam: 'network-ops', footprint: { global: false, regions: ['CY'] }, startsAt: '2026-08-01T12:10:00Z', endsAt: '2026-08-01T12:20:00Z', plannedZone: 'Asia/Nicosia' });
    expect(window.status).toBe(201);
    const id = window.body.windowId;
    expect((await api('POST', `/v1/windows/${id}/occurrences/1/start`, {})).status).toBe(200);
    expect((await api('POST', `/v1/windows/${id}/occurrences/1/complete`, {})).status).toBe(200);
    const hold = await api('POST', '/v1/holds', { regions: ['CY'], from: '2026-08-01T11:00:00Z', until: '2026-08-01T13:00:00Z', reason: 'Independence Day' });
    expect(hold.status).toBe(201);
    const answer = await gate(`windowId=${id}`);
    expect(answer).toMatchObject({ status: 409, retryAfter: null, body: { code: 'no-run-left', lastRun: { number: 1, status: 'completed', endsAt: '2026-08-01T12:20:00.000Z' } } });
    expect(answer.body.detail).toBe(
      `Window ${id} has no run left to start: its last run (1, planned to end 2026-08-01T12:20:00.000Z) was completed, and it is a one-off window. It will never run again, so do not start it or wait for it; no hold stops it. To do the work, plan a new window (POST /v1/windows).`,
    );
    // The region itself is still held: the 409 is for the window alone.
    expect((await gate('regions=CY')).status).toBe(423);
  });

  it('answers 409 window-cancelled, with when, by whom and why, for a cancelled window: it never runs, held or not', async () => {
    const planned = { title: 'Retired rebalance', ownerTeam: 'storage', footprint: { global: false, regions: ['IS'] }, startsAt: '2026-08-01T15:00:00Z', endsAt: '2026-08-01T16:00:00Z', plannedZone: 'UTC' };
    const free = await api('POST', '/v1/windows', planned);
    const held = await api('POST', '/v1/windows', { ...planned, footprint: { global: false, regions: ['EE'] } });
    const hold = await api('POST', '/v1/holds', { regions: ['EE'], from: '2026-08-01T11:00:00Z', until: '2026-08-01T18:00:00Z', reason: 'national holiday' });
    expect(hold.status).toBe(201);
    for (const window of [free, held]) {
      expect((await api('POST', `/v1/windows/${window.body.windowId}/cancel`, { reason: 'superseded by the new cluster' })).status).toBe(200);
      const answer = await gate(`windowId=${window.body.windowId}`);
      expect(answer.status).toBe(409);
      expect(answer.retryAfter).toBeNull();
      expect(answer.body).toMatchObject({
        code: 'window-cancelled',
        detail: `Window ${window.body.windowId} was cancelled at 2026-08-01T12:00:00.000Z by platform/bootstrap (superseded by the new cluster): it will never run, so do not start it or wait for it. To do the work, plan a new window (POST /v1/windows).`,
        cancelledAt: '2026-08-01T12:00:00.000Z',
        cancelledBy: 'platform/bootstrap',
        cancelReason: 'superseded by the new cluster',
      });
    }
    // Nor is it offered slots, or let through a hold: the same 409, saying what follows for what was asked.
    const suggestions = await api('GET', `/v1/windows/${held.body.windowId}/suggestions`, undefined);
    expect(suggestions).toMatchObject({ status: 409, body: { code: 'window-cancelled', cancelReason: 'superseded by the new cluster' } });
    expect(suggestions.body.detail).toContain('it will never run, so it needs no slot.');
    const override = await api('POST', `/v1/windows/${held.body.windowId}/override`, { reason: 'customer asked' });
    expect(override).toMatchObject({ status: 409, body: { code: 'window-cancelled' } });
    expect(override.body.detail).toContain('it will never run, so no hold stops it and there is nothing to override.');
    expect((await gate('regions=EE')).status).toBe(423);
  });

  it('answers 409 run-awaits-new-slot, never 200, for a window whose only run is over and waits for a new slot, naming the slot proposed and the move that takes it', async () => {
    const window = await api('POST', '/v1/windows', {
      title: 'Payments failover',
      ownerTeam: 'network-ops',
      footprint: { global: false, regions: ['BR', 'CL'] },
      startsAt: '2026-08-01T12:06:00Z',
      endsAt: '2026-08-01T12:08:00Z',
      plannedZone: 'America/Sao_Paulo',
    });
    expect(window.status, JSON.stringify(window.body)).toBe(201);
    const id = window.body.windowId;
    // Placed after the window was planned, it holds the run.
    const hold = await api('POST', '/v1/holds', { regions: ['BR'], from: '2026-08-01T12:00:00Z', until: '2026-08-01T12:30:00Z', reason: 'Carnival parade' });
    expect(hold.status).toBe(201);
    try {
      // Held past its time: once the hold is released, the run waits for a new slot and nothing holds the regions.
      clock.set('2026-08-01T12:40:00Z');
      expect((await api('POST', `/v1/holds/${hold.body.id}/release`, { reason: 'parade over' })).status).toBe(200);
      const [waiting] = ((await (await service.fetch(`/v1/windows/${id}/occurrences`)).json()) as { items: Record<string, any>[] }).items;
      expect(waiting).toMatchObject({ number: 1, status: 'needs-reschedule', proposedSlot: { startsAt: expect.any(String), endsAt: expect.any(String) } });
      const { version } = (await api('GET', `/v1/windows/${id}`, undefined)).body;
      const { startsAt, endsAt } = waiting.proposedSlot;

      const answer = await gate(`windowId=${id}`);
      expect(answer).toMatchObject({
        status: 409,
        retryAfter: null,
        body: {
          code: 'run-awaits-new-slot',
          waitingRun: { number: 1, status: 'needs-reschedule', startsAt: '2026-08-01T12:06:00.000Z', endsAt: '2026-08-01T12:08:00.000Z', proposedSlot: waiting.proposedSlot },
          windowVersion: version,
        },
      });
      expect(answer.body.detail).toBe(
        `Window ${id} has no run to start now: run 1 waits for a new slot, its time (2026-08-01T12:06:00.000Z to 2026-08-01T12:08:00.000Z) having passed while it was held. ` +
          `The planner proposes ${startsAt} to ${endsAt}: take it with PATCH /v1/windows/${id} {"startsAt": "${startsAt}", "endsAt": "${endsAt}", "version": ${version}} and start the run it plans then. ` +
          `Do not wait for it at the gate: it waits until the window is changed. To run it now anyway, outside its slot, start it by its number (POST /v1/windows/${id}/occurrences/1/start).`,
      );
      // Nor for a time ahead: the run waits whatever the instant asked.
      expect((await gate(`windowId=${id}&at=2026-08-01T18:00:00Z`)).body).toMatchObject({ code: 'run-awaits-new-slot', waitingRun: { number: 1 } });
      // The regions themselves are free: the 409 is for the window alone.
      expect((await gate('regions=BR,CL')).status).toBe(200);

      // Taking the slot proposed plans a run the gate judges again.
      const moved = await api('PATCH', `/v1/windows/${id}`, { version, startsAt, endsAt });
      expect(moved.status, JSON.stringify(moved.body)).toBe(200);
      expect(await gate(`windowId=${id}`)).toMatchObject({ status: 200, body: { allowed: true } });
    } finally {
      clock.set('2026-08-01T12:00:00Z');
    }
  });

  it('judges a recurring window one of whose runs waits for a new slot by its next run still to come, as before', async () => {
    const window = await api('POST', '/v1/windows', {
      title: 'Nightly index rebuild',
      ownerTeam: 'network-ops',
      footprint: { global: false, regions: ['AR'] },
      startsAt: '2026-08-01T12:06:00Z',
      endsAt: '2026-08-01T12:08:00Z',
      plannedZone: 'America/Argentina/Buenos_Aires',
      recurrence: 'FREQ=DAILY;COUNT=2',
    });
    expect(window.status, JSON.stringify(window.body)).toBe(201);
    const id = window.body.windowId;
    // Placed after the window was planned, it holds the run.
    const hold = await api('POST', '/v1/holds', { regions: ['AR'], from: '2026-08-01T12:00:00Z', until: '2026-08-01T12:30:00Z', reason: 'Football final' });
    expect(hold.status).toBe(201);
    try {
      clock.set('2026-08-01T12:40:00Z');
      expect((await api('POST', `/v1/holds/${hold.body.id}/release`, { reason: 'final over' })).status).toBe(200);
      const runs = ((await (await service.fetch(`/v1/windows/${id}/occurrences`)).json()) as { items: { number: number; status: string }[] }).items;
      expect(runs.map((run) => [run.number, run.status])).toEqual([
        [1, 'needs-reschedule'],
        [2, 'scheduled'],
      ]);
      expect(await gate(`windowId=${id}`)).toMatchObject({ status: 200, body: { allowed: true } });
      const tomorrow = await api('POST', '/v1/holds', { regions: ['AR'], from: '2026-08-02T12:00:00Z', until: '2026-08-02T13:00:00Z', reason: 'Replay of the final' });
      expect(tomorrow.status).toBe(201);
      expect(await gate(`windowId=${id}&at=2026-08-02T12:05:00Z`)).toMatchObject({ status: 423, body: { holds: [{ id: tomorrow.body.id }] } });
    } finally {
      clock.set('2026-08-01T12:00:00Z');
    }
  });

  it('answers 409 run-awaits-new-slot, never 200, for a window whose only run waits for a new slot while its time is still under way; the run named, as its start by number names it, is judged by the holds', async () => {
    const window = await api('POST', '/v1/windows', {
      title: 'Card switch upgrade',
      ownerTeam: 'network-ops',
      footprint: { global: false, regions: ['CO'] },
      startsAt: '2026-08-01T12:06:00Z',
      endsAt: '2026-08-01T16:06:00Z',
      plannedZone: 'America/Bogota',
    });
    expect(window.status, JSON.stringify(window.body)).toBe(201);
    const id = window.body.windowId;
    const hold = await api('POST', '/v1/holds', { regions: ['CO'], from: '2026-08-01T12:00:00Z', until: '2026-08-01T12:30:00Z', reason: 'Battle of Boyacá parade' });
    expect(hold.status).toBe(201);
    try {
      // Released while the run is under way: its start passed while it was held, so it waits for a new slot, its end still to come.
      clock.set('2026-08-01T12:40:00Z');
      expect((await api('POST', `/v1/holds/${hold.body.id}/release`, { reason: 'parade over' })).status).toBe(200);
      const [waiting] = ((await (await service.fetch(`/v1/windows/${id}/occurrences`)).json()) as { items: Record<string, any>[] }).items;
      expect(waiting).toMatchObject({ number: 1, status: 'needs-reschedule', endsAt: '2026-08-01T16:06:00.000Z' });

      // A deploy job asking the gate alone would start at once, outside any slot, where holdfast windows start ID refuses.
      const answer = await gate(`windowId=${id}`);
      expect(answer).toMatchObject({ status: 409, body: { code: 'run-awaits-new-slot', waitingRun: { number: 1, startsAt: '2026-08-01T12:06:00.000Z', endsAt: '2026-08-01T16:06:00.000Z' } } });
      expect(answer.body.detail).toContain('run 1 waits for a new slot, its start (2026-08-01T12:06:00.000Z, planned to end 2026-08-01T16:06:00.000Z) having passed while it was held.');
      expect((await gate(`windowId=${id}&at=2026-08-01T13:00:00Z`)).body).toMatchObject({ code: 'run-awaits-new-slot', waitingRun: { number: 1 } });

      // Named, it is judged as before: held by a hold in force now, started once nothing holds it.
      const again = await api('POST', '/v1/holds', { regions: ['CO'], from: '2026-08-01T12:40:00Z', until: '2026-08-01T13:00:00Z', reason: 'second parade' });
      expect(again.status).toBe(201);
      expect(await api('POST', `/v1/windows/${id}/occurrences/1/start`, {})).toMatchObject({ status: 423, body: { code: 'held', holds: [{ id: again.body.id }] } });
      expect((await api('POST', `/v1/holds/${again.body.id}/release`, { reason: 'parade over' })).status).toBe(200);
      expect(await api('POST', `/v1/windows/${id}/occurrences/1/start`, {})).toMatchObject({ status: 200, body: { number: 1, status: 'in-progress' } });
      // Running, it is the run in question.
      expect(await gate(`windowId=${id}`)).toMatchObject({ status: 200, body: { allowed: true } });
    } finally {
      clock.set('2026-08-01T12:00:00Z');
    }
  });

  it('judges a recurring window whose run waits for a new slot while its time is under way by its next scheduled run, not the waiting one', async () => {
    const window = await api('POST', '/v1/windows', {
      title: 'Ledger compaction',
      ownerTeam: 'network-ops',
      footprint: { global: false, regions: ['VE'] },
      startsAt: '2026-08-01T12:06:00Z',
      endsAt: '2026-08-01T16:06:00Z',
      plannedZone: 'America/Caracas',
      recurrence: 'FREQ=DAILY;COUNT=2',
    });
    expect(window.status, JSON.stringify(window.body)).toBe(201);
    const id = window.body.windowId;
    const hold = await api('POST', '/v1/holds', { regions: ['VE'], from: '2026-08-01T12:00:00Z', until: '2026-08-01T12:30:00Z', reason: 'Carabobo day' });
    expect(hold.status).toBe(201);
    try {
      clock.set('2026-08-01T12:40:00Z');
      expect((await api('POST', `/v1/holds/${hold.body.id}/release`, { reason: 'parade over' })).status).toBe(200);
      const runs = ((await (await service.fetch(`/v1/windows/${id}/occurrences`)).json()) as { items: { number: number; status: string }[] }).items;
      expect(runs.map((run) => [run.number, run.status])).toEqual([
        [1, 'needs-reschedule'],
        [2, 'scheduled'],
      ]);
      // A hold in force now, over before tomorrow's run: it would stop the waiting run, not the run in question.
      const today = await api('POST', '/v1/holds', { regions: ['VE'], from: '2026-08-01T12:40:00Z', until: '2026-08-01T14:00:00Z', reason: 'national address' });
      expect(today.status).toBe(201);
      expect(await gate(`windowId=${id}`)).toMatchObject({ status: 200, body: { allowed: true } });
      // Tomorrow's run is judged by the holds reaching it.
      const tomorrow = await api('POST', '/v1/holds', { regions: ['VE'], from: '2026-08-02T12:00:00Z', until: '2026-08-02T13:00:00Z', reason: 'replay of the address' });
      expect(tomorrow.status).toBe(201);
      expect(await gate(`windowId=${id}`)).toMatchObject({ status: 423, body: { holds: [{ id: tomorrow.body.id }] } });
      // The waiting run, named, is judged by the hold in force now, as its start by number judges it.
      expect(await api('POST', `/v1/windows/${id}/occurrences/1/start`, {})).toMatchObject({ status: 423, body: { code: 'held', holds: [{ id: today.body.id }] } });
      for (const held of [today, tomorrow]) expect((await api('POST', `/v1/holds/${held.body.id}/release`, { reason: 'address over' })).status).toBe(200);
    } finally {
      clock.set('2026-08-01T12:00:00Z');
    }
  });

  it("answers a what-if past a one-off window's last run 409 no-run-left, as the gate asked then will, saying the run is still to come now", async () => {
    const window = await api('POST', '/v1/windows', {
      title: 'Tram signalling patch',
      ownerTeam: 'network-ops',
      footprint: { global: false, regions: ['RO'] },
      startsAt: '2026-08-01T12:10:00Z',
      endsAt: '2026-08-01T12:20:00Z',
      plannedZone: 'Europe/Bucharest',
    });
    expect(window.status, JSON.stringify(window.body)).toBe(201);
    const id = window.body.windowId;
    const ask = `windowId=${id}`;
    expect(await gate(ask)).toMatchObject({ status: 200, body: { allowed: true } });
    expect(await gate(`${ask}&at=2026-08-01T12:15:00Z`)).toMatchObject({ status: 200, body: { allowed: true } });
    // At its end the run is over: nothing is left to start then, held or not.
    const hold = await api('POST', '/v1/holds', { regions: ['RO'], from: '2026-08-01T12:25:00Z', until: '2026-08-01T13:00:00Z', reason: 'Bucharest marathon' });
    expect(hold.status).toBe(201);
    for (const at of ['2026-08-01T12:20:00Z', '2026-08-01T12:30:00Z']) {
      const whatIf = await gate(`${ask}&at=${at}`);
      expect(whatIf).toMatchObject({ status: 409, retryAfter: null, body: { code: 'no-run-left', lastRun: { number: 1, status: 'scheduled', endsAt: '2026-08-01T12:20:00.000Z' } } });
      expect(whatIf.body.detail).toBe(
        `Window ${id} has no run left to start at ${new Date(at).toISOString()}, though it has one now: its last run still to come (1, planned to end 2026-08-01T12:20:00.000Z) is over by then, missed unless it starts in its time, and it is a one-off window. ` +
          'Asked at that time, the gate answers this 409, whatever holds: start the run before 2026-08-01T12:20:00.000Z, or, to do the work later, move the window to a new time (PATCH startsAt and endsAt) or plan a new one (POST /v1/windows).',
      );
    }
    try {
      // Asked then, before the sweep marks the run missed and after: the same 409.
      clock.set('2026-08-01T12:30:00Z');
      const ended = await gate(ask);
      expect(ended).toMatchObject({ status: 409, body: { code: 'no-run-left', lastRun: { number: 1, status: 'scheduled' } } });
      expect(ended.body.detail).toBe(
        `Window ${id} has no run left to start: its last run (1, planned to end 2026-08-01T12:20:00.000Z) ended without a start (the planner marks it missed), and it is a one-off window. ` +
          'It will never run again, so do not start it or wait for it; no hold stops it. To do the work, plan a new window (POST /v1/windows), or move this one to a new time (PATCH startsAt and endsAt).',
      );
      await service.app.get(WindowsService).markMissed();
      expect(await gate(ask)).toMatchObject({ status: 409, body: { code: 'no-run-left', lastRun: { number: 1, status: 'missed' } } });
    } finally {
      clock.set('2026-08-01T12:00:00Z');
      expect((await api('POST', `/v1/holds/${hold.body.id}/release`, { reason: 'marathon over' })).status).toBe(200);
    }
  });

  it('judges a what-if for a recurring window by the runs its rule gives past those stored, and answers 409 no-run-left past the last of them', async () => {
    // Monthly, six runs: three within the 90-day horizon are stored, the rule gives the rest.
    const window = await api('POST', '/v1/windows', {
      title: 'Quarterly key rotation',
      ownerTeam: 'security',
      footprint: { global: false, regions: ['BG'] },
      startsAt: '2026-08-01T12:30:00Z',
      endsAt: '2026-08-01T13:30:00Z',
      plannedZone: 'UTC',
      recurrence: 'FREQ=MONTHLY;COUNT=6',
    });
    expect(window.status, JSON.stringify(window.body)).toBe(201);
    const id = window.body.windowId;
    const ask = `windowId=${id}`;
    const runs = ((await (await service.fetch(`/v1/windows/${id}/occurrences?to=2027-02-01T00:00:00Z`)).json()) as { items: { number: number }[] }).items;
    expect(runs.map((run) => run.number)).toEqual([1, 2, 3]);
    // Within run 6 (2027-01-01 12:30-13:30), not stored yet: judged by the holds in force then, as before.
    expect(await gate(`${ask}&at=2027-01-01T13:00:00Z`)).toMatchObject({ status: 200, body: { allowed: true } });
    const hold = await api('POST', '/v1/holds', { regions: ['BG'], from: '2027-01-01T12:00:00Z', until: '2027-01-01T14:00:00Z', reason: 'New Year grid work' });
    expect(hold.status).toBe(201);
    expect(await gate(`${ask}&at=2027-01-01T13:00:00Z`)).toMatchObject({ status: 423, body: { holds: [{ id: hold.body.id }] } });
    // Past it, the rule gives no more.
    const past = await gate(`${ask}&at=2027-01-01T13:30:00Z`);
    expect(past).toMatchObject({ status: 409, body: { code: 'no-run-left', lastRun: { number: 3, status: 'scheduled', endsAt: '2026-10-01T13:30:00.000Z' } } });
    expect(past.body.detail).toBe(
      `Window ${id} has no run left to start at 2027-01-01T13:30:00.000Z, though it has one now: the runs its rule (FREQ=MONTHLY;COUNT=6) gives after those planned so far (the last, 3, planned to end 2026-10-01T13:30:00.000Z) are still to come now but all over by then, and it gives no more. ` +
        'Asked at that time, the gate answers this 409, whatever holds: start its runs in their time, or, to do the work later, move the window to a new time (PATCH startsAt and endsAt) or plan a new one (POST /v1/windows).',
    );
    expect((await api('POST', `/v1/holds/${hold.body.id}/release`, { reason: 'grid work moved' })).status).toBe(200);
  });
});
