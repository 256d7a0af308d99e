/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
import { createEvent, Topics, type HoldfastEvent } from '@holdfast/contracts';
import { createKafka, EventPublisher, MessagingRuntime, silentLogger } from '@holdfast/messaging';
import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { Client } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { plannerService } from '../src/app.module';

const clock = new ManualClock('2026-06-14T22:00:00Z');
const environment = { PLANNER_SWEEP_INTERVAL_SECONDS: '0' };
/** Declared while the planner was down, as in the review's run: one surge a region. */
const REGIONS = ['JP', 'IR', 'NP', 'BR', 'DE', 'FR', 'ES', 'PT', 'IT', 'GB', 'US', 'CA', 'MX', 'AR', 'CL', 'PE', 'CO', 'IN', 'PK', 'BD', 'CN', 'KR', 'AU', 'NZ', 'ZA', 'NG', 'EG', 'KE', 'TR', 'SE'];
/** The key placing a hold takes exclusively (LOCK_HOLD_SET_TO_PLACE), held by the spec to keep the backlog's holds from committing. */
const PLACING_KEY = `hashtext('maintenance_planner/hold-set'), 0`;

function declared(region: string): HoldfastEvent<'surge.started'> {
  return createEvent(
    'surge.started',
    {
      surgeId: uuidv7(),
      region,
      metric: 'declared',
      source: 'declaration',
      severity: 'critical',
      startedAt: '2026-06-14T21:00:00Z',
      detectedAt: '2026-06-14T21:00:00Z',
      expectedEndAt: '2026-06-15T03:00:00Z',
      evidence: { observed: 1, baseline: 0, score: 1 },
      reason: `election in ${region}`,
    },
    { source: 'catch-up-spec', subject: region },
  );
}

