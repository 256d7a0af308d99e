// The analyzer's sample intake taken apart, for bench:ingest: the same backlog read again by plain
// kafkajs consumers in one process started with the analyzer's own Node flags and fetch settings,
// each pass adding one part of the analyzer's work, built code (dist/) as the service runs it:
//   kafkajs    - counting only;
//   decode     - every message decoded and validated against the contract (decodeEvent, as the
//                service's consumer calls it), a batch's events held until the batch is done;
//   detect     - and then each series' run of samples stepped by the seasonal detector
//                (stepSeriesRun, the service's configuration), its state kept in memory.
// What the service adds to the last is its PostgreSQL transaction per slice (state read and written,
// offset fence, surges) and consumer bookkeeping. Then decoding alone, in memory, of the backlog's
// first samples laid out in each form DESIGN.md section 4 accepts, against Holdfast's own form (the
// backlog's): what an outside pipeline's choice of form costs the intake.
// Spawned by run-ingest-bench.ts after buildServices(); prints one JSON line per pass, then one for
// the forms. Environment: INTAKE_BROKERS, INTAKE_TOPIC, INTAKE_TOTAL, INTAKE_GROUP_PREFIX.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { setTimeout } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';

const require = createRequire(import.meta.url);
const { createEvent, decodeEvent, encodeEvent, Topics } = require('../../dist/libs/contracts/src/index.js');
const { RegionCatalog } = require('../../dist/libs/regions/src/index.js');
const { initialSeriesState, stepSeriesRun } = require('../../dist/services/impact-analyzer/src/detection/index.js');
const { detectionConfigOf } = require('../../dist/services/impact-analyzer/src/samples/detection-policy.js');
const { DEFAULT_REGION_POLICY } = require('../../dist/services/impact-analyzer/src/config/analyzer-settings.js');
const { DEFAULT_PARTITIONS_CONSUMED_CONCURRENTLY } = require('../../dist/libs/messaging/src/index.js');
const { SAMPLE_FETCH_MAX_BYTES } = require('../../dist/services/impact-analyzer/src/samples/traffic-samples.consumer.js');

const { INTAKE_BROKERS, INTAKE_TOPIC, INTAKE_TOTAL, INTAKE_GROUP_PREFIX } = process.env;
if (!INTAKE_BROKERS || !INTAKE_TOPIC || !INTAKE_TOTAL || !INTAKE_GROUP_PREFIX) {
  throw new Error('intake-parts.mjs is run by bench:ingest: INTAKE_BROKERS, INTAKE_TOPIC, INTAKE_TOTAL and INTAKE_GROUP_PREFIX must be set');
}
const TOTAL = Number(INTAKE_TOTAL);
// As the analyzer's sample consumer asks: its fetch size, and partitions at once as the shared consumer's default.
const FETCH = { maxBytes: SAMPLE_FETCH_MAX_BYTES, maxWaitTimeInMs: 10 };

const kafka = new Kafka({ clientId: 'ingest-bench-parts', brokers: INTAKE_BROKERS.split(','), logLevel: logLevel.NOTHING });
const catalog = new RegionCatalog();
const detection = { config: detectionConfigOf({ detection: { defaults: DEFAULT_REGION_POLICY, regions: {} } }), states: new Map() };

const decodeAll = (batch) =>
  batch.messages.map((message) =>
    decodeEvent(Topics.trafficSamples, { key: message.key, value: message.value, headers: message.headers ?? {}, partition: batch.partition, offset: message.offset, timestamp: message.timestamp }),
  );

// The samples the forms are laid out from: the first the decode pass read.
const FORM_SAMPLES = 20_000;
const formSamples = [];
const keepForForms = (events) => {
  for (const event of events) if (formSamples.length < FORM_SAMPLES) formSamples.push(event.data);
  return events;
};

/** Each series' samples of the batch in time order (each time parsed once, as the service sorts them), stepped as one run on the state the series left in memory. */
function detect(events) {
  const bySeries = new Map();
  for (const event of events) {
    const key = `${event.data.region}\u0000${event.data.metric}`;
    const list = bySeries.get(key) ?? [];
    list.push({ atMs: Date.parse(event.data.at), sample: event.data });
    bySeries.set(key, list);
  }
  for (const [key, timed] of bySeries) {
    const { region, metric } = timed[0].sample;
    const samples = timed.sort((a, b) => a.atMs - b.atMs).map(({ sample }) => sample);
    const before = detection.states.get(key) ?? initialSeriesState(region, metric);
    detection.states.set(key, stepSeriesRun(before, samples, { config: detection.config, zone: catalog.zoneOf(region) }).state);
  }
}

