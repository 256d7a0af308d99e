/**
 * Spike to hold, end to end: the three services as separate processes on the local broker and
 * PostgreSQL; from the decisive sample produced (bare JSON on traffic.samples.v1, as an outside
 * pipeline writes it) to (a) the hold committed, (b) the signed webhook received by a loopback
 * receiver, and (c) hold.placed read from maintenance.holds.v1 (what dashboards and notifiers
 * consume), over E2E_SURGES (default 220) surges, each in a different region, next to the bare
 * kafkajs hop measured in the same run, as bench/kafka-hop measures it (E2E_BARE_HOPS hops before
 * the services start, default 1000; one more after each counted surge, reported beside them).
 * Beside the hop, the floor of a durable PostgreSQL commit (bench/support/bare-commit-probe.ts):
 * E2E_BARE_COMMITS one-row commits before the services start (default 1000), and one every 100 ms
 * in the background while the counted surges run, so a storage stall that held up a hold's
 * commit shows in the table of the slowest holds.
 * Goals: hold committed p99 <= 100 ms and <= 10x the bare hop, webhook p99 <= 250 ms.
 * Run: npm run bench:e2e
 *
 * "Committed" is seen the way PostgreSQL shows it to every other session: a trigger the bench adds
 * to the planner's hold table in the bench's own database sends a notification, which PostgreSQL
 * delivers to the bench's LISTEN connection only when the placing transaction commits. From that
 * moment the gate answers 423. The planner's code is not changed for it.
 *
 * The topics on the surge's path, and the bare hop's, are brought past the broker's first index
 * write before anything is timed (bench/support/warm-partitions.ts; E2E_WARM_PARTITIONS=0 leaves
 * the services' topics brand new). A local broker started less than five minutes before the run is
 * named as such at the start and beside the verdict: its JVM is still compiling its hot paths.
 */
import { TopicSpecs, Topics } from '@holdfast/contracts';
import { provisionTopics } from '@holdfast/messaging';
import { collectStartUpGarbage } from '@holdfast/service-kit';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { localKafkaConfig, removeRunTopics, runningBrokerPid, startKafka } from '../../deploy/kafka/local-kafka.mjs';
import { verifyWebhook } from '../../scripts/demo/story-2009';
import { buildServices, freePort, startService, type RunningService } from '../../scripts/system/system-runner.mjs';
import { longestCommitDuring, openBareCommitProbe, type BackgroundCommits, type BareCommitProbe } from '../support/bare-commit-probe';
import { openBareHopProbe, type BareHopProbe } from '../support/bare-kafka-hop';
import { listeningPid, processAgeSeconds, processCpuMs } from '../support/process-cpu';
import { warmPartitions } from '../support/warm-partitions';
import { percentile, printTable, writeResults } from '../support/bench-table';
import { HOP_HISTOGRAMS, scrapeHistograms, summarize, type HistogramSnapshot } from './service-histograms';

const SURGES = Number(process.env.E2E_SURGES ?? 220);
const BARE_HOPS = Number(process.env.E2E_BARE_HOPS ?? 1_000);
const BARE_COMMITS = Number(process.env.E2E_BARE_COMMITS ?? 1_000);
// Often enough that any stall of 100 ms or more lands on a probe commit, seldom enough to add little to the services' own flushes.
const COMMIT_PROBE_INTERVAL_MS = 100;
// 0 leaves the services' partitions brand new, each paying the broker's first index write inside the run.
const WARM_PARTITIONS = process.env.E2E_WARM_PARTITIONS !== '0';
// The topics a surge travels through on its way to the hold and the webhook.
const PATH_TOPICS = [Topics.trafficSamples, Topics.regionSurges, Topics.maintenanceHolds, Topics.maintenanceWindows];
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ADMIN_KEY = `bench-admin-${randomBytes(24).toString('base64url')}`;
const log = (line: string) => process.stdout.write(`[e2e] ${line}\n`);
const SERVICE_NAMES = ['maintenance-planner', 'impact-analyzer', 'notifier'] as const;

