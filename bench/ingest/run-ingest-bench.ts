/**
 * Samples per second through the impact-analyzer's real intake: Kafka batch consumption, contract
 * decoding, the processed-event ledger, the seasonal detector stepping each (region, metric) state
 * read from and written back to PostgreSQL in the same transaction. Measured against a bare kafkajs
 * consumer reading the same backlog in the same run, then the decision latency: a spike sample
 * produced on a warm region until its surge.started is on region.surges.v1 (outbox relay included).
 *
 * Method: a week of five-minute samples per region is produced first (201,600 by default). The
 * analyzer runs as it does in production: built with SWC and started by the system runner (the one
 * `npm start` uses), in a process of its own, from a fresh database; its rate runs from its first
 * committed batch to the last sample of the backlog. The bare consumer (eachBatch, counting only) reads
 * the same backlog in this process: once to warm up (a cold pass runs at about half speed while V8
 * compiles kafkajs's decoder, which the analyzer's longer run amortises; its rate is reported as
 * coldBareConsumePerSecond), then once before and once after the analyzer, each from its first batch
 * to the last message; the headline takes the faster of those two, so the goal is held against the
 * best the bare consumer did in the run (the pass after the analyzer is often the slower one).
 * Each pass also reports the CPU its process spent per sample over the same span (the analyzer's
 * read from /proc, every thread and the collector included): steadier than a rate on a shared machine.
 * Then the intake taken apart (intake-parts.mjs): the backlog read again in a process started with the
 * analyzer's Node flags and fetch settings, counting only, then with contract decoding, then with the
 * detector as well (state in memory), so each run shows what the parts cost before PostgreSQL
 * (`run.parts`, not in the headline); and contract decoding alone, in memory, of the backlog's first
 * samples laid out in each form an outside pipeline may send (bare JSON, CloudEvents binary with the
 * required attributes only, structured), against Holdfast's own form
 * (`run.decodingMicrosPerSampleByForm`). Last, what a misconfigured pipeline costs: samples the
 * analyzer refuses (unknown regions, then a contract violation), each dead-lettered, timed until the
 * last is recorded (`run.refused`, against the analyzer's rate on good samples).
 * Run: npm run bench:ingest (KAFKA_BROKERS / DATABASE_URL to use others; INGEST_REGIONS and
 * INGEST_SAMPLES_PER_REGION to resize, INGEST_REFUSED for the refused samples of each kind, 20,000 by default; INGEST_FORM=bare produces the backlog and the spikes as bare
 * JSON samples, as most outside pipelines write them, instead of Holdfast's own CloudEvents binary
 * mode). Writes bench/results/ingest.json.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { createEvent, Topics, TopicSpecs, type TrafficSample } from '@holdfast/contracts';
import { createKafka, EventPublisher, physicalTopic, provisionTopics, silentLogger, type KafkaSettings } from '@holdfast/messaging';
import { RegionCatalog } from '@holdfast/regions';
import type { Kafka } from 'kafkajs';
import { DateTime } from 'luxon';
import { Client } from 'pg';
import { analyzerService } from '../../services/impact-analyzer/src/app.module';
import { localKafkaConfig, removeRunTopics, startKafka } from '../../deploy/kafka/local-kafka.mjs';
import { buildServices, freePort, SERVICE_NODE_FLAGS, startService, type RunningService } from '../../scripts/system/system-runner.mjs';
import { percentile } from '../support/bench-table';
import { processCpuMs } from '../support/process-cpu';

/** A count from the environment: a whole number of at least `min`, or the run stops before it starts, saying which. */
function countFrom(name: string, fallback: number, min: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} is "${process.env[name]}": give a whole number of at least ${min} (default ${fallback})`);
  return value;
}

const REGIONS = countFrom('INGEST_REGIONS', 100, 1);
// A week of five-minute samples: a backlog that takes the bare consumer seconds, not a fraction of one;
// at least past the detector's 288-sample warm-up, so the spikes land on warm regions.
const SAMPLES_PER_REGION = countFrom('INGEST_SAMPLES_PER_REGION', 2016, 300);
const FORMS = ['holdfast', 'bare'] as const;
const FORM = (process.env.INGEST_FORM ?? 'holdfast') as (typeof FORMS)[number];
if (!FORMS.includes(FORM)) throw new Error(`INGEST_FORM is "${FORM}": use holdfast (the default, CloudEvents binary mode with every attribute) or bare (a bare JSON sample)`);
const TOTAL = REGIONS * SAMPLES_PER_REGION;
// Per kind of sample the analyzer refuses.
const REFUSED = countFrom('INGEST_REFUSED', 20_000, 100);
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const STEP_MS = 5 * 60_000;
// The backlog ends five minutes before now: the analyzer refuses samples older than SAMPLE_MAX_AGE_DAYS or ahead of its clock.
const FROM = Math.floor(Date.now() / STEP_MS) * STEP_MS - (SAMPLES_PER_REGION + 1) * STEP_MS;
const BACKLOG_DAYS = Math.ceil(((SAMPLES_PER_REGION + 1) * STEP_MS) / 86_400_000) + 1;
const benchStarted = performance.now();
const log = (line: string) => process.stdout.write(`[ingest ${((performance.now() - benchStarted) / 1000).toFixed(1)} s] ${line}\n`);

/** A request count per five minutes with a daily cycle in the region's own zone and ±10% noise. */
function sampleValue(zone: string, atMs: number, seed: number): number {
  const local = DateTime.fromMillis(atMs, { zone });
  const daily = 1 + 0.5 * Math.sin((2 * Math.PI * (local.hour + local.minute / 60 - 12)) / 24);
  const noise = Math.sin(seed * 12.9898 + atMs / STEP_MS * 78.233) * 0.1;
  return Math.round(1_000 * daily * (1 + noise));
}

interface Pass {
  perSecond: number;
  /** CPU the consuming process spent per item over the same span, in microseconds (all its threads, the collector's included). */
  cpuMicrosPerItem: number;
}

const ownCpuMicros = (): number => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

/** Time from the first to the last of `total` items, polled every 5 ms; items per second and the CPU `cpuMicros` counts per item. */
async function rateOf(progress: () => Promise<number> | number, total: number, cpuMicros: () => number, timeoutMs = 600_000): Promise<Pass> {
  const deadline = performance.now() + timeoutMs;
  let first: { at: number; count: number; cpu: number } | null = null;
  for (;;) {
    const count = await progress();
    const now = performance.now();
    if (first === null && count > 0) first = { at: now, count, cpu: cpuMicros() };
    if (count >= total && first) return { perSecond: (total - first.count) / ((now - first.at) / 1000), cpuMicrosPerItem: (cpuMicros() - first.cpu) / (total - first.count) };
    if (now > deadline) throw new Error(`only ${count}/${total} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** One pass of a new consumer group over the backlog, from its first batch (left out) to the last message. */
