import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { deadLetterTopicOf, Topics, TopicSpecs } from '@holdfast/contracts';
import { createKafka, DeadLetterHeaders, physicalTopic, provisionTopics, silentLogger } from '@holdfast/messaging';
import { expectEventually, ManualClock, produceOnce, recordTopic, startServiceUnderTest, testEnvironment, uniqueTestId, type ServiceUnderTest } from '@holdfast/testing';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { analyzerService } from '../src/app.module';
import { recordEvents } from './support/analyzer-harness';

const testKafkaSettings = () => ({ brokers: testEnvironment().kafkaBrokers, clientId: 'analyzer-spec' });

/** After every sample these specs send (2026-06-14 and 15), within SAMPLE_MAX_AGE_DAYS of all of them. */
const clock = new ManualClock('2026-06-15T12:00:00Z');

describe('impact-analyzer: samples from outside pipelines on Kafka, in all three forms, against the real broker', () => {
  let service: ServiceUnderTest;
  let producer: Producer;
  let surges: Awaited<ReturnType<typeof recordEvents>>;
  let topic: string;

  const sample = (at: string, value: number) => ({ region: 'IR', metric: 'requests', at, value, source: 'cdn-logs' });
  const sampleCount = async () => {
    const response = await service.fetch(`/v1/regions/IR/baseline`);
    return response.status === 200 ? ((await response.json()) as { metrics: { sampleCount: number }[] }).metrics[0].sampleCount : 0;
  };

  beforeAll(async () => {
    service = await startServiceUnderTest(analyzerService, { clock, environment: { ANALYZER_DETECTION: JSON.stringify({ regions: { IR: { warmupCeiling: 1_000, coolDownSamples: 1 } } }) } });
    topic = physicalTopic(service.config.kafka, Topics.trafficSamples);
    producer = createKafka(service.config.kafka, silentLogger).producer();
    await producer.connect();
    surges = await recordEvents(service);
  });

  afterAll(async () => {
    await surges?.stop();
    await producer?.disconnect();
    await service?.close();
  });

  it('assesses a standard CloudEvents binary sample (UUIDv4 id, required attributes only), a structured one and a bare one; a redelivery is dropped', async () => {
    const binaryId = randomUUID();
    const binary = {
      value: JSON.stringify(sample('2026-06-14T21:00:00Z', 5_000)),
      headers: { ce_specversion: '1.0', ce_id: binaryId, ce_type: 'traffic.sample', ce_source: 'cdn-pipeline', 'content-type': 'application/json' },
    };
    const structured = {
      value: JSON.stringify({ specversion: '1.0', id: 'batch-17/4', type: 'traffic.sample', source: 'cdn-pipeline', time: '2026-06-14T21:05:30+03:30', data: sample('2026-06-14T21:05:00Z', 100) }),
      headers: { 'content-type': 'application/cloudevents+json' },
    };
    const bare = { value: JSON.stringify(sample('2026-06-14T21:10:00Z', 120)) };
    // Unkeyed, as outside producers often send them, so each may land on any partition: one at a time keeps their order.
    for (const [index, message] of [binary, structured, bare].entries()) {
      await producer.send({ topic, messages: [message] });
      await expectEventually(async () => expect(await sampleCount()).toBe(index + 1));
    }

    // The pipeline re-sends all three (at-least-once): the ledger knows the CloudEvents ids, and the bare sample is no newer than what its series has seen.
    await producer.send({ topic, messages: [binary, structured, bare] });
    await producer.send({ topic, messages: [{ key: 'IR', value: JSON.stringify(sample('2026-06-14T21:15:00Z', 110)) }] });
    await expectEventually(async () => expect(await sampleCount()).toBe(4));

    await expectEventually(() => expect(surges.events().map((event) => event.type)).toEqual(['surge.started', 'surge.cleared']));
    const [started] = surges.events();
    // An event without a correlation id starts its own chain, named by the producer's own id.
    expect(started.headers.ce_correlationid).toBe(binaryId);
    expect(started.data).toMatchObject({ region: 'IR', source: 'detector', startedAt: '2026-06-14T21:00:00.000Z' });
  });

  it('takes a time with a lower-case t or z in every form, as RFC 3339 allows; dead-letters a bad one saying what may be sent, an unknown region with its time fault, both at once, and with its wrong key after it', async () => {
    const de = (at: string, value: number) => ({ ...sample(at, value), region: 'DE' });
    const deadLetters = await recordTopic(createKafka(service.config.kafka, silentLogger), physicalTopic(service.config.kafka, deadLetterTopicOf(Topics.trafficSamples)), `${service.config.kafka.topicPrefix}dlq-outside-times`);
    try {
      await producer.send({
        topic,
        messages: [
          { key: 'DE', value: JSON.stringify(de('2026-06-14t21:00:00z', 100)), headers: { ce_specversion: '1.0', ce_id: 'lower-1', ce_type: 'traffic.sample', ce_source: 'cdn-pipeline', ce_time: '2026-06-14t21:00:01z' } },
          { key: 'DE', value: JSON.stringify({ specversion: '1.0', id: 'lower-2', type: 'traffic.sample', source: 'cdn-pipeline', data: de('2026-06-14T21:05:00z', 100) }), headers: { 'content-type': 'application/cloudevents+json' } },
          { key: 'DE', value: JSON.stringify(de('2026-06-14t23:40:00+02:30', 100)) },
          { key: 'DE', value: JSON.stringify(de('yesterday', 100)) },
          { key: 'ZZ', value: JSON.stringify({ ...sample('1970-01-21T12:00:00Z', 100), region: 'ZZ' }) },
          // Keyed by a known region: re-keyed to ZZ as the key's fault alone would say, it would be refused for its region next.
          { key: 'PE', value: JSON.stringify({ ...sample('2026-06-14T21:00:00Z', 100), region: 'ZZ' }) },
        ],
      });
      await expectEventually(async () => {
        const response = await service.fetch('/v1/regions/DE/baseline');
        expect(response.status).toBe(200);
        expect(((await response.json()) as { metrics: { sampleCount: number; lastSampleAt: string }[] }).metrics[0]).toMatchObject({ sampleCount: 3, lastSampleAt: '2026-06-14T21:10:00.000Z' });
      });
      await expectEventually(() =>
        // On three partitions (keyed DE, ZZ and PE): in no order between them.
        expect(deadLetters.messages.map((message) => message.headers[DeadLetterHeaders.reason]).sort()).toEqual([
          'contract violation: traffic.sample payload field at: must be an RFC 3339 (ISO 8601) instant in UTC (Z) or with an offset, such as 2026-06-14T21:00:00Z or 2026-06-15T00:30:00+03:30',
          expect.stringMatching(/^refused by the handler: unknown region ZZ: use an ISO 3166-1 alpha-2 country code or a custom region configured in HOLDFAST_CUSTOM_REGIONS; at 1970-01-21T12:00:00Z is 20\d{3} days before the analyzer's clock/),
          'refused by the handler: unknown region ZZ: use an ISO 3166-1 alpha-2 country code or a custom region configured in HOLDFAST_CUSTOM_REGIONS; contract violation: message key "PE" is wrong: traffic.samples.v1 is keyed by region, so this traffic.sample event needs "ZZ"',
        ]),
      );
    } finally {
      await deadLetters.stop();
    }
  });
  it('says in the log, once a minute a series, that samples older than the last taken were left out as late, and how a pipeline loses their order', async () => {
    const warned = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const kr = (at: string) => ({ key: 'KR', value: JSON.stringify({ ...sample(at, 100), region: 'KR', metric: 'logins' }) });
      await producer.send({ topic, messages: [kr('2026-06-14T21:30:00Z')] });
      const counted = async () => {
        const response = await service.fetch('/v1/regions/KR/baseline');
        return response.status === 200 ? ((await response.json()) as { metrics: { sampleCount: number }[] }).metrics[0].sampleCount : 0;
      };
      await expectEventually(async () => expect(await counted()).toBe(1));
      await producer.send({ topic, messages: [kr('2026-06-14T21:20:00Z'), kr('2026-06-14T21:25:00Z')] });
      const said = () => warned.mock.calls.map(([, message]) => String(message)).filter((message) => message.includes('logins in KR'));
      await expectEventually(() =>
        expect(said()).toEqual([
          '2 samples of logins in KR came no later than the last one taken (2026-06-14T21:30:00.000Z) and were left out as late: the detector reads a series in time order. A pipeline that sends samples without the message key (the region) spreads a series over partitions and loses that order: key them by region (holdfast_analyzer_samples_total{outcome="late"} counts them by source)',
        ]),
      );
      // Within the minute, counted but not said again.
      const lateCounted = async () => Number(/holdfast_analyzer_samples_total\{source="cdn-logs",outcome="late"[^}]*\} (\d+)/.exec(await (await service.fetch('/metrics')).text())?.[1] ?? 0);
      const before = await lateCounted();
      await producer.send({ topic, messages: [kr('2026-06-14T21:10:00Z')] });
      await expectEventually(async () => expect(await lateCounted()).toBe(before + 1));
      expect(said()).toHaveLength(1);
      expect(await counted()).toBe(1);
    } finally {
      warned.mockRestore();
    }
  });
});

