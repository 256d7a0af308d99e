/**
 * Hold event to webhook delivered: N hold.placed events (default 10k) published to Kafka at a
 * steady rate, each delivered to 10 webhook subscriptions on loopback receivers, one of which is
 * deliberately slow. Measures event time -> first receipt per healthy receiver (p50/p99), with the
 * consumer's share (event -> delivery recorded) from the same run as the baseline.
 * Run: npm run bench:notify (NOTIFY_EVENTS, NOTIFY_RATE events/s, NOTIFY_SLOW_MS to resize;
 * KAFKA_BROKERS / DATABASE_URL to use others). Writes bench/results/notify.json.
 */
import { randomBytes } from 'node:crypto';
import { createEvent, type HoldfastEvent } from '@holdfast/contracts';
import { createKafka, EventPublisher, silentLogger, type KafkaSettings } from '@holdfast/messaging';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { Client } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { localKafkaConfig, removeRunTopics, startKafka } from '../../deploy/kafka/local-kafka.mjs';
import { notifierService } from '../../services/notifier/src/app.module';
import { DataSource as DataSourceToken } from 'typeorm';
import { percentile } from '../support/bench-table';

const ADMIN_KEY = `bench-admin-${randomBytes(24).toString('base64url')}`;

const EVENTS = Number(process.env.NOTIFY_EVENTS ?? 10_000);
const RATE = Number(process.env.NOTIFY_RATE ?? 10);
const SLOW_MS = Number(process.env.NOTIFY_SLOW_MS ?? 2_000);
const WARM_UP = 50;
const HEALTHY = 9;
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REGIONS = ['IR', 'NP', 'DE', 'FR', 'US', 'BR', 'JP', 'IN', 'NG', 'EG', 'TR', 'MX'];
// npm runs scripts from the repository root.
const RESULTS_FILE = resolve(process.cwd(), 'bench/results/notify.json');
const log = (line: string) => process.stdout.write(`[notify] ${line}\n`);

interface Receiver {
  server: Server;
  port: number;
  /** webhook-id -> first receipt (epoch ms). */
  firstSeen: Map<string, number>;
  requests: number;
}