async function bareConsume(kafka: Kafka, settings: KafkaSettings, pass: string): Promise<Pass> {
  let consumed = 0;
  let first: { at: number; count: number; cpu: number } | null = null;
  let last: { at: number; cpu: number } | null = null;
  const consumer = kafka.consumer({ groupId: `${settings.topicPrefix}bare-${pass}`, maxWaitTimeInMs: 10 });
  await consumer.connect();
  await consumer.subscribe({ topic: physicalTopic(settings, Topics.trafficSamples), fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      consumed += batch.messages.length;
      first ??= { at: performance.now(), count: consumed, cpu: ownCpuMicros() };
      if (consumed >= TOTAL) last ??= { at: performance.now(), cpu: ownCpuMicros() };
    },
  });
  try {
    await rateOf(() => consumed, TOTAL, () => 0);
    const counted = TOTAL - first!.count;
    return { perSecond: counted / ((last!.at - first!.at) / 1000), cpuMicrosPerItem: (last!.cpu - first!.cpu) / counted };
  } finally {
    await consumer.disconnect();
  }
}

type IntakePart = 'kafkajs' | 'decode' | 'detect';

const PART_CASES: Record<IntakePart, string> = {
  kafkajs: 'parts: kafkajs as the analyzer fetches (1 MB, two partitions at once), counting only',
  decode: 'parts: the same + contract decoding of every sample (decodeEvent)',
  detect: 'parts: the same + the seasonal detector per series (state in memory, no PostgreSQL)',
};