describe('impact-analyzer: a Kafka batch is judged in time order', () => {
  let service: ServiceUnderTest | undefined;

  afterAll(async () => {
    await service?.close();
  });

  it('learns every sample of a backlog that a pipeline wrote newest first', async () => {
    // The backlog is on the topic before the analyzer starts, so its first fetch takes it as one batch.
    const topicPrefix = `${uniqueTestId('analyzer-order')}.`;
    const settings = { ...testKafkaSettings(), topicPrefix };
    const kafka = createKafka(settings, silentLogger);
    const admin = kafka.admin();
    await admin.connect();
    await provisionTopics(admin, settings, [TopicSpecs[Topics.trafficSamples]]);
    await admin.disconnect();
    const samples = Array.from({ length: 60 }, (_, i) => ({ region: 'NP', metric: 'requests', at: new Date(Date.parse('2026-06-14T00:00:00Z') + i * 300_000).toISOString(), value: 100 + i, source: 'replay' }));
    await produceOnce(kafka, physicalTopic(settings, Topics.trafficSamples), samples.reverse().map((sample) => ({ key: 'NP', value: JSON.stringify(sample) })));

    service = await startServiceUnderTest(analyzerService, { clock, topicPrefix });
    await expectEventually(async () => {
      const response = await service!.fetch(`/v1/regions/NP/baseline`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { metrics: { sampleCount: number; lastSampleAt: string }[] }).metrics[0]).toMatchObject({ sampleCount: 60, lastSampleAt: '2026-06-14T04:55:00.000Z' });
    });
  });
});
