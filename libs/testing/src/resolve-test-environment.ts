import { Client } from 'pg';
// deploy/kafka is a standalone Node script (no Nx project, no alias); tests are its one TypeScript caller.
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { startKafka, stopKafka, waitForKafka } from '../../../deploy/kafka/local-kafka.mjs';
import type { EnvironmentSource, HoldfastEnvironment } from './holdfast-environment';

export const LOCAL_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
// Confluent Platform 8.1 is Apache Kafka 4.1, the version deploy/kafka runs; @testcontainers/kafka drives cp-kafka.
const KAFKA_IMAGE = process.env.HOLDFAST_KAFKA_IMAGE || 'confluentinc/cp-kafka:8.1.1';
const POSTGRES_IMAGE = process.env.HOLDFAST_POSTGRES_IMAGE || 'postgres:15-alpine';
const DOCKER_PROBE_TIMEOUT_MS = 3_000;

export interface ResolvedTestEnvironment {
  environment: HoldfastEnvironment;
  /** Stops what this resolution started and should not outlive the run. */
  release(): Promise<void>;
}

export interface ResolveOptions {
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

/**
 * KAFKA_BROKERS and DATABASE_URL when set; otherwise testcontainers when a Docker engine answers;
 * otherwise the Kafka from deploy/kafka (started if none answers) and the host's PostgreSQL.
 */
export async function resolveTestEnvironment({ env = process.env, log = () => undefined }: ResolveOptions = {}): Promise<ResolvedTestEnvironment> {
  const releases: Array<() => Promise<void>> = [];
  const release = async () => {
    for (const step of releases.reverse()) await step();
  };
  try {
    const kafkaFromEnv = env.KAFKA_BROKERS?.split(',').map((broker) => broker.trim()).filter(Boolean);
    const databaseFromEnv = env.DATABASE_URL || undefined;
    const docker = kafkaFromEnv?.length && databaseFromEnv ? false : await dockerAnswers();
    const fallback: EnvironmentSource = docker ? 'testcontainers' : 'local';
    const source = { kafka: kafkaFromEnv?.length ? 'env' : fallback, database: databaseFromEnv ? 'env' : fallback } as const;
    log(`test environment: Kafka from ${describeSource(source.kafka)}, PostgreSQL from ${describeSource(source.database)}`);

    let kafkaBrokers: string[];
    if (source.kafka === 'env' && kafkaFromEnv) {
      await waitForKafka(kafkaFromEnv, { timeoutMs: 15_000, log, describeFailure: () => ' (from KAFKA_BROKERS: is it running?)' });
      kafkaBrokers = kafkaFromEnv;
    } else if (source.kafka === 'testcontainers') {
      const { KafkaContainer } = await import('@testcontainers/kafka');
      log(`starting ${KAFKA_IMAGE} in KRaft mode`);
      const kafka = await new KafkaContainer(KAFKA_IMAGE)
        .withKraft()
        .withEnvironment({
          KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
          KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
          KAFKA_GROUP_COORDINATOR_APPEND_LINGER_MS: '0',
        })
        .start();
      releases.push(async () => void (await kafka.stop()));
      kafkaBrokers = [`${kafka.getHost()}:${kafka.getMappedPort(9093)}`];
    } else {
      const started = await startKafka(undefined, { log });
      kafkaBrokers = started.brokers;
      // Left running by default: the next run (or another engineer's, in parallel) reuses it
      // instead of paying the JVM start again. HOLDFAST_STOP_LOCAL_KAFKA=1 stops one this run started.
      if (started.startedHere && env.HOLDFAST_STOP_LOCAL_KAFKA === '1') releases.push(async () => void (await stopKafka(undefined, { log })));
    }

    let databaseUrl: string;
    if (source.database === 'testcontainers') {
      const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
      log(`starting ${POSTGRES_IMAGE}`);
      const postgres = await new PostgreSqlContainer(POSTGRES_IMAGE).start();
      releases.push(async () => void (await postgres.stop()));
      databaseUrl = postgres.getConnectionUri();
    } else {
      databaseUrl = databaseFromEnv ?? LOCAL_DATABASE_URL;
      await checkPostgres(databaseUrl, source.database);
    }

    log(`test environment ready: Kafka ${kafkaBrokers.join(',')}, PostgreSQL ${redact(databaseUrl)}`);
    return { environment: { kafkaBrokers, databaseUrl, source }, release };
  } catch (error) {
    await release();
    throw error;
  }
}

function describeSource(source: EnvironmentSource): string {
  return { env: 'the environment', testcontainers: 'testcontainers (Docker)', local: 'the local machine' }[source];
}

/** Whether testcontainers finds a container runtime that answers; bounded so a dead DOCKER_HOST cannot stall the run. */
async function dockerAnswers(): Promise<boolean> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), DOCKER_PROBE_TIMEOUT_MS)));
  try {
    return await Promise.race([getContainerRuntimeClient().then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function checkPostgres(url: string, source: EnvironmentSource): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    const hint =
      source === 'env'
        ? 'check DATABASE_URL'
        : 'start it (pg_ctlcluster 15 main start) or set DATABASE_URL to a server that runs';
    throw new Error(`PostgreSQL does not answer at ${redact(url)} (${(error as Error).message}): ${hint}`, { cause: error });
  } finally {
    await client.end().catch(() => undefined);
  }
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