type OutsideForm = 'holdfast' | 'bare' | 'binary' | 'structured';

const FORM_CASES: Record<OutsideForm, string> = {
  holdfast: "Holdfast's own: CloudEvents binary mode, every attribute",
  bare: 'bare JSON sample, no headers (id from its place in the log)',
  binary: 'CloudEvents binary mode, the required attributes only, a UUIDv4 id',
  structured: 'CloudEvents structured mode (application/cloudevents+json), an id of its own',
};

interface DecodingByForm {
  pass: 'forms';
  samples: number;
  rounds: number;
  microsPerSample: Record<OutsideForm, number>;
}

/**
 * The analyzer's intake taken apart (intake-parts.mjs): the backlog read again in a process of the
 * analyzer's kind (its Node flags, built code), adding one part of its work per pass; then contract
 * decoding alone of the backlog's first samples in each form outside producers may send.
 */
async function intakeParts(brokers: string[], topic: string, groupPrefix: string): Promise<{ parts: (Pass & { pass: IntakePart })[]; forms: DecodingByForm }> {
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS['impact-analyzer'], resolve('bench/ingest/intake-parts.mjs')], {
    env: { ...process.env, INTAKE_BROKERS: brokers.join(','), INTAKE_TOPIC: topic, INTAKE_TOTAL: String(TOTAL), INTAKE_GROUP_PREFIX: groupPrefix },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.on('close', done));
  if (code !== 0) throw new Error(`the intake parts process exited with ${code}: ${stderr.trim().split('\n').slice(-5).join(' | ')}`);
  const lines = stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as (Pass & { pass: IntakePart }) | DecodingByForm);
  const forms = lines.find((line): line is DecodingByForm => line.pass === 'forms');
  if (!forms) throw new Error('the intake parts process printed no decoding by form');
  return { parts: lines.filter((line): line is Pass & { pass: IntakePart } => line.pass !== 'forms'), forms };
}

