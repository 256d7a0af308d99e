import { ConsumerGroups, createEvent, deadLetterTopicOf, Topics } from '@holdfast/contracts';
import { createKafka, DeadLetterHeaders, MessagingRuntime, physicalTopic, silentLogger } from '@holdfast/messaging';
import { everyPage, expectEventually, ManualClock, produceOnce, recordTopic, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzerService } from '../src/app.module';
import { postAll, postSamples, recordEvents, seasonalLevel, seasonalSeries, type SampleInput } from './support/analyzer-harness';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TEHRAN = 'Asia/Tehran';

interface BaselineView {
  region: string;
  zone: string;
  metrics: { metric: string; values: (number | null)[]; sampleCounts: number[]; sampleCount: number; lastSampleAt: string }[];
}

describe('impact-analyzer: the seasonal detector in the service, on the real broker and PostgreSQL', () => {
  let service: ServiceUnderTest;
  let surges: Awaited<ReturnType<typeof recordEvents>>;
  let baselines: Awaited<ReturnType<typeof recordEvents>>;
  const clock = new ManualClock('2026-06-17T12:00:00Z');

  const baselineOf = async (region: string): Promise<BaselineView> => (await service.fetch(`/v1/regions/${region}/baseline`)).json() as Promise<BaselineView>;
  /** A reader of the samples' dead-letter topic, from its start, under a group of its own. */
  const recordDeadLetters = (reader: string) => {
    const { kafka } = service.config;
    return recordTopic(createKafka(kafka, silentLogger), physicalTopic(kafka, deadLetterTopicOf(Topics.trafficSamples)), `${kafka.topicPrefix}${reader}`);
  };
  const learned = (region: string, count: number) =>
    expectEventually(async () => expect((await baselineOf(region)).metrics?.[0]?.sampleCount).toBe(count), { timeoutMs: 60_000, intervalMs: 200, message: `${region} learned ${count} samples` });

  beforeAll(async () => {
    // The largest batch SAMPLE_BATCH_MAX allows, so a backfill in one request is tried at its most; three metrics a region, so the cap is reached.
    service = await startServiceUnderTest(analyzerService, { clock, environment: { SAMPLE_BATCH_MAX: '5000', SERIES_MAX_PER_REGION: '3' } });
    surges = await recordEvents(service, Topics.regionSurges, 'surges');
    baselines = await recordEvents(service, Topics.regionBaselines, 'baselines');
  });

  afterAll(async () => {
    await surges?.stop();
    await baselines?.stop();
    await service?.close();
  });

  it("learns a region's daily cycle in its own local time, then starts, updates and clears a surge with contract evidence", async () => {
    // Three days of five-minute samples (864, past the 288-sample warm-up) with Tehran's daily cycle.
    const history = seasonalSeries({ region: 'IR', zone: TEHRAN, from: '2026-06-14T00:00:00Z', count: 864 });
    await postAll(service, history);
    await learned('IR', 864);
    expect(surges.events().filter((event) => event.data.region === 'IR')).toEqual([]);

    const baseline = await baselineOf('IR');
    expect(baseline.zone).toBe(TEHRAN);
    const [requests] = baseline.metrics;
    expect(requests.values).toHaveLength(168);
    // Busiest near 18:00 local and quietest near 06:00 local, in Tehran's hours (UTC+3:30), not UTC's.
    const wednesday = (hour: number) => requests.values[2 * 24 + hour]!;
    expect(wednesday(18)).toBeGreaterThan(1.3 * wednesday(12));
    expect(wednesday(6)).toBeLessThan(0.7 * wednesday(12));
    expect(requests.sampleCounts.reduce((sum, n) => sum + n, 0)).toBe(864);
    await expectEventually(() => expect(baselines.events().some((event) => event.data.region === 'IR' && event.data.zone === TEHRAN)).toBe(true));

    // Then a surge that grows for an hour and fades back to normal.
    const start = Date.parse('2026-06-17T00:00:00Z');
    const at = (index: number) => new Date(start + index * 5 * 60_000).toISOString();
    const surge: SampleInput[] = [2, 2.5, 3, 4, 5, 6, 7, 8, 6, 4, 3, 2].map((factor, index) => ({ region: 'IR', at: at(index), value: Math.round(factor * seasonalLevel(TEHRAN, at(index))) }));
    const calm: SampleInput[] = Array.from({ length: 16 }, (_, index) => ({ region: 'IR', at: at(12 + index), value: Math.round(seasonalLevel(TEHRAN, at(12 + index))) }));
    await postAll(service, [...surge, ...calm]);

    const types = () => surges.events().filter((event) => event.data.region === 'IR').map((event) => event.type);
    await expectEventually(() => expect(types().at(-1)).toBe('surge.cleared'), { timeoutMs: 30_000 });
    expect(types()[0]).toBe('surge.started');
    expect(types().filter((type) => type === 'surge.updated').length).toBeGreaterThanOrEqual(1);
    expect(types().filter((type) => type === 'surge.started')).toHaveLength(1);

    const events = surges.events().filter((event) => event.data.region === 'IR');
    const [started] = events;
    const surgeId = started.data.surgeId!;
    expect(surgeId).toMatch(UUID_V7);
    expect(new Set(events.map((event) => event.data.surgeId))).toEqual(new Set([surgeId]));
    expect(started.key).toBe('IR');
    expect(started.data).toMatchObject({ region: 'IR', metric: 'requests', source: 'detector', startedAt: expect.any(String), detectedAt: clock.now().toISOString() });
    expect(started.data.evidence).toMatchObject({ direction: 'up', support: expect.any(String), zScore: expect.any(Number), samples: expect.any(Array) });
    const evidence = started.data.evidence as { observed: number; baseline: number; samples: { expected: number }[] };
    expect(evidence.observed).toBeGreaterThan(1.5 * evidence.baseline);
    expect(evidence.samples.at(-1)!.expected).toBeGreaterThan(0);
    // It starts at twice the level of its local hour, a level the daily cycle reaches at its peak: its end is estimated from the start.
    expect(started.data.expectedEndAt).toEqual(expect.any(String));
    // An expected end is always after the start (the contract's rule).
    for (const event of events.filter((e) => typeof e.data.expectedEndAt === 'string')) expect(Date.parse(event.data.expectedEndAt as string)).toBeGreaterThan(Date.parse(started.data.startedAt as string));
    const cleared = events.at(-1)!;
    expect(Date.parse(cleared.data.clearedAt as string)).toBeGreaterThan(Date.parse(at(11)));

    const listed = (await (await service.fetch(`/v1/surges?region=IR`)).json()) as { items: { id: string; status: string; evidence: unknown; source: string }[] };
    expect(listed.items).toEqual([expect.objectContaining({ id: surgeId, status: 'cleared', source: 'detector', evidence: expect.objectContaining({ direction: 'up' }) })]);
  });

  it('times decisions on live samples apart from those on a backfill, so hours-old history does not read as the p99 of deciding', async () => {
    const latency = async (type: string, arrival: string) => {
      const metrics = await (await service.fetch('/metrics')).text();
      const count = new RegExp(`holdfast_analyzer_decision_latency_seconds_count\\{[^}]*type="${type}",arrival="${arrival}"\\} (\\d+)`).exec(metrics);
      return Number(count?.[1] ?? 0);
    };
    const step = 5 * 60_000;
    const zone = 'Africa/Accra';
    // Two days up to the analyzer's now, with a surge half a day ago: history a pipeline sends late.
    const history = seasonalSeries({ region: 'GH', zone, from: new Date(clock.nowMs() - 576 * step).toISOString(), count: 576 });
    history[420] = { ...history[420], value: Math.round(6 * seasonalLevel(zone, history[420].at)) };
    const before = { backfill: await latency('surge.started', 'backfill'), live: await latency('surge.started', 'live') };
    await postAll(service, history);
    await learned('GH', 576);
    await expectEventually(() => expect(surges.events().filter((event) => event.data.region === 'GH').map((event) => event.type)).toEqual(['surge.started', 'surge.cleared']));
    expect(await latency('surge.started', 'backfill')).toBe(before.backfill + 1);
    expect(await latency('surge.started', 'live')).toBe(before.live);

    // A surge on the sample of this very moment: timed as live.
    const now = clock.now().toISOString();
    await postAll(service, [{ region: 'GH', at: now, value: Math.round(6 * seasonalLevel(zone, now)) }]);
    await expectEventually(() => expect(surges.events().filter((event) => event.data.region === 'GH')).toHaveLength(3));
    expect(await latency('surge.started', 'live')).toBe(before.live + 1);
    expect(await latency('surge.started', 'backfill')).toBe(before.backfill + 1);
  });

  it("takes a backfill of 5,000 samples of one region in one request, more than the broker takes in one send to a partition, and learns every one", async () => {
    const history = seasonalSeries({ region: 'KZ', zone: 'Asia/Almaty', from: '2026-05-30T00:00:00Z', count: 5_000 });
    const response = await postSamples(service, history);
    expect(response.status).toBe(202);
    expect(((await response.json()) as { accepted: number }).accepted).toBe(5_000);
    await learned('KZ', 5_000);
  });

  it('drops duplicated and late samples and never fires on them', async () => {
    const history = seasonalSeries({ region: 'NP', zone: 'Asia/Kathmandu', from: '2026-06-14T00:00:00Z', count: 400, seed: 11 });
    await postAll(service, history);
    await learned('NP', 400);
    // The whole history again (a pipeline replaying), and a huge value dated in the past: nothing changes.
    await postAll(service, history);
    await postSamples(service, [{ region: 'NP', at: history[100].at, value: 1_000_000 }]);
    const marker = { region: 'NP', at: '2026-06-15T09:25:00Z', value: Math.round(seasonalLevel('Asia/Kathmandu', '2026-06-15T09:25:00Z')) };
    await postAll(service, [marker]);
    await learned('NP', 401);
    expect(surges.events().filter((event) => event.data.region === 'NP')).toEqual([]);
  });

  it('refuses a sample of a region the catalog does not know: dead-lettered from Kafka with the reason, listed at GET /v1/dead-letters, never judged in UTC', async () => {
    const { kafka } = service.config;
    const deadLetters = await recordDeadLetters('dlq-reader');
    try {
      const event = createEvent('traffic.sample', { region: 'ZZ', metric: 'requests', at: '2026-06-17T00:00:00Z', value: 10, source: 'pipeline' }, { source: 'spec' });
      await service.app.get(MessagingRuntime).publisher.publish(event);
      await expectEventually(() => expect(deadLetters.messages.map((message) => message.headers[DeadLetterHeaders.reason])).toEqual([expect.stringContaining('unknown region ZZ')]));
      const response = await service.fetch(`/v1/regions/ZZ/baseline`);
      expect(response.status).toBe(404);

      // What an operator reads instead of a Kafka client: which message, who sent it, what it said, where, and why.
      const listed = (await (await service.fetch('/v1/dead-letters?topic=traffic.samples.v1')).json()) as { items: Record<string, unknown>[] };
      expect(listed.items).toEqual([
        {
          consumerGroup: `${kafka.topicPrefix}${ConsumerGroups.analyzerSamples}`,
          topic: Topics.trafficSamples,
          partition: expect.any(Number),
          offset: expect.stringMatching(/^\d+$/),
          eventId: event.id,
          key: 'ZZ',
          source: 'spec',
          body: expect.any(String),
          bodyBytes: expect.any(Number),
          bodyTruncated: false,
          reason: expect.stringMatching(/^refused by the handler: unknown region ZZ/),
          deadLetteredAt: expect.stringMatching(/Z$/),
          replayable: true,
          replayedAt: null,
        },
      ]);
      const [{ body, bodyBytes }] = listed.items as { body: string; bodyBytes: number }[];
      expect(JSON.parse(body)).toEqual(event.data);
      expect(bodyBytes).toBe(Buffer.byteLength(body));
      expect(((await (await service.fetch('/v1/dead-letters?since=2999-01-01T00:00:00Z')).json()) as { items: unknown[] }).items).toEqual([]);

      // Letters of one batch share its transaction's time: pages still hold each once, in the list's order.
      const more = [11, 12, 13, 14].map((value) => createEvent('traffic.sample', { region: 'ZZ', metric: 'requests', at: '2026-06-17T00:00:00Z', value, source: 'pipeline' }, { source: 'spec' }));
      await service.app.get(MessagingRuntime).publisher.publish(...more);
      const whole = await expectEventually(async () => {
        const answer = (await (await service.fetch('/v1/dead-letters?topic=traffic.samples.v1')).json()) as { items: { eventId: string }[]; nextCursor: string | null };
        expect(answer.items).toHaveLength(5);
        return answer;
      });
      expect(whole.nextCursor).toBeNull();
      const pages = await everyPage<{ eventId: string }>((cursor) => service.fetch(`/v1/dead-letters?topic=traffic.samples.v1&limit=2${cursor ? `&cursor=${cursor}` : ''}`));
      expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
      expect(pages.flat()).toEqual(whole.items);
      expect((await service.fetch('/v1/dead-letters?cursor=bm90LWEtY3Vyc29y')).status).toBe(400);
      const refused = await service.fetch('/v1/dead-letters?topic=samples&limit=0');
      expect(refused.status).toBe(400);
      expect(JSON.stringify(await refused.json())).toMatch(/topic.*limit|limit.*topic/);
      expect((await fetch(`${service.baseUrl}/v1/dead-letters`)).status).toBe(401);
    } finally {
      await deadLetters.stop();
    }
  });

  it('lists who sent each refused message and what it said: a key that is not UTF-8 in base64, and a long body cut, its whole size given', async () => {
    const topic = physicalTopic(service.config.kafka, Topics.trafficSamples);
    // An Avro-keyed producer's key, and a sample of a region the catalog does not know with a note of 2,000 two-byte characters.
    const avroKey = Buffer.from([0x00, 0xde, 0xad, 0xbe, 0xef]);
    const wordy = Buffer.from(JSON.stringify({ region: 'XX', metric: 'requests', at: '2026-06-17T00:00:00Z', value: 10, source: 'wordy', note: 'é'.repeat(2000) }));
    await produceOnce(createKafka(service.config.kafka, silentLogger), topic, [
      {
        key: avroKey,
        value: JSON.stringify({ region: 'XX', metric: 'requests', at: '2026-06-17T00:00:00Z', value: 10, source: 'avro' }),
        headers: { ce_specversion: '1.0', ce_id: 'avro-keyed-1', ce_type: 'traffic.sample', ce_source: 'edge-collector-7', 'content-type': 'application/json' },
      },
      { key: 'XX', value: wordy },
    ]);
    const letters = await expectEventually(async () => {
      const { items } = (await (await service.fetch('/v1/dead-letters?topic=traffic.samples.v1&limit=1000')).json()) as { items: { eventId: string | null; key: unknown }[] };
      const ours = items.filter((letter) => letter.eventId === 'avro-keyed-1' || letter.key === 'XX');
      expect(ours).toHaveLength(2);
      return ours;
    });
    expect(letters.find((letter) => letter.eventId === 'avro-keyed-1')).toMatchObject({
      key: { base64: avroKey.toString('base64') },
      source: 'edge-collector-7',
      body: '{"region":"XX","metric":"requests","at":"2026-06-17T00:00:00Z","value":10,"source":"avro"}',
      bodyBytes: 90,
      bodyTruncated: false,
      reason: expect.stringContaining('message key'),
    });
    // Bare JSON carries no ce_source, and a body cut is not read for the sample's own: named as libs/contracts names a bare sample. It is cut at 1024 bytes, where the cut would split an é (99 bytes before the first): left out whole, so the rest reads as text.
    expect(letters.find((letter) => letter.key === 'XX')).toMatchObject({
      eventId: null,
      source: 'kafka:traffic.samples.v1',
      body: wordy.subarray(0, 1023).toString(),
      bodyBytes: wordy.length,
      bodyTruncated: true,
      reason: expect.stringContaining('unknown region XX'),
    });
  });

  it('lists a dead letter of a compacted topic as not replayable, as the replay counts and never sends it', async () => {
    const { kafka } = service.config;
    await produceOnce(createKafka(kafka, silentLogger), physicalTopic(kafka, Topics.apiKeys), [{ key: 'key-of-nobody', value: Buffer.from('{"not":"a key state"}') }]);
    const [letter] = await expectEventually(async () => {
      const listed = (await (await service.fetch(`/v1/dead-letters?topic=${Topics.apiKeys}`)).json()) as { items: { key: unknown; replayable: boolean }[] };
      expect(listed.items).toHaveLength(1);
      return listed.items;
    });
    expect(letter).toMatchObject({ key: 'key-of-nobody', replayable: false });
    const replayed = await service.fetch('/v1/dead-letters/replay', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic: Topics.apiKeys }) });
    expect(await replayed.json()).toMatchObject({ replayed: [], remaining: 0, unreplayable: 1 });
  });

  it("refuses a sample stamped ahead of the analyzer's clock, over HTTP by index and from Kafka as a dead letter, so the series' later samples are still judged", async () => {
    const deadLetters = await recordDeadLetters('dlq-ahead');
    try {
      // The clock reads 2026-06-17T12:00:00Z: a year typed wrong, and a sender's clock four minutes fast (within SAMPLE_MAX_AHEAD_SECONDS).
      const response = await postSamples(service, [
        { region: 'BO', at: '2027-06-17T12:00:00Z', value: 10 },
        { region: 'BO', at: '2026-06-17T11:50:00Z', value: 10 },
        { region: 'BO', at: '2026-06-17T12:04:00Z', value: 10 },
      ]);
      const intake = (await response.json()) as { accepted: number; refused: { index: number; path: string; reason: string }[] };
      expect(intake.accepted).toBe(2);
      expect(intake.refused).toEqual([
        { index: 0, path: 'samples.0.at', reason: expect.stringMatching(/^at 2027-06-17T12:00:00Z is 31536000 s ahead of the analyzer's clock \(2026-06-17T12:00:00.000Z\); samples more than SAMPLE_MAX_AHEAD_SECONDS \(300\) ahead are refused/) },
      ]);
      const typo = createEvent('traffic.sample', { region: 'BO', metric: 'requests', at: '2027-06-17T12:05:00Z', value: 10, source: 'pipeline' }, { source: 'spec' });
      await service.app.get(MessagingRuntime).publisher.publish(typo);
      await expectEventually(() => expect(deadLetters.messages.filter((message) => message.headers.ce_id === typo.id).map((message) => message.headers[DeadLetterHeaders.reason])).toEqual([expect.stringContaining("ahead of the analyzer's clock")]));
      // A sample after both is judged, not dropped as late behind a sample from next year.
      await postSamples(service, [{ region: 'BO', at: '2026-06-17T12:05:00Z', value: 10 }]);
      await learned('BO', 3);
      expect((await baselineOf('BO')).metrics[0].lastSampleAt).toBe('2026-06-17T12:05:00.000Z');
    } finally {
      await deadLetters.stop();
    }
  });

  it('takes samples again, rather than dropping each as late for a year, after its clock ran a year ahead and took a sample stamped then', async () => {
    const now = clock.now().toISOString();
    await postSamples(service, [{ region: 'EC', at: '2026-06-17T11:55:00Z', value: 10 }]);
    await learned('EC', 1);
    try {
      // The host's clock a year ahead: a sender on the same wrong clock is taken.
      clock.set('2027-06-17T12:00:00Z');
      expect((await postSamples(service, [{ region: 'EC', at: '2027-06-17T12:00:00Z', value: 10 }])).status).toBe(202);
      await learned('EC', 2);
    } finally {
      clock.set(now);
    }
    // The clock put right: the series' next samples are judged, not late behind one from next year.
    await postSamples(service, [{ region: 'EC', at: '2026-06-17T12:00:00Z', value: 10 }]);
    await learned('EC', 3);
    await postSamples(service, [{ region: 'EC', at: '2026-06-17T12:05:00Z', value: 10 }]);
    await learned('EC', 4);
    expect((await baselineOf('EC')).metrics[0].lastSampleAt).toBe('2026-06-17T12:05:00.000Z');
  });

  it("dead-letters a sample from Kafka stamped with a zero time (Go's, the Unix epoch), as HTTP refuses it, so its pipeline's fault is listed, not dropped as late", async () => {
    const deadLetters = await recordDeadLetters('dlq-unset');
    try {
      await postSamples(service, [{ region: 'PY', at: '2026-06-17T11:55:00Z', value: 10 }]);
      await learned('PY', 1);
      const unset = ['0001-01-01T00:00:00Z', '1970-01-01T00:00:00Z'].map((at) => createEvent('traffic.sample', { region: 'PY', metric: 'requests', at, value: 10, source: 'pipeline' }, { source: 'spec', subject: 'PY' }));
      await service.app.get(MessagingRuntime).publisher.publish(...unset);
      await expectEventually(() =>
        expect(deadLetters.messages.filter((message) => message.headers.ce_subject === 'PY').map((message) => message.headers[DeadLetterHeaders.reason])).toEqual([
          expect.stringMatching(/^refused by the handler: at 0001-01-01T00:00:00Z is Go's zero time, which a pipeline writes for a time it never set/),
          expect.stringMatching(/^refused by the handler: at 1970-01-01T00:00:00Z is the Unix epoch/),
        ]),
      );
      expect((await baselineOf('PY')).metrics[0]).toMatchObject({ sampleCount: 1, lastSampleAt: '2026-06-17T11:55:00.000Z' });
    } finally {
      await deadLetters.stop();
    }
  });

  it('dead-letters from Kafka a sample older than SAMPLE_MAX_AGE_DAYS in each form a pipeline sends (CloudEvents binary, structured, bare), counted refused, while one hours late is learned', async () => {
    const deadLetters = await recordDeadLetters('dlq-ancient');
    const producer = createKafka(service.config.kafka, silentLogger).producer();
    await producer.connect();
    try {
      const topic = physicalTopic(service.config.kafka, Topics.trafficSamples);
      const sample = (at: string) => ({ region: 'PE', metric: 'requests', at, value: 10, source: 'ancient-pipeline' });
      // The clock reads 2026-06-17T12:00:00Z: thirteen hours late is a pipeline catching up, and is taken.
      await producer.send({ topic, messages: [{ key: 'PE', value: JSON.stringify(sample('2026-06-16T23:00:00Z')) }] });
      await learned('PE', 1);
      // A Unix time in seconds read as milliseconds, a year typed wrong, and a time six weeks back.
      await producer.send({
        topic,
        messages: [
          {
            key: 'PE',
            value: JSON.stringify(sample('1970-01-21T12:00:00Z')),
            headers: { ce_specversion: '1.0', ce_id: 'ancient-1', ce_type: 'traffic.sample', ce_source: 'ancient-pipeline', 'content-type': 'application/json' },
          },
          {
            key: 'PE',
            value: JSON.stringify({ specversion: '1.0', id: 'ancient-2', type: 'traffic.sample', source: 'ancient-pipeline', data: sample('2025-06-17T12:00:00Z') }),
            headers: { 'content-type': 'application/cloudevents+json' },
          },
          { key: 'PE', value: JSON.stringify(sample('2026-05-06T12:00:00Z')) },
        ],
      });
      await expectEventually(() =>
        expect(deadLetters.messages.filter((message) => message.key === 'PE').map((message) => message.headers[DeadLetterHeaders.reason])).toEqual([
          expect.stringMatching(/^refused by the handler: at 1970-01-21T12:00:00Z is 20\d{3} days before the analyzer's clock \(2026-06-17T12:00:00.000Z\); samples older than SAMPLE_MAX_AGE_DAYS \(30\) are refused/),
          expect.stringMatching(/^refused by the handler: at 2025-06-17T12:00:00Z is 365 days before the analyzer's clock/),
          expect.stringMatching(/^refused by the handler: at 2026-05-06T12:00:00Z is 42 days before the analyzer's clock/),
        ]),
      );
      expect((await baselineOf('PE')).metrics[0]).toMatchObject({ sampleCount: 1, lastSampleAt: '2026-06-16T23:00:00.000Z' });
      const metrics = await (await service.fetch('/metrics')).text();
      expect(metrics).toMatch(/holdfast_analyzer_samples_total\{source="ancient-pipeline",outcome="refused"[^}]*\} 3/);
      expect(metrics).toMatch(/holdfast_analyzer_samples_total\{source="ancient-pipeline",outcome="assessed"[^}]*\} 1/);
    } finally {
      await producer.disconnect();
      await deadLetters.stop();
    }
  });

  it('keeps at most SERIES_MAX_PER_REGION metrics of a region, dead-lettering the samples of any more from Kafka, so a metric name carrying an id cannot add a series per sample', async () => {
    const deadLetters = await recordDeadLetters('dlq-series');
    try {
      const at = '2026-06-17T11:00:00Z';
      // Straight onto the topic, as an outside pipeline writes them: HTTP would refuse the last two up front.
      const samples = ['requests', 'errors', 'logins', 'req_7f3a', 'req_91bc'].map((metric) => createEvent('traffic.sample', { region: 'UA', metric, at, value: 10, source: 'pipeline' }, { source: 'spec', subject: 'UA' }));
      await service.app.get(MessagingRuntime).publisher.publish(...samples);
      await expectEventually(() =>
        expect(deadLetters.messages.map((message) => message.headers[DeadLetterHeaders.reason]).filter((reason) => reason.includes(' of UA, '))).toEqual([
          expect.stringMatching(/^refused by the handler: metric req_7f3a would be a new series of UA, which has SERIES_MAX_PER_REGION \(3\) already/),
          expect.stringMatching(/^refused by the handler: metric req_91bc would be a new series of UA/),
        ]),
      );
      const metrics = async () => (await baselineOf('UA')).metrics.map((metric) => metric.metric).sort();
      await expectEventually(async () => expect(await metrics()).toEqual(['errors', 'logins', 'requests']));
      // The kept series go on; a metric the region already has is never refused.
      await postSamples(service, [{ region: 'UA', metric: 'errors', at: '2026-06-17T11:05:00Z', value: 12 }]);
      await expectEventually(async () => expect((await baselineOf('UA')).metrics.find((metric) => metric.metric === 'errors')?.sampleCount).toBe(2));
    } finally {
      await deadLetters.stop();
    }
  });

  it('starts a series again, rather than dead-lettering its samples, when its stored state is of a detector version it cannot read', async () => {
    const client = new Client({ connectionString: service.database.url });
    await client.connect();
    try {
      await client.query(
        `INSERT INTO impact_analyzer.series_state (region, metric, state, last_sample_at, updated_at) VALUES ('PK', 'requests', '{"version": 1}', '2026-06-01T00:00:00Z', now())`,
      );
    } finally {
      await client.end();
    }
    await postSamples(service, [{ region: 'PK', at: '2026-06-17T00:00:00Z', value: 10 }]);
    await learned('PK', 1);
  });
});