async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  return withAdminOn(ADMIN_URL, work);
}

async function withAdminOn<T>(databaseUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A promise per region, resolved with the time its event arrived. */
class Arrivals {
  private readonly waiting = new Map<string, (at: number) => void>();
  private readonly arrived = new Map<string, number>();
  expect(region: string, timeoutMs = 10_000): Promise<number> {
    const early = this.arrived.get(region);
    if (early !== undefined) return Promise.resolve(early);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nothing for ${region} within ${timeoutMs} ms`)), timeoutMs);
      this.waiting.set(region, (at) => {
        clearTimeout(timer);
        resolve(at);
      });
    });
  }
  arrive(region: string, at: number): void {
    if (this.arrived.has(region)) return;
    this.arrived.set(region, at);
    this.waiting.get(region)?.(at);
  }
}

async function main(): Promise<void> {
  const brokers = process.env.KAFKA_BROKERS?.split(',') ?? (await startKafka(localKafkaConfig(), { log })).brokers;
  // The local broker's process when this machine runs it, by its pid file or, when another checkout
  // started it, by the port it listens on; none for a broker elsewhere (KAFKA_BROKERS).
  const broker = process.env.KAFKA_BROKERS ? undefined : (runningBrokerPid() ?? listeningPid(Number(brokers[0].split(':').at(-1))));
  const brokerAgeSeconds = processAgeSeconds(broker);
  const youngBroker = brokerAgeSeconds !== undefined && brokerAgeSeconds < YOUNG_BROKER_S;
  if (youngBroker) log(youngBrokerWarning(brokerAgeSeconds));
  const run = `holdfast_bench_e2e_${randomBytes(4).toString('hex')}`;
  await withAdmin((client) => client.query(`CREATE DATABASE "${run}"`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${run}`;
  const topicPrefix = `${run}.`;
  const services: Record<string, RunningService> = {};
  const kafka = new Kafka({ clientId: 'bench-e2e', brokers, logLevel: logLevel.WARN });
  const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
  // The broker answers a waiting fetch as soon as a message arrives (minBytes 1), so a long wait adds
  // nothing to what is measured; a 10 ms one would poll 100 times a second beside the measured services.
  const consumer = kafka.consumer({ groupId: `${topicPrefix}bench-holds`, maxWaitTimeInMs: 1_000 });
  const commits = new Arrivals();
  const holds = new Arrivals();
  const webhooks = new Arrivals();
  let listener: Client | undefined;
  let bareProbe: BareHopProbe | undefined;
  let commitProbe: BareCommitProbe | undefined;
  const bareBetweenSurges: number[] = [];
  // Per region, for the stage breakdown: when each service's transaction created its event (the
  // CloudEvents time) and when its outbox relay sent it (the Kafka timestamp kafkajs sets as it
  // encodes the produce request). All wall clock of this one machine, 1 ms resolution.
  const surgeWrittenAt = new Map<string, number>();
  const surgeSentAt = new Map<string, number>();
  const holdWrittenAt = new Map<string, number>();
  const holdSentAt = new Map<string, number>();
  const holdReadWall = new Map<string, number>();
  let secret = '';
  let badSignatures = 0;
  const receiver = createServer((request, response) => {
    let rawBody = '';
    request.on('data', (chunk: Buffer) => (rawBody += chunk.toString('utf8')));
    request.on('end', () => {
      const at = performance.now();
      response.writeHead(204).end();
      const body = JSON.parse(rawBody) as { type: string; data: { regions: string[] } };
      if (!verifyWebhook(secret, { headers: request.headers, rawBody })) badSignatures++;
      else if (body.type === 'hold.placed') webhooks.arrive(body.data.regions[0], at);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  try {
    // The same probe times one more hop after each counted surge, with the services running.
    bareProbe = await openBareHopProbe(brokers);
    const bareHops: number[] = [];
    // This process times every hop and hold; a scavenge of its own set-up's garbage (10-13 ms under
    // vite-node) counted as part of whichever it fell in. Collected before each timed phase.
    collectStartUpGarbage();
    // As many as bench/kafka-hop times: a p99 of 200 hops is their second slowest, and swings with it.
    for (let i = 0; i < BARE_HOPS; i++) bareHops.push(await bareProbe.hop());
    log(`bare kafkajs hop: ${BARE_HOPS} messages measured before the services start`);
    commitProbe = await openBareCommitProbe(url.toString());
    const bareCommits: number[] = [];
    for (let i = 0; i < BARE_COMMITS; i++) bareCommits.push(await commitProbe.commit());
    log(`bare PostgreSQL commit: ${BARE_COMMITS} one-row commits measured before the services start`);
    buildServices({ log });
    if (WARM_PARTITIONS) {
      // Created as the services would create them (they find them there), then brought to where a running system's partitions are.
      // A silent client: while a new topic's leaders settle, the broker answers metadata with errors that provisionTopics waits out.
      const admin = new Kafka({ clientId: 'bench-e2e-topics', brokers, logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        await provisionTopics(admin, { topicPrefix }, PATH_TOPICS.map((name) => TopicSpecs[name]));
        const warmed = await warmPartitions(brokers, PATH_TOPICS.map((name) => `${topicPrefix}${name}`));
        log(`${warmed} partitions on the surge's path past their first index entry, and emptied again (E2E_WARM_PARTITIONS=0 leaves them new)`);
      } finally {
        await admin.disconnect();
      }
    }
    const env = {
      DATABASE_URL: url.toString(),
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_TOPIC_PREFIX: topicPrefix,
      LOG_LEVEL: 'warn',
      HOLDFAST_BOOTSTRAP_KEY: ADMIN_KEY,
      HOLDFAST_RATE_LIMIT_PER_MINUTE: '0',
      // Each surge is the first sample of a new region: above the warm-up ceiling it surges at once.
      ANALYZER_DETECTION: JSON.stringify({ defaults: { warmupCeiling: 1_000 } }),
      NOTIFIER_OUTBOUND_ALLOW: '127.0.0.1',
    };
    await Promise.all(SERVICE_NAMES.map(async (name) => (services[name] = await startService({ name, port: await freePort(), env }))));
    listener = await watchHoldCommits(url.toString(), commits);
    const call = async <T>(baseUrl: string, path: string, body?: object): Promise<T> => {
      const response = await fetch(`${baseUrl}${path}`, {
        method: body ? 'POST' : 'GET',
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
        body: body ? JSON.stringify(body) : undefined,
      });
      if (!response.ok) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
      return (await response.json()) as T;
    };
    const planner = services['maintenance-planner'].baseUrl;
    // Something for every hold to hold: a global window in the next hour and a regional one per surge region.
    const regions = (await call<{ items: { code: string }[] }>(planner, '/v1/regions')).items.map((region) => region.code).filter((code) => /^[A-Z]{2}$/.test(code));
    if (regions.length < SURGES) throw new Error(`only ${regions.length} regions for ${SURGES} surges`);
    const startsAt = new Date(Math.ceil(Date.now() / 300_000) * 300_000 + 3_600_000);
    const window = (footprint: object, title: string) => ({ title, ownerTeam: 'platform', footprint, startsAt: startsAt.toISOString(), endsAt: new Date(startsAt.getTime() + 3_600_000).toISOString(), plannedZone: 'UTC' });
    await call(planner, '/v1/windows', window({ global: true, regions: [] }, 'Global upgrade'));
    for (const region of regions.slice(0, SURGES)) await call(planner, '/v1/windows', window({ global: false, regions: [region] }, `Patch ${region}`));
    const subscription = await call<{ secret: string }>(services.notifier.baseUrl, '/v1/subscriptions', {
      channel: 'webhook',
      target: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/holds`,
      ownerTeam: 'platform',
      filters: { eventTypes: ['hold.placed'] },
    });
    secret = subscription.secret;

    await producer.connect();
    await consumer.connect();
    const joined = new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, resolve));
    await consumer.subscribe({ topics: [`${topicPrefix}maintenance.holds.v1`, `${topicPrefix}region.surges.v1`], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        const at = performance.now();
        const readWall = Date.now();
        const type = String(message.headers?.ce_type);
        const writtenAt = Date.parse(String(message.headers?.ce_time));
        const sentAt = Number(message.timestamp);
        if (type === 'surge.started') {
          const region = (JSON.parse(message.value!.toString()) as { region: string }).region;
          surgeWrittenAt.set(region, writtenAt);
          surgeSentAt.set(region, sentAt);
        }
        if (type !== 'hold.placed') return;
        const region = (JSON.parse(message.value!.toString()) as { regions: string[] }).regions[0];
        holdWrittenAt.set(region, writtenAt);
        holdSentAt.set(region, sentAt);
        holdReadWall.set(region, readWall);
        holds.arrive(region, at);
      },
    });
    await joined;
    // The surges' phase likewise, after the services' start and the windows planned.
    collectStartUpGarbage();
    log(`three services up, ${SURGES + 1} windows planned; ${SURGES} surges, one region at a time`);

    const committedMs: number[] = [];
    const holdMs: number[] = [];
    const webhookMs: number[] = [];
    const stageNames = [
      ['sampleToSurge', 'sample produced -> surge.started created (analyzer fetch, transaction up to the event)'],
      ['surgeToRelay', 'surge.started created -> sent by the relay (rest of transaction, commit, relay wake-up, outbox read)'],
      ['surgeHopToHold', 'surge.started sent -> hold.placed created (produce, planner fetch, transaction up to the event)'],
      ['holdToRelay', 'hold.placed created -> sent by the relay (rest of transaction, commit, relay wake-up, outbox read)'],
      ['holdHop', 'hold.placed sent -> read by the bench (produce ack, hop)'],
      ['holdToWebhook', 'hold.placed read -> signed webhook received (notifier fetch, record, worker, HTTP)'],
    ] as const;
    const stages = Object.fromEntries(stageNames.map(([key]) => [key, [] as number[]])) as Record<(typeof stageNames)[number][0], number[]>;
    // Where the tail comes from: the slowest surges' first four stages, and when they happened.
    const slowest: { at: string; sent: number; committedAt: number; stages: number[] }[] = [];
    const samplesTopic = `${topicPrefix}traffic.samples.v1`;
    const scrapeAll = () => Promise.all(SERVICE_NAMES.map((name) => scrapeHistograms(services[name].baseUrl, HOP_HISTOGRAMS)));
    let countedFrom: HistogramSnapshot[] = [];
    const cpuAll = async () => ({
      services: SERVICE_NAMES.map((name) => processCpuMs(services[name].child.pid)),
      database: await databaseCpuMs(run),
      broker: processCpuMs(broker),
      bench: processCpuMs(process.pid),
    });
    let cpuFrom = { services: [] as number[], database: new Map<number, number>(), broker: 0, bench: 0 };
    let backgroundCommits: BackgroundCommits | undefined;
    for (const [index, region] of regions.slice(0, SURGES).entries()) {
      if (index === 10) {
        [countedFrom, cpuFrom] = await Promise.all([scrapeAll(), cpuAll()]);
        backgroundCommits = commitProbe.every(COMMIT_PROBE_INTERVAL_MS);
      }
      const committed = commits.expect(region);
      const hold = holds.expect(region);
      const webhook = webhooks.expect(region);
      const sent = performance.now();
      const sentWall = Date.now();
      await producer.send({
        topic: samplesTopic,
        acks: -1,
        messages: [{ key: region, value: JSON.stringify({ region, metric: 'requests', at: new Date().toISOString(), value: 5_000, source: 'bench' }) }],
      });
      const [committedAt, holdAt, webhookAt] = await Promise.all([committed, hold, webhook]);
      if (index >= 10) bareBetweenSurges.push(await bareProbe.hop());
      // The first few surges warm the JIT and connection pools of every hop; they are not counted.
      if (index >= 10) {
        committedMs.push(committedAt - sent);
        holdMs.push(holdAt - sent);
        webhookMs.push(webhookAt - sent);
        const surgeAt = surgeWrittenAt.get(region);
        const surgeSent = surgeSentAt.get(region);
        const placedAt = holdWrittenAt.get(region)!;
        const placedSent = holdSentAt.get(region)!;
        if (surgeAt !== undefined && surgeSent !== undefined) {
          stages.sampleToSurge.push(surgeAt - sentWall);
          stages.surgeToRelay.push(surgeSent - surgeAt);
          stages.surgeHopToHold.push(placedAt - surgeSent);
        }
        slowest.push({
          at: new Date(sentWall).toISOString().slice(11, 23),
          sent,
          committedAt,
          stages: surgeAt !== undefined && surgeSent !== undefined ? [surgeAt - sentWall, surgeSent - surgeAt, placedAt - surgeSent, placedSent - placedAt] : [],
        });
        stages.holdToRelay.push(placedSent - placedAt);
        stages.holdHop.push(holdReadWall.get(region)! - placedSent);
        stages.holdToWebhook.push(webhookAt - holdAt);
      }
      if ((index + 1) % 50 === 0) log(`${index + 1}/${SURGES} surges`);
    }
    const duringSurges = (await backgroundCommits?.stop()) ?? [];
    if (badSignatures > 0) throw new Error(`${badSignatures} webhooks failed signature verification`);

    const stats = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1)! };
    };
    const bare = stats(bareHops);
    const bareBetween = stats(bareBetweenSurges);
    const bareCommit = stats(bareCommits);
    const commitsDuring = stats(duringSurges.map((commit) => commit.ms));
    const stalledCommits = duringSurges.filter((commit) => commit.ms >= STALL_MS).length;
    const committed = stats(committedMs);
    const holdEvent = stats(holdMs);
    const webhook = stats(webhookMs);
    printTable(
      ['from the decisive sample produced', 'p50 ms', 'p99 ms', 'max ms', 'p50 / bare p50', 'p99 / bare p99'],
      [
        ['bare kafkajs hop (baseline, same run, before the services start)', bare.p50.toFixed(1), bare.p99.toFixed(1), bare.max.toFixed(1), 'baseline', 'baseline'],
        [
          'bare kafkajs hop after each counted surge (services running, not the baseline)',
          bareBetween.p50.toFixed(1),
          bareBetween.p99.toFixed(1),
          bareBetween.max.toFixed(1),
          `x${(bareBetween.p50 / bare.p50).toFixed(1)}`,
          `x${(bareBetween.p99 / bare.p99).toFixed(1)}`,
        ],
        ['hold committed (visible to the gate)', committed.p50.toFixed(1), committed.p99.toFixed(1), committed.max.toFixed(1), `x${(committed.p50 / bare.p50).toFixed(1)}`, `x${(committed.p99 / bare.p99).toFixed(1)}`],
        ['hold.placed read from Kafka', holdEvent.p50.toFixed(1), holdEvent.p99.toFixed(1), holdEvent.max.toFixed(1), `x${(holdEvent.p50 / bare.p50).toFixed(1)}`, `x${(holdEvent.p99 / bare.p99).toFixed(1)}`],
        ['signed webhook received', webhook.p50.toFixed(1), webhook.p99.toFixed(1), webhook.max.toFixed(1), `x${(webhook.p50 / bare.p50).toFixed(1)}`, `x${(webhook.p99 / bare.p99).toFixed(1)}`],
      ],
    );
    log(`the storage's floor: a bare one-row PostgreSQL commit, which the surge's and the hold's transactions each wait for as well (${stalledCommits} of ${duringSurges.length} background commits took ${STALL_MS} ms or more):`);
    printTable(
      ['bare PostgreSQL commit', 'commits', 'p50 ms', 'p99 ms', 'max ms'],
      [
        ['before the services start, one after another', String(bareCommits.length), bareCommit.p50.toFixed(1), bareCommit.p99.toFixed(1), bareCommit.max.toFixed(1)],
        [`while the counted surges run, one every ${COMMIT_PROBE_INTERVAL_MS} ms`, String(duringSurges.length), commitsDuring.p50.toFixed(1), commitsDuring.p99.toFixed(1), commitsDuring.max.toFixed(1)],
      ],
    );
    const [countedTo, cpuTo] = await Promise.all([scrapeAll(), cpuAll()]);
    // CPU time per counted surge, which the machine's other load slows but does not add to: the work each hop costs.
    const cpuPerSurgeMs: Record<string, number> = Object.fromEntries(SERVICE_NAMES.map((name, at) => [name, round2((cpuTo.services[at] - cpuFrom.services[at]) / holdMs.length)]));
    cpuPerSurgeMs.postgresql = round2([...cpuTo.database].reduce((sum, [pid, ms]) => sum + ms - (cpuFrom.database.get(pid) ?? 0), 0) / holdMs.length);
    // The broker serves the bench's own clients too (its hop probe, its readers of the holds and surges), so its figure is an upper bound.
    if (broker !== undefined) cpuPerSurgeMs.broker = round2((cpuTo.broker - cpuFrom.broker) / holdMs.length);
    // Not a service, but on the same two cores: what measuring costs the services it measures.
    cpuPerSurgeMs.bench = round2((cpuTo.bench - cpuFrom.bench) / holdMs.length);
    log(
      `CPU time per counted surge (ms; utime + stime from /proc of each service process, of the PostgreSQL sessions on the run's database${broker === undefined ? '' : ", of the local Kafka broker, which serves the bench's clients as well"}, and of this bench's own process: its producer, readers, probes and webhook receiver):`,
    );
    printTable(['process', 'CPU ms per surge'], Object.entries(cpuPerSurgeMs).map(([name, ms]) => [name, ms.toFixed(2)]));
    const hopParts = SERVICE_NAMES.flatMap((name, at) => summarize(countedFrom[at], countedTo[at]).map((summary) => ({ service: name, ...summary })));
    log('the hops\' parts, from each service\'s own histograms over the counted surges (quantiles interpolated within buckets; a batch transaction counts per event):');
    printTable(
      ['service', 'histogram', 'count', '~p50 ms', '~p99 ms'],
      hopParts.map((part) => [part.service, part.series, String(part.count), part.p50Ms.toFixed(1), part.p99Ms.toFixed(1)]),
    );
    const stageStats = Object.fromEntries(stageNames.map(([key]) => [key, stats(stages[key])]));
    log("where the time goes (from the events' CloudEvents time and Kafka timestamps, same machine clock, 1 ms resolution):");
    printTable(
      ['stage', 'p50 ms', 'p99 ms', 'max ms'],
      stageNames.map(([key, label]) => [label, stageStats[key].p50.toFixed(1), stageStats[key].p99.toFixed(1), stageStats[key].max.toFixed(1)]),
    );
    log('the five slowest holds: when (UTC), their first four stages as above (ms), and the longest background bare commit in flight meanwhile');
    printTable(
      ['sample produced at', 'hold committed ms', 'stages 1-4 ms', 'bare commit meanwhile ms'],
      slowest
        .sort((a, b) => b.committedAt - b.sent - (a.committedAt - a.sent))
        .slice(0, 5)
        .map((surge) => [surge.at, (surge.committedAt - surge.sent).toFixed(1), surge.stages.join(' / '), longestCommitDuring(duringSurges, surge.sent, surge.committedAt).toFixed(1)]),
    );
    const headline = { holdP50Ms: round1(committed.p50), holdP99Ms: round1(committed.p99), webhookP50Ms: round1(webhook.p50), webhookP99Ms: round1(webhook.p99), bareHopP50Ms: round1(bare.p50), bareHopP99Ms: round1(bare.p99) };
    const file = writeResults(
      'e2e',
      headline,
      {
        surges: holdMs.length,
        warmUpSurges: 10,
        holdCommitted: committed,
        holdPlacedOnKafka: holdEvent,
        webhook,
        bareHop: bare,
        bareHopBetweenSurges: bareBetween,
        bareCommit,
        bareCommitDuringSurges: { ...commitsDuring, commits: duringSurges.length, stalls: stalledCommits, stallMs: STALL_MS },
        stages: stageStats,
        hopParts,
        cpuPerSurgeMs,
        ...(brokerAgeSeconds === undefined ? {} : { brokerAgeSeconds: Math.round(brokerAgeSeconds) }),
        loadAverage: loadAverage(),
      },
    );
    log(`goal hold committed p99 <= 100 ms: ${committed.p99 <= 100 ? 'met' : 'NOT met'}; <= 10x bare hop p99: ${committed.p99 <= 10 * bare.p99 ? 'met' : 'NOT met'}; webhook p99 <= 250 ms: ${webhook.p99 <= 250 ? 'met' : 'NOT met'}; figures in ${file}`);
    // Said with the verdict: a young broker slows every hop, and a stalled disk every commit, whatever the services do.
    if (youngBroker) log(youngBrokerWarning(brokerAgeSeconds));
    if (stalledCommits > 0) log(`the disk stalled during the counted surges: ${stalledCommits} background bare commit${stalledCommits === 1 ? '' : 's'} took ${STALL_MS} ms or more, the longest ${commitsDuring.max.toFixed(1)} ms`);
  } finally {
    await listener?.end().catch(() => undefined);
    await bareProbe?.close().catch(() => undefined);
    await commitProbe?.close().catch(() => undefined);
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    receiver.close();
    await Promise.all(Object.values(services).map((service) => service.stop()));
    await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${run}" WITH (FORCE)`));
    await removeRunTopics(brokers, topicPrefix, { log });
  }
}

/**
 * Resolves `commits` for a region when a transaction that inserted a hold on it commits: the
 * trigger's notification is queued in that transaction and PostgreSQL delivers it at commit.
 */
async function watchHoldCommits(databaseUrl: string, commits: Arrivals): Promise<Client> {
  await withAdminOn(databaseUrl, (client) =>
    client.query(`
      CREATE FUNCTION maintenance_planner.bench_hold_committed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_notify('bench_hold_committed', NEW.regions[1]); RETURN NEW; END $$;
      CREATE TRIGGER bench_hold_committed AFTER INSERT ON maintenance_planner.hold
        FOR EACH ROW EXECUTE FUNCTION maintenance_planner.bench_hold_committed();`),
  );
  const listener = new Client({ connectionString: databaseUrl });
  listener.on('notification', ({ payload }) => {
    if (payload) commits.arrive(payload, performance.now());
  });
  await listener.connect();
  await listener.query('LISTEN bench_hold_committed');
  return listener;
}

// Runs on a broker started this recently measured it still compiling (docs/performance-journal.md, "A young broker"):
// within two minutes on a fast machine, and still at 3.7 minutes on a slower one (2026-12-05).
const YOUNG_BROKER_S = 300;
const youngBrokerWarning = (ageSeconds: number) =>
  `the local broker started ${Math.round(ageSeconds)} s before this run: in its first minutes of work its JVM is still compiling, which slows the holds and the baseline hop alike (docs/performance-journal.md, "A young broker"); for a warm broker's figures, run the bench again`;

// A background commit this slow was held up by the storage, not by the work of one commit.
const STALL_MS = 20;
const round1 = (value: number) => Math.round(value * 10) / 10;
const round2 = (value: number) => Math.round(value * 100) / 100;

/** CPU time so far of each PostgreSQL session on the run's database, by backend pid. */
async function databaseCpuMs(database: string): Promise<Map<number, number>> {
  const pids = await withAdmin(async (client) => (await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database])).rows);
  return new Map(pids.map(({ pid }) => [pid, processCpuMs(pid)]));
}

/** The 1, 5 and 15 minute load averages when the run ended: other work on the machine slows every hop. */
function loadAverage(): number[] {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
  } catch {
    return [];
  }
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    process.stderr.write(`[e2e] failed: ${error.message}\n`);
    process.exit(1);
  },
);