async function main(): Promise<void> {
  const brokers = process.env.KAFKA_BROKERS?.split(',') ?? (await startKafka(localKafkaConfig(), { log })).brokers;
  const databaseName = `holdfast_bench_ingest_${Date.now().toString(36)}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${databaseName}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${databaseName}`;
  const topicPrefix = `bench-ingest-${Date.now().toString(36)}.`;
  const serviceEnv = {
    DATABASE_URL: url.toString(),
    KAFKA_BROKERS: brokers.join(','),
    KAFKA_TOPIC_PREFIX: topicPrefix,
    LOG_LEVEL: 'silent',
    ANALYZER_JOB_INTERVAL_MS: '3600000',
    // A backlog longer than the default 30 days (INGEST_SAMPLES_PER_REGION above 8,640) is still taken.
    SAMPLE_MAX_AGE_DAYS: String(Math.max(30, BACKLOG_DAYS)),
  };
  const settings = analyzerService.configFromEnvironment(serviceEnv).kafka;
  const kafka = createKafka(settings, silentLogger);
  const regions = new RegionCatalog().list().slice(0, REGIONS);
  let database: Client | undefined;
  let service: RunningService | undefined;
  try {
    const topicAdmin = kafka.admin();
    await topicAdmin.connect();
    await provisionTopics(topicAdmin, settings, [TopicSpecs[Topics.trafficSamples], TopicSpecs[Topics.regionSurges], TopicSpecs[Topics.regionBaselines]]);
    await topicAdmin.disconnect();
    const publisher = new EventPublisher(kafka, settings);
    const pipeline = kafka.producer({ allowAutoTopicCreation: false });
    await Promise.all([publisher.connect(), pipeline.connect()]);
    /** Samples onto traffic.samples.v1 in the run's form: Holdfast's own events, or bare JSON keyed by region as a pipeline writes them. */
    const produce = async (samples: TrafficSample[]): Promise<void> => {
      if (FORM === 'holdfast') return publisher.publish(...samples.map((sample) => createEvent('traffic.sample', sample, { source: 'ingest-bench' })));
      await pipeline.send({ topic: physicalTopic(settings, Topics.trafficSamples), acks: -1, messages: samples.map((sample) => ({ key: sample.region, value: JSON.stringify(sample) })) });
    };

    log(`producing ${TOTAL} samples (${REGIONS} regions x ${SAMPLES_PER_REGION}, five minutes apart, keyed by region) in ${FORM === 'holdfast' ? "Holdfast's own form" : 'bare JSON'}`);
    // Twenty time steps of every region per send: production is not measured, only has to be quick.
    const STEPS_PER_SEND = 20;
    for (let index = 0; index < SAMPLES_PER_REGION; index += STEPS_PER_SEND) {
      const samples: TrafficSample[] = [];
      for (let step = index; step < Math.min(SAMPLES_PER_REGION, index + STEPS_PER_SEND); step++) {
        const atMs = FROM + step * STEP_MS;
        for (const [seed, region] of regions.entries()) {
          samples.push({ region: region.code, metric: 'requests', at: new Date(atMs).toISOString(), value: sampleValue(region.zone, atMs, seed), source: 'bench' });
        }
      }
      await produce(samples);
    }

    log('warming up: a bare kafkajs consumer (eachBatch, counting only) over the backlog');
    const describe = (pass: Pass) => `${Math.round(pass.perSecond)} samples/s, ${pass.cpuMicrosPerItem.toFixed(1)} us of CPU a sample`;
    const cold = await bareConsume(kafka, settings, 'warm-up');
    log(`bare kafkajs, cold: ${describe(cold)}`);
    const bareBefore = await bareConsume(kafka, settings, 'before');
    log(`bare kafkajs, before the analyzer: ${describe(bareBefore)}`);

    log('measuring: the impact-analyzer service (batch consume, ledger, detector state read/stepped/written in PostgreSQL) over the same backlog');
    database = new Client({ connectionString: url.toString() });
    await database.connect();
    // The samples_seen column rather than the detector's state: polled every 5 ms, the probe must not load PostgreSQL itself.
    const assessed = async () => {
      const rows = await database!.query<{ n: string | null }>(`SELECT sum(samples_seen) AS n FROM impact_analyzer.series_state`).catch(() => ({ rows: [{ n: '0' }] }));
      return Number(rows.rows[0]?.n ?? 0);
    };
    buildServices({ log });
    let analyzerPid = 0;
    const starting = startService({ name: 'impact-analyzer', port: await freePort(), env: serviceEnv, onSpawn: (child) => (analyzerPid = child.pid ?? 0) });
    starting.catch(() => undefined);
    const analyzer = await Promise.race([rateOf(assessed, TOTAL, () => processCpuMs(analyzerPid) * 1_000), starting.then(() => new Promise<never>(() => undefined))]);
    service = await starting;
    log(`impact-analyzer: ${describe(analyzer)}`);
    const bareAfter = await bareConsume(kafka, settings, 'after');
    log(`bare kafkajs, after the analyzer: ${describe(bareAfter)}`);
    // The faster pass: neither the load of the moment nor what the analyzer leaves PostgreSQL to do flatters the ratio.
    const bare = bareBefore.perSecond >= bareAfter.perSecond ? bareBefore : bareAfter;
    log('measuring: the intake taken apart, the backlog read again in a process with the analyzer\'s flags, adding contract decoding, then the detector; then decoding alone in each form outside pipelines send');
    const { parts, forms } = await intakeParts(brokers, physicalTopic(settings, Topics.trafficSamples), `${settings.topicPrefix}parts-`);
    for (const part of parts) log(`${PART_CASES[part.pass]}: ${describe(part)}`);
    const formMicros = (form: OutsideForm) => Number(forms.microsPerSample[form].toFixed(2));
    // The passes in the parts' own process compare with their own kafkajs pass too: same process, flags and fetches.
    const partsKafkajs = parts.find((part) => part.pass === 'kafkajs')!;

    log('measuring: decision latency, a spike sample on each warm region until its surge.started is on Kafka');
    const seen = new Map<string, number>();
    const reader = kafka.consumer({ groupId: `${topicPrefix}surge-reader`, maxWaitTimeInMs: 5 });
    await reader.connect();
    await reader.subscribe({ topic: physicalTopic(settings, Topics.regionSurges), fromBeginning: true });
    await reader.run({ eachMessage: async ({ message }) => void (message.headers?.ce_type?.toString() === 'surge.started' && seen.set(message.key!.toString(), performance.now())) });
    const latencies: number[] = [];
    const spikeAt = FROM + SAMPLES_PER_REGION * STEP_MS;
    for (const [seed, region] of regions.entries()) {
      const spike: TrafficSample = { region: region.code, metric: 'requests', at: new Date(spikeAt).toISOString(), value: 10 * sampleValue(region.zone, spikeAt, seed), source: 'bench' };
      const started = performance.now();
      await produce([spike]);
      for (;;) {
        const at = seen.get(region.code);
        if (at !== undefined) {
          latencies.push(at - started);
          break;
        }
        if (performance.now() - started > 10_000) throw new Error(`no surge.started for ${region.code} within 10 s`);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    }
    await reader.disconnect();
    latencies.sort((a, b) => a - b);

    // A misconfigured pipeline: every sample refused, each sent to the dead-letter topic, and the partitions must keep up all the same.
    const deadLettered = async () => {
      const rows = await database!.query<{ n: number }>('SELECT count(*)::int AS n FROM impact_analyzer.dead_letter');
      return rows.rows[0].n;
    };
    const refusedPass = async (kind: string, sampleOf: (index: number) => TrafficSample | Record<string, unknown>): Promise<Pass> => {
      log(`measuring: ${REFUSED} bare JSON samples the analyzer refuses (${kind}), until each is recorded as dead-lettered`);
      const before = await deadLettered();
      for (let index = 0; index < REFUSED; index += 2_000) {
        const messages = Array.from({ length: Math.min(2_000, REFUSED - index) }, (_, offset) => {
          const sample = sampleOf(index + offset);
          return { key: String(sample.region), value: JSON.stringify(sample) };
        });
        await pipeline.send({ topic: physicalTopic(settings, Topics.trafficSamples), acks: -1, messages });
      }
      const pass = await rateOf(async () => (await deadLettered()) - before, REFUSED, () => processCpuMs(analyzerPid) * 1_000);
      log(`impact-analyzer, dead-lettering ${kind}: ${describe(pass)}`);
      return pass;
    };
    const lateAt = new Date(spikeAt + STEP_MS).toISOString();
    // Cloud data-centre names where the contract wants ISO 3166-1 codes: the mistake a new pipeline most likely makes.
    const unknownRegion = await refusedPass('regions the catalog does not know', (index) => {
      const region = regions[index % regions.length];
      return { region: `dc-${region.code.toLowerCase()}-1`, metric: 'requests', at: lateAt, value: 1, source: 'bench' };
    });
    const brokenContract = await refusedPass('an `at` that is not a timestamp, a contract violation', (index) => ({
      region: regions[index % regions.length].code,
      metric: 'requests',
      at: 'yesterday',
      value: 1,
      source: 'bench',
    }));
    await Promise.all([publisher.disconnect(), pipeline.disconnect()]);

    const headline = {
      samplesPerSecond: Math.round(analyzer.perSecond),
      bareConsumePerSecond: Math.round(bare.perSecond),
      ratio: Number((analyzer.perSecond / bare.perSecond).toFixed(3)),
      decisionP50Ms: Number(percentile(latencies, 0.5).toFixed(1)),
      decisionP99Ms: Number(percentile(latencies, 0.99).toFixed(1)),
    };
    const cpu = (pass: Pass) => Number(pass.cpuMicrosPerItem.toFixed(1));
    console.table([
      { case: 'bare kafkajs consume (eachBatch, no work), the faster of the passes before and after', 'samples/s': headline.bareConsumePerSecond, ratio: 'x1.00', 'CPU us/sample': cpu(bare) },
      { case: `impact-analyzer service: intake + detection + state commit (backlog: ${FORM === 'holdfast' ? "Holdfast's form" : 'bare JSON'})`, 'samples/s': headline.samplesPerSecond, ratio: `x${headline.ratio.toFixed(2)}`, 'CPU us/sample': cpu(analyzer) },
      { case: 'bare kafkajs, first pass of this process (cold, not counted)', 'samples/s': Math.round(cold.perSecond), ratio: `x${(analyzer.perSecond / cold.perSecond).toFixed(2)}`, 'CPU us/sample': cpu(cold) },
      ...parts.map((part) => ({
        case: PART_CASES[part.pass],
        'samples/s': Math.round(part.perSecond),
        ratio: `x${(part.perSecond / bare.perSecond).toFixed(2)}`,
        'CPU us/sample': cpu(part),
        'to parts: kafkajs': `x${(part.perSecond / partsKafkajs.perSecond).toFixed(2)}`,
      })),
    ]);
    console.table(
      (Object.keys(FORM_CASES) as OutsideForm[]).map((form) => ({
        [`decoding alone, by form (${forms.samples} of the backlog's samples in memory, best of ${forms.rounds} rounds)`]: FORM_CASES[form],
        'us/sample': formMicros(form),
        "to Holdfast's form": `x${(forms.microsPerSample[form] / forms.microsPerSample.holdfast).toFixed(2)}`,
      })),
    );
    console.table([{ case: `decision latency, spike produced -> surge.started on Kafka (${latencies.length} regions)`, 'p50 ms': headline.decisionP50Ms, 'p99 ms': headline.decisionP99Ms }]);
    const refusedRow = (label: string, pass: Pass) => ({
      [`refused samples, bare JSON, ${REFUSED} each, sent to the dead-letter topic`]: label,
      'samples/s': Math.round(pass.perSecond),
      'to the analyzer on good samples': `x${(pass.perSecond / analyzer.perSecond).toFixed(2)}`,
      'CPU us/sample': cpu(pass),
    });
    console.table([refusedRow('unknown region (refused by the detector, in the batch transaction)', unknownRegion), refusedRow('`at` not a timestamp (contract violation, refused at decoding)', brokenContract)]);
    // npm scripts run from the repository root.
    await mkdir(resolve('bench/results'), { recursive: true });
    await writeFile(
      resolve('bench/results/ingest.json'),
      `${JSON.stringify(
        {
          headline,
          run: {
            form: FORM,
            regions: REGIONS,
            samplesPerRegion: SAMPLES_PER_REGION,
            samples: TOTAL,
            bareBeforePerSecond: Math.round(bareBefore.perSecond),
            bareAfterPerSecond: Math.round(bareAfter.perSecond),
            coldBareConsumePerSecond: Math.round(cold.perSecond),
            analyzerCpuMicrosPerSample: cpu(analyzer),
            bareCpuMicrosPerSample: cpu(bare),
            parts: Object.fromEntries(
              parts.map((part) => [part.pass, { perSecond: Math.round(part.perSecond), cpuMicrosPerSample: cpu(part), ratioToPartsKafkajs: Number((part.perSecond / partsKafkajs.perSecond).toFixed(3)) }]),
            ),
            refused: {
              samplesPerKind: REFUSED,
              unknownRegion: { perSecond: Math.round(unknownRegion.perSecond), cpuMicrosPerSample: cpu(unknownRegion) },
              contractViolation: { perSecond: Math.round(brokenContract.perSecond), cpuMicrosPerSample: cpu(brokenContract) },
            },
            decodingMicrosPerSampleByForm: Object.fromEntries((Object.keys(FORM_CASES) as OutsideForm[]).map((form) => [form, formMicros(form)])),
            loadAverage: loadavg().map((load) => Number(load.toFixed(2))),
            node: process.version,
            at: new Date().toISOString(),
          },
        },
        null,
        2,
      )}\n`,
    );
    log('wrote bench/results/ingest.json');
  } finally {
    await database?.end().catch(() => undefined);
    await service?.stop();
    await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
    await admin.end();
    await removeRunTopics(brokers, topicPrefix, { log });
  }
}

main().catch((error: Error) => {
  process.stderr.write(`[ingest] failed: ${error.message}\nIs PostgreSQL up (DATABASE_URL) and the broker reachable (npm run kafka:status)?\n`);
  process.exit(1);
});