async function startReceiver(delayMs: number): Promise<Receiver> {
  const receiver: Receiver = { server: createServer(), port: 0, firstSeen: new Map(), requests: 0 };
  receiver.server.on('request', (request, response) => {
    request.resume();
    request.on('end', () => {
      const id = String(request.headers['webhook-id']);
      receiver.requests += 1;
      if (!receiver.firstSeen.has(id)) receiver.firstSeen.set(id, Date.now());
      if (delayMs > 0) setTimeout(() => response.writeHead(204).end(), delayMs);
      else response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
  receiver.port = (receiver.server.address() as AddressInfo).port;
  return receiver;
}

/** A database of its own for the run (libs/testing is for vitest runs only). */
async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `holdfast_notify_bench_${Date.now()}`;
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: ADMIN_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function holdPlaced(): HoldfastEvent<'hold.placed'> {
  const region = REGIONS[Math.floor(Math.random() * REGIONS.length)];
  const now = new Date().toISOString();
  return createEvent(
    'hold.placed',
    { holdId: uuidv7(), regions: [region], reason: `Surge in ${region}`, source: 'detector', causeId: uuidv7(), placedAt: now, from: now, windowIds: [uuidv7()] },
    { source: 'bench-notify' },
  );
}

/** Publishes `count` events at RATE a second; `progress` hears of each tenth published (a run at the defaults lasts 17 minutes). */
async function publishPaced(publisher: EventPublisher, count: number, progress?: (published: number) => void): Promise<HoldfastEvent<'hold.placed'>[]> {
  const published: HoldfastEvent<'hold.placed'>[] = [];
  const tickMs = 50;
  const perTick = Math.max(1, Math.round((RATE * tickMs) / 1000));
  const started = Date.now();
  const tenth = Math.max(1, Math.ceil(count / 10));
  while (published.length < count) {
    const batch = Array.from({ length: Math.min(perTick, count - published.length) }, holdPlaced);
    await publisher.publish(...batch);
    const before = published.length;
    published.push(...batch);
    if (progress && Math.floor(published.length / tenth) > Math.floor(before / tenth)) progress(published.length);
    const due = started + (published.length / RATE) * 1000;
    if (due > Date.now()) await sleep(due - Date.now());
  }
  return published;
}

async function waitUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

async function main(): Promise<void> {
  const brokers = process.env.KAFKA_BROKERS?.split(',') ?? (await startKafka(localKafkaConfig(), { log })).brokers;
  const database = await createDatabase();
  const healthy = await Promise.all(Array.from({ length: HEALTHY }, () => startReceiver(0)));
  const slow = await startReceiver(SLOW_MS);
  const receivers = [...healthy, slow];
  const topicPrefix = `bench-notify-${Date.now()}.`;
  const config = notifierService.configFromEnvironment({
    DATABASE_URL: database.url,
    DATABASE_POOL_SIZE: '20',
    KAFKA_BROKERS: brokers.join(','),
    KAFKA_TOPIC_PREFIX: topicPrefix,
    LOG_LEVEL: 'warn',
    HOLDFAST_BOOTSTRAP_KEY: ADMIN_KEY,
    NOTIFIER_OUTBOUND_ALLOW: receivers.map((receiver) => `127.0.0.1:${receiver.port}`).join(','),
  });
  const app = await notifierService.createApp({ ...config, port: 0 });
  await app.listen(0, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  const kafka: KafkaSettings = { brokers, clientId: 'bench-notify', topicPrefix };
  const publisher = new EventPublisher(createKafka(kafka, silentLogger), kafka);
  try {
    await publisher.connect();
    for (const receiver of receivers) {
      const response = await fetch(`${baseUrl}/v1/subscriptions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
        body: JSON.stringify({ channel: 'webhook', target: `http://127.0.0.1:${receiver.port}/hook`, ownerTeam: 'bench' }),
      });
      if (response.status !== 201) throw new Error(`subscribing answered ${response.status}: ${await response.text()}`);
    }

    log(`warm-up: ${WARM_UP} events`);
    const warmUp = await publishPaced(publisher, WARM_UP);
    await waitUntil(() => healthy.every((receiver) => warmUp.every((event) => receiver.firstSeen.has(event.id))), 60_000);

    log(`measuring: ${EVENTS} events at ${RATE}/s to ${receivers.length} subscriptions (one receiver answers after ${SLOW_MS} ms)`);
    const started = Date.now();
    const receivedByHealthy = () => healthy.reduce((sum, receiver) => sum + receiver.firstSeen.size, 0);
    const receivedBefore = receivedByHealthy();
    const events = await publishPaced(publisher, EVENTS, (published) => {
      const delivered = receivedByHealthy() - receivedBefore;
      log(`${published}/${EVENTS} events published in ${Math.round((Date.now() - started) / 1000)} s; the healthy receivers have ${delivered} of their ${published * healthy.length} deliveries`);
    });
    const allDelivered = await waitUntil(() => healthy.every((receiver) => events.every((event) => receiver.firstSeen.has(event.id))), 300_000);
    const elapsedS = (Date.now() - started) / 1000;

    const latencies = healthy
      .flatMap((receiver) => events.map((event) => (receiver.firstSeen.get(event.id) ?? NaN) - Date.parse(event.time)))
      .filter((value) => !Number.isNaN(value))
      .sort((a, b) => a - b);
    const slowDelivered = events.filter((event) => slow.firstSeen.has(event.id)).length;
    const [recorded] = (await app.get(DataSourceToken).query(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99
       FROM (SELECT EXTRACT(EPOCH FROM (recorded_at - event_time)) * 1000 AS ms FROM delivery WHERE event_id = ANY($1::uuid[])) recorded`,
      [events.map((event) => event.id)],
    )) as [{ p50: number; p99: number }];

    const healthyRow = { deliveries: latencies.length, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: latencies.at(-1) ?? NaN };
    const rows: [string, string, string, string, string][] = [
      ['stage', 'deliveries', 'p50 ms', 'p99 ms', 'max ms'],
      ['event -> recorded by the consumer (baseline)', String(events.length * receivers.length), recorded.p50.toFixed(1), recorded.p99.toFixed(1), '-'],
      [`event -> delivered, ${HEALTHY} healthy receivers`, String(healthyRow.deliveries), healthyRow.p50.toFixed(1), healthyRow.p99.toFixed(1), healthyRow.max.toFixed(1)],
      [`slow receiver (${SLOW_MS} ms per request)`, `${slowDelivered} of ${events.length} in the run`, '-', '-', '-'],
    ];
    const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
    for (const row of rows) process.stdout.write(`${row.map((cell, column) => cell.padEnd(widths[column])).join(' | ')}\n`);
    process.stdout.write(
      `\n${allDelivered ? 'every' : 'NOT every'} healthy delivery arrived; ${elapsedS.toFixed(1)} s for ${EVENTS} events (${((events.length * HEALTHY) / elapsedS).toFixed(0)} healthy deliveries/s); ` +
        `delivered p50 is ${(healthyRow.p50 / recorded.p50).toFixed(1)}x the consumer's recording p50; goal p99 <= 250 ms: ${healthyRow.p99 <= 250 ? 'met' : 'missed'}\n`,
    );
    mkdirSync(dirname(RESULTS_FILE), { recursive: true });
    writeFileSync(
      RESULTS_FILE,
      `${JSON.stringify(
        {
          benchmark: 'notify',
          headline: { deliveredP50Ms: Math.round(healthyRow.p50 * 10) / 10, deliveredP99Ms: Math.round(healthyRow.p99 * 10) / 10 },
          events: EVENTS,
          ratePerSecond: RATE,
          subscriptions: receivers.length,
          slowReceiverMs: SLOW_MS,
          healthy: { deliveries: healthyRow.deliveries, maxMs: Math.round(healthyRow.max), allDelivered },
          recordedBaseline: { p50Ms: Math.round(recorded.p50 * 10) / 10, p99Ms: Math.round(recorded.p99 * 10) / 10 },
          slowReceiverDelivered: slowDelivered,
          elapsedSeconds: Math.round(elapsedS),
          measuredAt: new Date().toISOString(),
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await publisher.disconnect().catch(() => undefined);
    await app.close();
    for (const receiver of receivers) {
      receiver.server.closeAllConnections();
      receiver.server.close();
    }
    await database.drop();
    await removeRunTopics(brokers, topicPrefix, { log });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`[notify] failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
