/**
 * How long a revoked API key keeps working: from the revoke request sent to the planner until
 * each of the three services (separate processes, each checking its own copy of the keys) refuses
 * the key, over REVOCATION_ROUNDS keys, next to the bare kafkajs hop measured in the same run.
 * Goal (issue "Who may do what"): p99 under 1 s everywhere. Run: npm run bench:key-revocation
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { localKafkaConfig, removeRunTopics, startKafka } from '../../deploy/kafka/local-kafka.mjs';
import { buildServices, freePort, startService, type RunningService } from '../../scripts/system/system-runner.mjs';
import { measureBareHops } from '../support/bare-kafka-hop';
import { percentile, printTable, writeResults } from '../support/bench-table';

const ROUNDS = Number(process.env.REVOCATION_ROUNDS ?? 100);
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ADMIN_KEY = `bench-admin-${randomBytes(24).toString('base64url')}`;
const READS: Record<string, string> = { 'maintenance-planner': '/v1/holds', 'impact-analyzer': '/v1/surges', notifier: '/v1/deliveries' };
const log = (line: string) => process.stdout.write(`[key-revocation] ${line}\n`);

async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Polls until `done` holds, every 2 ms; resolves with the time it first held. */
async function whenTrue(done: () => Promise<boolean>, timeoutMs = 10_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await done()) return performance.now();
    await new Promise((wake) => setTimeout(wake, 2));
  }
  throw new Error(`not within ${timeoutMs} ms`);
}

async function main(): Promise<void> {
  const brokers = process.env.KAFKA_BROKERS?.split(',') ?? (await startKafka(localKafkaConfig(), { log })).brokers;
  const database = `holdfast_bench_revocation_${randomBytes(4).toString('hex')}`;
  const topicPrefix = `bench-revocation-${Date.now().toString(36)}.`;
  await withAdmin((client) => client.query(`CREATE DATABASE "${database}"`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  const services: Record<string, RunningService> = {};
  try {
    const bareHops = await measureBareHops(brokers, 200, log);
    buildServices({ log });
    const env = {
      DATABASE_URL: url.toString(),
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_TOPIC_PREFIX: topicPrefix,
      LOG_LEVEL: 'warn',
      HOLDFAST_BOOTSTRAP_KEY: ADMIN_KEY,
      // The bench polls far faster than any client would; the limit is not what is measured.
      HOLDFAST_RATE_LIMIT_PER_MINUTE: '0',
    };
    for (const name of Object.keys(READS)) services[name] = await startService({ name, port: await freePort(), env });
    log(`three services up; ${ROUNDS} keys: create, wait until every service accepts it, revoke, time until each refuses it`);

    const planner = services['maintenance-planner'].baseUrl;
    const post = (path: string, body: object) =>
      fetch(`${planner}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` }, body: JSON.stringify(body) });
    const statusAt = async (name: string, key: string) => (await fetch(`${services[name].baseUrl}${READS[name]}`, { headers: { authorization: `Bearer ${key}` } })).status;
    const seen: Record<string, number[]> = Object.fromEntries([...Object.keys(READS), 'everywhere'].map((name) => [name, []]));

    for (let round = 0; round < ROUNDS; round++) {
      const { key, keyId } = (await (await post('/v1/keys', { team: 'bench', scopes: ['read'], name: `round ${round}` })).json()) as { key: string; keyId: string };
      for (const name of Object.keys(READS)) await whenTrue(async () => (await statusAt(name, key)) === 200);
      const sent = performance.now();
      const revoked = post(`/v1/keys/${keyId}/revoke`, { reason: 'bench' });
      const refusedAt = await Promise.all(Object.keys(READS).map((name) => whenTrue(async () => (await statusAt(name, key)) === 401)));
      await revoked;
      Object.keys(READS).forEach((name, index) => seen[name].push(refusedAt[index] - sent));
      seen.everywhere.push(Math.max(...refusedAt) - sent);
      if ((round + 1) % 20 === 0) log(`${round + 1}/${ROUNDS} rounds`);
    }

    const rows = Object.entries(seen).map(([name, values]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return { name, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1)! };
    });
    const bare = { p50: percentile(bareHops, 0.5), p99: percentile(bareHops, 0.99) };
    printTable(
      ['from revoke request to refusal', 'p50 ms', 'p99 ms', 'max ms', 'p50 / bare hop p50'],
      [
        ['bare kafkajs hop (baseline, same run)', bare.p50.toFixed(1), bare.p99.toFixed(1), bareHops.at(-1)!.toFixed(1), 'baseline'],
        ...rows.map((row) => [row.name, row.p50.toFixed(1), row.p99.toFixed(1), row.max.toFixed(1), `x${(row.p50 / bare.p50).toFixed(1)}`]),
      ],
    );
    const everywhere = rows.find((row) => row.name === 'everywhere')!;
    const headline = { revocationP50Ms: round1(everywhere.p50), revocationP99Ms: round1(everywhere.p99), bareHopP50Ms: round1(bare.p50), bareHopP99Ms: round1(bare.p99) };
    const file = writeResults('key-revocation', headline, { rounds: ROUNDS, perService: rows });
    log(`goal p99 < 1000 ms everywhere: ${everywhere.p99 < 1_000 ? 'met' : 'NOT met'} (${everywhere.p99.toFixed(1)} ms); figures in ${file}`);
  } finally {
    await Promise.all(Object.values(services).map((service) => service.stop()));
    await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
    await removeRunTopics(brokers, topicPrefix, { log });
  }
}

const round1 = (value: number) => Math.round(value * 10) / 10;

main().catch((error: Error) => {
  process.stderr.write(`[key-revocation] failed: ${error.message}\n`);
  process.exit(1);
});
