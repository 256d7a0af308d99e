/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
import { ConsumerGroups, createEvent, Topics, TopicSpecs } from '@holdfast/contracts';
import { createKafka, EventPublisher, physicalTopic, silentLogger } from '@holdfast/messaging';
import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import type { Consumer } from 'kafkajs';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, describe, expect, it } from 'vitest';
import { plannerService } from '../src/app.module';
import { partitionOfRegion } from '../src/gate/surge-log-lag';

const clock = new ManualClock('2026-06-14T22:00:00Z');
const CANDIDATES = ['IR', 'NP', 'JP', 'BR', 'DE', 'FR', 'US', 'IN', 'GB', 'AU', 'MX', 'TR'];

/** Where the gate takes a region's surges to be; the other member's read says whether the producer put them there. */
const partitionOf = (region: string) => partitionOfRegion(region, TopicSpecs[Topics.regionSurges].partitions);

/**
 * A planner judges the partitions of region.surges.v1 assigned to it; here another member of its consumer group (another
 * replica, stuck) takes some, reads a surge on one and never applies it: the planner must not answer "allowed" for that
 * partition's regions, though its own consumer has nothing to catch up on.
 */
describe('maintenance-planner: the gate fails closed while another member of its consumer group has not applied a surge', () => {
  let planner: ServiceUnderTest | undefined;
  let other: Consumer | undefined;
  let publisher: EventPublisher | undefined;

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await planner!.fetch(path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, any>, retryAfter: response.headers.get('retry-after') };
  };
  const plan = async (title: string, footprint: { global: boolean; regions: string[] }) => {
    const window = await call('POST', '/v1/windows', { title, ownerTeam: 'network', footprint, startsAt: '2026-06-14T22:10:00Z', endsAt: '2026-06-14T22:40:00Z', plannedZone: 'UTC' });
    expect(window.status, JSON.stringify(window.body)).toBe(201);
    return window.body.windowId as string;
  };

  afterAll(async () => {
    await other?.disconnect();
    await publisher?.disconnect();
    await planner?.close();
  });

  it("answers 503 surges-unheard for the regions of a partition the group has not applied, 200 for the others', then 423 once the planner takes the partition and holds the region", async () => {
    // 0 turns off the silence rule alone: this is a backlog known not to be applied.
    planner = await startServiceUnderTest(plannerService, { clock, environment: { PLANNER_SWEEP_INTERVAL_SECONDS: '0', GATE_MAX_SURGE_SILENCE_SECONDS: '0' } });
    const { kafka: settings } = planner.config;
    const kafka = createKafka(settings, silentLogger);
    const topic = physicalTopic(settings, Topics.regionSurges);
    other = kafka.consumer({ groupId: settings.topicPrefix + ConsumerGroups.plannerSurges });
    let assigned: number[] = [];
    let otherMember = '';
    other.on(other.events.GROUP_JOIN, ({ payload }) => {
      assigned = payload.memberAssignment[topic] ?? [];
      otherMember = payload.memberId;
    });
    const read: { region: string; partition: number }[] = [];
    await other.connect();
    await other.subscribe({ topic, fromBeginning: true });
    await other.run({ autoCommit: false, eachMessage: async ({ message, partition }) => void read.push({ region: String(message.key), partition }) });

    // The group shared: the other member has some partitions, the planner the rest, and has caught up on its own.
    const shared = await expectEventually(
      async () => {
        const stuck = CANDIDATES.find((region) => assigned.includes(partitionOf(region)));
        const free = CANDIDATES.find((region) => !assigned.includes(partitionOf(region)));
        expect(stuck && free).toBeTruthy();
        expect((await call('GET', `/v1/gate?regions=${free}`)).status).toBe(200);
        return { stuck: stuck!, free: free! };
      },
      { timeoutMs: 30_000, intervalMs: 100, message: 'the other member has joined the group and the planner answers for its own partitions' },
    );
    const { stuck, free } = shared;
    const partition = partitionOf(stuck);
    const regional = await plan('Edge router firmware', { global: false, regions: [stuck] });
    const global = await plan('DNS provider change', { global: true, regions: [] });

    publisher = new EventPublisher(kafka, settings);
    await publisher.connect();
    await publisher.publish(
      createEvent(
        'surge.started',
        {
          surgeId: uuidv7(),
          region: stuck,
          metric: 'declared',
          source: 'declaration',
          severity: 'critical',
          startedAt: '2026-06-14T21:00:00Z',
          detectedAt: '2026-06-14T21:00:00Z',
          expectedEndAt: '2026-06-15T03:00:00Z',
          evidence: { observed: 1, baseline: 0, score: 1 },
          reason: `election in ${stuck}`,
        },
        { source: 'other-members-spec', subject: stuck },
      ),
    );
    // The other member has it in hand, on the partition the spec worked out, and never applies it.
    await expectEventually(() => expect(read).toEqual([{ region: stuck, partition }]), { message: 'the other member reads the surge' });

    const unheard = await expectEventually(
      async () => {
        const answer = await call('GET', `/v1/gate?regions=${stuck}`);
        expect(answer.status).toBe(503);
        return answer;
      },
      { timeoutMs: 15_000, intervalMs: 200, message: `the gate stops answering "allowed" for ${stuck}` },
    );
    expect(unheard).toMatchObject({ retryAfter: '5', body: { code: 'surges-unheard', dependency: 'Kafka', messagesBehind: 1, partitions: [partition] } });
    expect(unheard.body.detail).toContain(`region.surges.v1 partition ${partition}`);
    // Naming the member that has it, as the group's coordinator describes it, for an operator to find.
    expect(unheard.body.detail).toContain(`partition ${partition} is held by group member ${otherMember} on 127.0.0.1`);
    // A window on that region, a global one and a run's start alike; a region of the planner's own partitions is answered.
    expect((await call('GET', `/v1/gate?windowId=${regional}`)).body).toMatchObject({ code: 'surges-unheard', partitions: [partition] });
    expect((await call('GET', `/v1/gate?windowId=${global}`)).body).toMatchObject({ code: 'surges-unheard', partitions: [partition] });
    expect(await call('POST', `/v1/windows/${regional}/occurrences/1/start`)).toMatchObject({ status: 503, body: { code: 'surges-unheard' } });
    expect((await call('GET', `/v1/gate?regions=${free}`)).status).toBe(200);
    // Operators see why on /health, and the planner stays ready.
    for (const probe of ['/health', '/health/ready']) {
      const health = await call('GET', probe);
      expect(health, probe).toMatchObject({
        status: 200,
        body: { status: 'ok', details: { gate: { status: 'up', failingClosed: 'surges-behind-in-group', surgesBehindInGroup: [{ partition, messagesBehind: 1, heldBy: { memberId: otherMember, host: '127.0.0.1' } }] } } },
      });
    }

    // The stuck member leaves: the planner takes its partitions, applies the surge and holds the region; never "allowed" meanwhile.
    await other.disconnect();
    other = undefined;
    const answers = new Set<number>();
    await expectEventually(
      async () => {
        const status = (await call('GET', `/v1/gate?regions=${stuck}`)).status;
        answers.add(status);
        expect(status).toBe(423);
      },
      { timeoutMs: 30_000, intervalMs: 50, message: `${stuck} is held once the planner applies its surge` },
    );
    expect([...answers].filter((status) => status !== 503 && status !== 423)).toEqual([]);
    expect((await call('GET', `/v1/gate?windowId=${regional}`)).status).toBe(423);
    // Its offset committed and read again, the group is caught up.
    await expectEventually(async () => expect((await call('GET', '/health')).body.details.gate).toEqual({ status: 'up' }), { message: 'the gate entry says the group caught up' });
    expect((await call('GET', `/v1/gate?regions=${free}`)).status).toBe(200);
  }, 90_000);
});