const WORK = {
  kafkajs: () => undefined,
  decode: (batch) => keepForForms(decodeAll(batch)),
  detect: (batch) => detect(decodeAll(batch)),
};

const cpuMicros = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

/** One pass of a new group over the backlog: samples a second from its first batch (left out) to the last message, and CPU a sample. */
async function pass(name, work = WORK[name]) {
  let consumed = 0;
  let first = null;
  let last = null;
  const consumer = kafka.consumer({ groupId: `${INTAKE_GROUP_PREFIX}${name}`, ...FETCH });
  await consumer.connect();
  await consumer.subscribe({ topic: INTAKE_TOPIC, fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: DEFAULT_PARTITIONS_CONSUMED_CONCURRENTLY,
    eachBatch: async ({ batch }) => {
      work(batch);
      consumed += batch.messages.length;
      first ??= { at: performance.now(), count: consumed, cpu: cpuMicros() };
      if (consumed >= TOTAL) last ??= { at: performance.now(), cpu: cpuMicros() };
    },
  });
  const deadline = performance.now() + 300_000;
  while (!last) {
    if (performance.now() > deadline) throw new Error(`intake-parts ${name}: only ${consumed}/${TOTAL} samples after 300 s`);
    await setTimeout(5);
  }
  await consumer.disconnect();
  const counted = TOTAL - first.count;
  return { pass: name, perSecond: counted / ((last.at - first.at) / 1000), cpuMicrosPerItem: (last.cpu - first.cpu) / counted };
}

const bytes = (text) => Buffer.from(text);
const asKafkajsHeaders = (headers) => Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, bytes(value)]));

/** A sample as a message in each accepted form, with the headers as Buffers and the place in the log kafkajs gives. */
const FORMS = {
  // What Holdfast produces, as the backlog holds it: CloudEvents binary mode, every attribute.
  holdfast: (sample) => {
    const { key, value, headers } = encodeEvent(createEvent('traffic.sample', sample, { source: 'ingest-bench' }));
    return { key: bytes(key), value, headers: asKafkajsHeaders(headers) };
  },
  // A pipeline that writes the sample and nothing else.
  bare: (sample) => ({ key: bytes(sample.region), value: bytes(JSON.stringify(sample)), headers: {} }),
  // A stock CloudEvents SDK: the required attributes only, a random UUIDv4 id.
  binary: (sample) => ({
    key: bytes(sample.region),
    value: bytes(JSON.stringify(sample)),
    headers: asKafkajsHeaders({ ce_specversion: '1.0', ce_id: crypto.randomUUID(), ce_source: '/edge/pipeline', ce_type: 'traffic.sample', 'content-type': 'application/json' }),
  }),
  structured: (sample) => ({
    key: bytes(sample.region),
    value: bytes(JSON.stringify({ specversion: '1.0', id: crypto.randomUUID(), source: '/edge/pipeline', type: 'traffic.sample', time: sample.at, data: sample })),
    headers: asKafkajsHeaders({ 'content-type': 'application/cloudevents+json; charset=utf-8' }),
  }),
};
const ROUNDS = 5;

/** Microseconds a sample to decode each form's messages, the best of ROUNDS rounds (the first warms V8 up as well). */
function decodingByForm() {
  const timestamp = String(Date.now());
  const micros = {};
  for (const [form, layOut] of Object.entries(FORMS)) {
    const messages = formSamples.map((sample, index) => ({ ...layOut(sample), partition: 0, offset: String(index), timestamp }));
    let best = Number.POSITIVE_INFINITY;
    for (let round = 0; round < ROUNDS; round++) {
      const started = performance.now();
      for (const message of messages) decodeEvent(Topics.trafficSamples, message);
      best = Math.min(best, ((performance.now() - started) * 1000) / messages.length);
    }
    micros[form] = best;
  }
  return { pass: 'forms', samples: formSamples.length, rounds: ROUNDS, microsPerSample: micros };
}

// A fresh process reads its first backlog at about half speed while V8 compiles kafkajs's decoder: that pass is not reported.
await pass('warm-up', WORK.kafkajs);
for (const name of Object.keys(WORK)) process.stdout.write(`${JSON.stringify(await pass(name))}\n`);
process.stdout.write(`${JSON.stringify(decodingByForm())}\n`);