describe('maintenance-planner: a planner started again answers the gate only once it has applied the surges published while it was down', () => {
  let first: ServiceUnderTest | undefined;
  let firstRunning = false;
  let restarted: ServiceUnderTest | undefined;

  const call = async (service: ServiceUnderTest, method: string, path: string, body?: unknown) => {
    const response = await service.fetch(path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, any>, retryAfter: response.headers.get('retry-after') };
  };

  afterAll(async () => {
    await restarted?.app.close();
    if (firstRunning) await first?.app.close();
    await first?.database.drop();
  });

  it('answers 503 surges-unheard, never 200, until the holds of the backlog are committed, then 423; a start the same; /health says so, still ready', async () => {
    first = await startServiceUnderTest(plannerService, { clock, environment });
    firstRunning = true;
    // Its partitions have nothing to read: caught up as soon as it has started.
    expect((await call(first, 'GET', '/v1/gate?regions=JP')).status).toBe(200);
    const window = await call(first, 'POST', '/v1/windows', {
      title: 'Ballot counting database upgrade',
      ownerTeam: 'elections',
      footprint: { global: false, regions: ['JP'] },
      startsAt: '2026-06-14T22:10:00Z',
      endsAt: '2026-06-14T22:40:00Z',
      plannedZone: 'Asia/Tokyo',
    });
    expect(window.status, JSON.stringify(window.body)).toBe(201);
    const windowId = window.body.windowId as string;
    await first.app.close();
    firstRunning = false;

    // While the planner is down, the analyzer publishes a surge a region.
    const kafka = createKafka(first.config.kafka, silentLogger);
    const publisher = new EventPublisher(kafka, first.config.kafka);
    await publisher.connect();
    await publisher.publish(...REGIONS.map(declared));
    await publisher.disconnect();

    // The holds they place wait for the spec's key: the restarted planner has them in hand, not applied.
    const placing = new Client({ connectionString: first.database.url });
    await placing.connect();
    await placing.query(`SELECT pg_advisory_lock(${PLACING_KEY})`);
    try {
      restarted = await startServiceUnderTest(plannerService, { clock, topicPrefix: first.config.kafka.topicPrefix, environment: { ...environment, DATABASE_URL: first.database.url } });
      for (const asked of ['regions=JP', `windowId=${windowId}`]) {
        const catchingUp = await call(restarted, 'GET', `/v1/gate?${asked}`);
        expect(catchingUp, asked).toMatchObject({ status: 503, retryAfter: '5', body: { code: 'surges-unheard', dependency: 'Kafka', messagesBehind: REGIONS.length } });
        expect(catchingUp.body.detail).toContain(`is catching up on region.surges.v1 after its start: ${REGIONS.length} messages behind`);
      }
      expect(await call(restarted, 'POST', `/v1/windows/${windowId}/occurrences/1/start`)).toMatchObject({ status: 503, body: { code: 'surges-unheard' } });
      // Operators see why the gate fails closed, and the planner stays ready: the gate's 503 is the answer meanwhile.
      for (const probe of ['/health', '/health/ready']) {
        const health = await call(restarted, 'GET', probe);
        expect(health, probe).toMatchObject({ status: 200, body: { status: 'ok', details: { gate: { status: 'up', failingClosed: 'surges-catching-up', surgesCatchingUp: { after: 'start', messagesBehind: REGIONS.length } } } } });
      }
      await placing.query(`SELECT pg_advisory_unlock(${PLACING_KEY})`);

      // Every region asked over and over while the backlog is applied: never "allowed".
      const answers = new Set<number>();
      await expectEventually(
        async () => {
          const statuses = await Promise.all(REGIONS.map(async (region) => (await call(restarted!, 'GET', `/v1/gate?regions=${region}`)).status));
          for (const status of statuses) answers.add(status);
          expect(statuses).toEqual(REGIONS.map(() => 423));
        },
        { timeoutMs: 30_000, intervalMs: 20, message: 'every region declared while the planner was down is held' },
      );
      expect([...answers].filter((status) => status !== 503 && status !== 423)).toEqual([]);
      // The group's committed offsets follow the holds by a commit (about 1 s) and the next read of them (GATE_SURGE_OFFSETS_INTERVAL_SECONDS).
      await expectEventually(async () => expect((await call(restarted!, 'GET', '/health')).body.details.gate).toEqual({ status: 'up' }), { message: 'the gate entry says the group caught up' });
      expect((await call(restarted, 'GET', `/v1/gate?windowId=${windowId}`)).status).toBe(423);
      expect(await call(restarted, 'POST', `/v1/windows/${windowId}/occurrences/1/start`)).toMatchObject({ status: 423, body: { code: 'held' } });
    } finally {
      await placing.end();
    }
  });

  it('says what it catches up after, and how far behind once known, whatever GATE_MAX_SURGE_SILENCE_SECONDS is: 0 turns off the silence rule alone', async () => {
    for (const limit of ['15', '0']) {
      const service = await startServiceUnderTest(plannerService, { clock, environment: { ...environment, GATE_MAX_SURGE_SILENCE_SECONDS: limit } });
      try {
        const messaging = service.app.get(MessagingRuntime);
        expect(messaging.catchingUp(Topics.regionSurges)).toBeUndefined();
        // Its group rebalancing, the offsets of its new assignment not read yet.
        const catchingUp = vi.spyOn(messaging, 'catchingUp').mockReturnValue({ after: 'rebalance' });
        const answer = await call(service, 'GET', '/v1/gate?regions=NP');
        expect(answer.status, limit).toBe(503);
        expect(answer.body.detail).toContain("is catching up on region.surges.v1 after its consumer group's rebalance: the log ends of its partitions not read yet");
        expect(answer.body).not.toHaveProperty('messagesBehind');
        expect(catchingUp).toHaveBeenLastCalledWith(Topics.regionSurges);
        catchingUp.mockReturnValue({ after: 'rebalance', messagesBehind: 1 });
        expect((await call(service, 'GET', '/v1/gate?regions=NP')).body).toMatchObject({ messagesBehind: 1, detail: expect.stringContaining('rebalance: 1 message behind the log ends read when its partitions were assigned') });
        catchingUp.mockReturnValue(undefined);
        // Silent for longer than the default allows: only a limit set to 0 lets the gate answer through it.
        vi.spyOn(messaging, 'silentForMs').mockReturnValue(60_000);
        expect((await call(service, 'GET', '/v1/gate?regions=NP')).status, limit).toBe(limit === '0' ? 200 : 503);
      } finally {
        vi.restoreAllMocks();
        await service.close();
      }
    }
  });
});
