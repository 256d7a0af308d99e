/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
import { Topics } from '@holdfast/contracts';
import { createKafka, physicalTopic, silentLogger } from '@holdfast/messaging';
import { expectEventually, ManualClock, recordTopic, startServiceUnderTest, type ServiceUnderTest, type TopicRecorder } from '@holdfast/testing';
import { Client } from 'pg';
import { EntityManager } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { plannerService } from '../src/app.module';
import { WINDOW_EVENT_OCCURRENCE_LIMIT } from '../src/holds/hold-announcer';
import { WINDOWS_PER_ANNOUNCEMENT } from '../src/holds/window-announcement-backlog';
import { HoldsService } from '../src/holds/holds.service';
import { PlannerSweep } from '../src/holds/planner-sweep.service';

const clock = new ManualClock('2026-09-01T00:00:00Z');
const WINDOWS = WINDOWS_PER_ANNOUNCEMENT + 20;

/**
 * A hold over more windows than one transaction announces is committed first and owes its
 * window.held events. To see the moments in between, a connection of the spec's own holds the
 * outbox's lock on one window's key (the lowest window id, in the first batch announced), which
 * stops the announcing transaction inside, as a slow or stopped planner would be.
 */
describe('maintenance-planner: a hold over many windows gates at once and announces its windows after it', () => {
  let service: ServiceUnderTest;
  let windowEvents: TopicRecorder;
  let holdEvents: TopicRecorder;
  let spy: Client;

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await service.fetch(path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, any> };
  };
  /** `WINDOWS` one-off windows in the region, in creation order (so in window id order: ids are UUIDv7). */
  const planWindows = async (region: string): Promise<string[]> => {
    const ids: string[] = [];
    for (let index = 0; index < WINDOWS; index++) {
      const startsAt = new Date(Date.parse('2026-09-02T00:00:00Z') + index * 600_000);
      const planned = await api('POST', '/v1/windows', {
        title: `cache node ${index} in ${region}`,
        ownerTeam: 'edge',
        footprint: { global: false, regions: [region] },
        startsAt: startsAt.toISOString(),
        endsAt: new Date(startsAt.getTime() + 300_000).toISOString(),
        plannedZone: 'UTC',
      });
      expect(planned.status, JSON.stringify(planned.body)).toBe(201);
      ids.push(planned.body.windowId);
    }
    return ids;
  };
  const placeHold = async (region: string) => {
    const hold = await api('POST', '/v1/holds', { regions: [region], from: '2026-09-01T00:00:00Z', until: '2026-09-05T00:00:00Z', reason: `Elections in ${region}` });
    expect(hold.status, JSON.stringify(hold.body)).toBe(201);
    return hold.body.id as string;
  };
  const typesOf = (windowId: string) => windowEvents.messages.filter((message) => message.key === windowId).map((message) => message.headers.ce_type);
  const heldEventsOf = (windowIds: readonly string[]) => windowEvents.messages.filter((message) => message.headers.ce_type === 'window.held' && windowIds.includes(message.key!));
  const owed = async (holdId: string, kind = 'held') => (await spy.query('SELECT announced_through FROM hold_announcement WHERE hold_id = $1 AND kind = $2', [holdId, kind])).rows;
  const releasedEventsOf = (windowIds: readonly string[]) => windowEvents.messages.filter((message) => message.headers.ce_type === 'window.released' && windowIds.includes(message.key!));
  /** The outbox's lock on the window's key, as OutboxWriter takes it (held until unlocked). */
  const lockWindowKey = (windowId: string) => spy.query(`SELECT pg_advisory_lock(hashtext('maintenance_planner'), hashtext($1))`, [`${Topics.maintenanceWindows}/${windowId}`]);
  const unlockWindowKey = (windowId: string) => spy.query(`SELECT pg_advisory_unlock(hashtext('maintenance_planner'), hashtext($1))`, [`${Topics.maintenanceWindows}/${windowId}`]);
  const owedSecondsMetric = async () => Number(/^holdfast_hold_announcements_owed_seconds\S* (\S+)$/m.exec(await (await service.fetch('/metrics')).text())?.[1]);
  const waiting = async (on: 'advisory' | 'hold_announcement') =>
    (
      await spy.query(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'
            AND (CASE WHEN $1 = 'advisory' THEN wait_event = 'advisory' ELSE query LIKE '%FROM hold_announcement%' END)`,
        [on],
      )
    ).rows as { pid: number }[];

  beforeAll(async () => {
    service = await startServiceUnderTest(plannerService, { clock, environment: { PLANNER_SWEEP_INTERVAL_SECONDS: '0' } });
    const kafka = createKafka(service.config.kafka, silentLogger);
    windowEvents = await recordTopic(kafka, physicalTopic(service.config.kafka, Topics.maintenanceWindows), `${service.config.kafka.topicPrefix}window-reader`);
    holdEvents = await recordTopic(kafka, physicalTopic(service.config.kafka, Topics.maintenanceHolds), `${service.config.kafka.topicPrefix}hold-reader`);
    spy = new Client({ connectionString: service.database.url, options: '-c search_path=maintenance_planner' });
    await spy.connect();
  });

  afterAll(async () => {
    await spy?.end();
    await windowEvents?.stop();
    await holdEvents?.stop();
    await service?.close();
  });

  it(`answers 423 for all ${WINDOWS} windows as soon as the hold is placed, then announces each window once, after its window.scheduled`, async () => {
    const windowIds = await planWindows('PE');
    await lockWindowKey(windowIds[0]);
    // What the fan-out hands back to the planner: one row of counts, not a row per link it made.
    const queries = vi.spyOn(EntityManager.prototype, 'query');
    let holdId: string;
    try {
      holdId = await placeHold('PE');
      const fanOuts = queries.mock.calls.flatMap(([sql], index) => (sql.includes('INSERT INTO hold_occurrence') ? [queries.mock.results[index].value as Promise<unknown[]>] : []));
      expect((await Promise.all(fanOuts)).map((answer) => answer.length)).toEqual([1]);
    } finally {
      queries.mockRestore();
    }
    // The hold is committed and gating while none of its window.held events is written yet.
    for (const windowId of [windowIds[0], windowIds[WINDOWS - 1]]) expect((await api('GET', `/v1/gate?windowId=${windowId}`)).status).toBe(423);
    expect((await api('GET', `/v1/holds/${holdId}`)).body).toMatchObject({ active: true, heldOccurrences: WINDOWS });
    await expectEventually(async () => expect(await waiting('advisory')).toHaveLength(1));
    expect(await owed(holdId)).toEqual([{ announced_through: null }]);
    expect(heldEventsOf(windowIds)).toEqual([]);
    // hold.placed went out with the hold, naming every window it holds.
    await expectEventually(() => expect(holdEvents.messages.filter((message) => message.headers.ce_type === 'hold.placed').map((message) => JSON.parse(message.value))).toContainEqual(
      expect.objectContaining({ holdId, occurrenceCount: WINDOWS, windowIds: expect.arrayContaining(windowIds), windowsTruncated: false }),
    ));

    await unlockWindowKey(windowIds[0]);
    await expectEventually(() => expect(heldEventsOf(windowIds)).toHaveLength(WINDOWS));
    for (const windowId of windowIds) expect(typesOf(windowId)).toEqual(['window.scheduled', 'window.held']);
    expect(await owed(holdId)).toEqual([]);
    const held = JSON.parse(heldEventsOf([windowIds[WINDOWS - 1]])[0].value);
    expect(held).toMatchObject({ windowId: windowIds[WINDOWS - 1], status: 'held', holdId, holdRegions: ['PE'], holdReason: 'Elections in PE', occurrences: [expect.objectContaining({ number: 1 })] });
    const audit = await api('GET', `/v1/audit?subject=${windowIds[WINDOWS - 1]}`);
    expect(audit.body.items.map((entry: { action: string }) => entry.action)).toEqual(['scheduled', 'held']);
  });

  it(`lists the first ${WINDOW_EVENT_OCCURRENCE_LIMIT} runs of a window with more in its owed window.held, says it lists fewer, and reads one run past them, not all`, async () => {
    const windowIds = await planWindows('CL');
    const hourly = await api('POST', '/v1/windows', {
      title: 'hourly log rotation in CL',
      ownerTeam: 'edge',
      footprint: { global: false, regions: ['CL'] },
      startsAt: '2026-09-02T00:30:00Z',
      endsAt: '2026-09-02T00:35:00Z',
      plannedZone: 'America/Santiago',
      recurrence: 'FREQ=HOURLY;COUNT=1300',
    });
    expect(hourly.status, JSON.stringify(hourly.body)).toBe(201);
    const hourlyId = hourly.body.windowId as string;
    const queries = vi.spyOn(EntityManager.prototype, 'query');
    let holdId: string;
    try {
      const hold = await api('POST', '/v1/holds', { regions: ['CL'], from: '2026-09-01T00:00:00Z', until: '2026-11-01T00:00:00Z', reason: 'Elections in CL' });
      expect(hold.status, JSON.stringify(hold.body)).toBe(201);
      holdId = hold.body.id;
      expect((await api('GET', `/v1/holds/${holdId}`)).body).toMatchObject({ heldOccurrences: WINDOWS + 1300 });
      await expectEventually(() => expect(heldEventsOf([...windowIds, hourlyId])).toHaveLength(WINDOWS + 1));
      // The payments' runs: the statements given the debt's hold, placing, cursor and batch size.
      const payments = queries.mock.calls.flatMap(([sql, parameters], index) =>
        String(sql).includes('link_kind') && parameters?.length === 4 && parameters[0] === holdId ? [queries.mock.results[index].value as Promise<{ window_id: string }[]>] : [],
      );
      const runsRead = (await Promise.all(payments)).flat().filter((run) => run.window_id === hourlyId);
      expect(runsRead).toHaveLength(WINDOW_EVENT_OCCURRENCE_LIMIT + 1);
    } finally {
      queries.mockRestore();
    }
    const held = JSON.parse(heldEventsOf([hourlyId])[0].value);
    expect(held).toMatchObject({ windowId: hourlyId, holdId, occurrencesTruncated: true });
    expect(held.occurrences.map((occurrence: { number: number }) => occurrence.number)).toEqual(Array.from({ length: WINDOW_EVENT_OCCURRENCE_LIMIT }, (_, index) => index + 1));
    expect(held.occurrences[0]).toMatchObject({ startsAt: '2026-09-02T00:30:00.000Z', localTimes: [expect.objectContaining({ region: 'CL' })] });
    // A window whose runs all fit says nothing of cutting them.
    expect(JSON.parse(heldEventsOf([windowIds[0]])[0].value)).not.toHaveProperty('occurrencesTruncated');
  });

  it('a hold released while its windows are being announced announces each one held, then released, never released first', async () => {
    const windowIds = await planWindows('BO');
    await lockWindowKey(windowIds[0]);
    const holdId = await placeHold('BO');
    await expectEventually(async () => expect(await waiting('advisory')).toHaveLength(1));
    // The release waits for the announcement in flight, then announces the rest itself, before its own events.
    const released = api('POST', `/v1/holds/${holdId}/release`, { reason: 'results are in' });
    await expectEventually(async () => expect(await waiting('hold_announcement')).toHaveLength(1));
    await unlockWindowKey(windowIds[0]);
    expect((await released).status).toBe(200);
    await expectEventually(() => expect(releasedEventsOf(windowIds)).toHaveLength(WINDOWS));
    for (const windowId of windowIds) expect(typesOf(windowId)).toEqual(['window.scheduled', 'window.held', 'window.released']);
    // Each says why the hold let go, those the release announced itself and those owed alike.
    expect(new Set(releasedEventsOf(windowIds).map((message) => JSON.parse(message.value).holdReason))).toEqual(new Set(['results are in']));
    expect(await owed(holdId)).toEqual([]);
    await expectEventually(async () => expect(await owed(holdId, 'released')).toEqual([]));
    expect((await api('GET', `/v1/gate?windowId=${windowIds[WINDOWS - 1]}`)).status).toBe(200);
  });

  it('a large release commits with hold.released alone, lets the windows go at once, holds back no other hold, and announces each window released after', async () => {
    const windowIds = await planWindows('PY');
    const holdId = await placeHold('PY');
    await expectEventually(() => expect(heldEventsOf(windowIds)).toHaveLength(WINDOWS));
    await lockWindowKey(windowIds[0]);
    const released = await api('POST', `/v1/holds/${holdId}/release`, { reason: 'turnout counted' });
    expect(released.status, JSON.stringify(released.body)).toBe(200);
    expect((await api('GET', `/v1/gate?windowId=${windowIds[0]}`)).status).toBe(200);
    await expectEventually(async () => expect(await waiting('advisory')).toHaveLength(1));
    expect(await owed(holdId, 'released')).toEqual([{ announced_through: null }]);
    expect(releasedEventsOf(windowIds)).toEqual([]);
    // A surge elsewhere meanwhile is held at once: the release's events take no lock on the whole outbox.
    const other = await api('POST', '/v1/holds', { regions: ['UY'], from: '2026-09-01T00:00:00Z', until: '2026-09-02T00:00:00Z', reason: 'Elections in UY' });
    expect(other.status, JSON.stringify(other.body)).toBe(201);

    await unlockWindowKey(windowIds[0]);
    await expectEventually(() => expect(releasedEventsOf(windowIds)).toHaveLength(WINDOWS));
    for (const windowId of windowIds) expect(typesOf(windowId)).toEqual(['window.scheduled', 'window.held', 'window.released']);
    expect(JSON.parse(releasedEventsOf([windowIds[WINDOWS - 1]])[0].value)).toMatchObject({ windowId: windowIds[WINDOWS - 1], status: 'scheduled', holdId });
    expect(await owed(holdId, 'released')).toEqual([]);
    const audit = await api('GET', `/v1/audit?subject=${windowIds[WINDOWS - 1]}`);
    expect(audit.body.items.map((entry: { action: string }) => entry.action)).toEqual(['scheduled', 'held', 'released']);
  });

  it('a large release owes no window.released to a window it only let through, planned into it with an override', async () => {
    const windowIds = await planWindows('GY');
    const holdId = await placeHold('GY');
    await expectEventually(() => expect(heldEventsOf(windowIds)).toHaveLength(WINDOWS));
    const through = await api('POST', '/v1/windows', {
      title: 'certificate rotation in GY',
      ownerTeam: 'edge',
      footprint: { global: false, regions: ['GY'] },
      startsAt: '2026-09-03T00:00:00Z',
      endsAt: '2026-09-03T00:05:00Z',
      plannedZone: 'UTC',
      override: { reason: 'the certificate expires before the hold ends' },
    });
    expect(through.status, JSON.stringify(through.body)).toBe(201);
    expect((await api('POST', `/v1/holds/${holdId}/release`, { reason: 'results are in' })).status).toBe(200);
    await expectEventually(async () => expect(await owed(holdId, 'released')).toEqual([]));
    await expectEventually(() => expect(releasedEventsOf(windowIds)).toHaveLength(WINDOWS));
    // Written with the debt's last batch, or not at all: the outbox says which.
    const written = await spy.query('SELECT event_type FROM outbox_message WHERE message_key = $1 ORDER BY id', [through.body.windowId]);
    expect(written.rows.map((row: { event_type: string }) => row.event_type)).toEqual(['window.scheduled']);
  });

  it('a window changed while its window.held is owed, its run kept at its time, is still announced held when its turn comes', async () => {
    const windowIds = await planWindows('SR');
    await lockWindowKey(windowIds[0]);
    const holdId = await placeHold('SR');
    await expectEventually(async () => expect(await waiting('advisory')).toHaveLength(1));
    // A window in a later batch than the one stopped takes in a region no hold covers: its run stays held as the hold found it.
    clock.advance(60_000);
    const changed = windowIds[WINDOWS - 1];
    const { version } = (await api('GET', `/v1/windows/${changed}`)).body;
    const wider = await api('PATCH', `/v1/windows/${changed}`, { version, footprint: { global: false, regions: ['SR', 'GF'] } });
    expect(wider.status, JSON.stringify(wider.body)).toBe(200);

    await unlockWindowKey(windowIds[0]);
    await expectEventually(async () => expect(await owed(holdId)).toEqual([]));
    const written = await spy.query('SELECT event_type FROM outbox_message WHERE message_key = $1 ORDER BY id', [changed]);
    expect(written.rows.map((row: { event_type: string }) => row.event_type)).toEqual(['window.scheduled', 'window.updated', 'window.held']);
    const audit = await api('GET', `/v1/audit?subject=${changed}`);
    expect(audit.body.items.map((entry: { action: string }) => entry.action)).toEqual(['scheduled', 'updated', 'held']);
    const startsAt = new Date(Date.parse('2026-09-02T00:00:00Z') + (WINDOWS - 1) * 600_000).toISOString();
    expect(audit.body.items[2].details).toEqual({ holdId, occurrences: [1], runs: [{ number: 1, startsAt }], kind: 'held' });
  });

  it('announcements cut off by a failure are resumed by the sweep where they stopped, each window still announced once', async () => {
    const windowIds = await planWindows('EC');
    await lockWindowKey(windowIds[0]);
    const holdId = await placeHold('EC');
    const [announcing] = await expectEventually(async () => {
      const found = await waiting('advisory');
      expect(found).toHaveLength(1);
      return found;
    });
    // The announcing transaction's connection dies: the transaction is rolled back and the debt stays.
    await spy.query('SELECT pg_terminate_backend($1)', [announcing.pid]);
    await unlockWindowKey(windowIds[0]);
    await expectEventually(async () => expect(await waiting('advisory')).toHaveLength(0));
    expect(await owed(holdId)).toEqual([{ announced_through: null }]);
    expect(heldEventsOf(windowIds)).toEqual([]);
    // Eleven minutes on, an operator sees how long the owners have gone untold (HoldfastHoldAnnouncementsOwed fires past ten).
    clock.advance(11 * 60_000);
    await service.app.get(HoldsService).refreshGauges();
    expect(await owedSecondsMetric()).toBe(660);

    const swept = await service.app.get(PlannerSweep).sweep();
    expect(swept.announced).toBe(WINDOWS);
    expect(await owed(holdId)).toEqual([]);
    await expectEventually(() => expect(heldEventsOf(windowIds)).toHaveLength(WINDOWS));
    for (const windowId of windowIds) expect(typesOf(windowId)).toEqual(['window.scheduled', 'window.held']);
    expect(await owedSecondsMetric()).toBe(0);
  });
});
