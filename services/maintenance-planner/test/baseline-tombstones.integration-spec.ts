/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
import { ConsumerGroups, createEvent, deadLetterTopicOf, Topics } from '@holdfast/contracts';
import { createKafka, EventPublisher, MessagingRuntime, physicalTopic, silentLogger } from '@holdfast/messaging';
import { expectEventually, ManualClock, produceOnce, recordTopic, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plannerService } from '../src/app.module';

const NO_BASELINE = 'CO: no learned baseline yet; scored as quiet at local night (01:00-05:00 America/Bogota).';

describe("maintenance-planner: a series' baseline retired on region.baselines.v1 (a tombstone), against the real broker and PostgreSQL", () => {
  let service: ServiceUnderTest;
  let publisher: EventPublisher;
  const clock = new ManualClock('2026-06-20T00:00:00Z');

  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, any> }> => {
    const response = await service.fetch(path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const copies = async () => ((await service.app.get(DataSource).query('SELECT region, metric FROM region_baseline ORDER BY region, metric')) as { region: string; metric: string }[]).map((row) => `${row.region}/${row.metric}`);
  // Bogota's traffic: quiet 02:00-05:00 local, busy otherwise.
  const learned = (updatedAt: string) =>
    createEvent(
      'region.baseline',
      { region: 'CO', metric: 'r2req', zone: 'America/Bogota', values: Array.from({ length: 168 }, (_, hour) => (hour % 24 >= 2 && hour % 24 < 5 ? 100 : 5_000)), sampleCount: 300, updatedAt },
      { source: 'planner-spec', subject: 'CO/r2req' },
    );

  beforeAll(async () => {
    service = await startServiceUnderTest(plannerService, { clock, environment: { PLANNER_SWEEP_INTERVAL_SECONDS: '0' } });
    publisher = new EventPublisher(createKafka(service.config.kafka, silentLogger), service.config.kafka);
    await publisher.connect();
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await service?.close();
  });

  it('drops its copy on a tombstone for the key, so suggestions score the region at local night again, until a baseline is published anew', async () => {
    await publisher.publish(learned('2026-06-19T00:00:00Z'), createEvent('region.baseline', { ...learned('2026-06-19T00:00:00Z').data, region: 'PE', zone: 'America/Lima' }, { source: 'planner-spec', subject: 'PE/r2req' }));
    const planned = await api('POST', '/v1/windows', {
      title: 'Bogota edge firmware',
      ownerTeam: 'network-platform',
      footprint: { global: false, regions: ['CO'] },
      startsAt: '2026-06-22T17:00:00Z',
      endsAt: '2026-06-22T18:00:00Z',
      plannedZone: 'America/Bogota',
      flexibility: { earliestStartAt: '2026-06-21T00:00:00Z', deadlineAt: '2026-06-24T00:00:00Z' },
    });
    expect(planned.status, JSON.stringify(planned.body)).toBe(201);
    const suggestions = () => api('GET', `/v1/windows/${planned.body.windowId}/suggestions`);
    await expectEventually(async () => expect(await copies()).toEqual(['CO/r2req', 'PE/r2req']));
    expect((await suggestions()).body).toMatchObject({ scoredRegions: ['CO'], fallbackRegions: [] });

    // As the analyzer's retirement writes it: through the outbox, with the change, published by the relay.
    const { outbox } = service.app.get(MessagingRuntime);
    await service.app.get(DataSource).transaction((transaction) => outbox.addTombstone(transaction, Topics.regionBaselines, 'CO/r2req'));
    await expectEventually(async () => expect(await copies()).toEqual(['PE/r2req']));
    const retired = (await suggestions()).body;
    expect(retired).toMatchObject({ scoredRegions: ['CO'], fallbackRegions: ['CO'] });
    expect(retired.notes).toContain(NO_BASELINE);

    // Learned again later: its next baseline is the planner's copy again.
    await publisher.publish(learned('2026-06-19T06:00:00Z'));
    await expectEventually(async () => expect(await copies()).toEqual(['CO/r2req', 'PE/r2req']));
    const relearned = (await suggestions()).body;
    expect(relearned).toMatchObject({ fallbackRegions: [] });
    expect(relearned.notes).not.toContain(NO_BASELINE);
  });

  it('dead-letters a tombstone whose key names no series, deleting nothing', async () => {
    const { kafka } = service.config;
    const client = createKafka(kafka, silentLogger);
    const letters = await recordTopic(client, physicalTopic(kafka, deadLetterTopicOf(Topics.regionBaselines)), `${kafka.topicPrefix}dlq-reader`);
    try {
      const before = await copies();
      await produceOnce(client, physicalTopic(kafka, Topics.regionBaselines), [{ key: 'PE', value: null }]);
      await expectEventually(() => expect(letters.messages).toHaveLength(1));
      expect(letters.messages[0]).toMatchObject({ key: 'PE', value: '' });
      expect(letters.messages[0].headers).toMatchObject({
        'holdfast-dlq-consumer-group': `${kafka.topicPrefix}${ConsumerGroups.plannerBaselines}`,
        'holdfast-dlq-reason': 'tombstone handler failed after 1 attempt(s): tombstone key "PE" is not region/metric (IR/requests), as region.baselines.v1 is keyed',
      });
      expect(await copies()).toEqual(before);
    } finally {
      await letters.stop();
    }
  });
});
