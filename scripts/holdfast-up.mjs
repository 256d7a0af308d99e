// `npm start`: the whole system on this machine. Starts the local Kafka (unless KAFKA_BROKERS
// names one), checks PostgreSQL, builds, and runs the three services until Ctrl-C.
import pg from 'pg';
import { localKafkaConfig, startKafka } from '../deploy/kafka/local-kafka.mjs';
import { buildServices, SERVICES, startService } from './system/system-runner.mjs';

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const log = (line) => process.stdout.write(`[holdfast] ${line}\n`);

async function up() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== 24) log(`warning: running on Node ${process.versions.node}; Holdfast targets Node 24 (npm scripts use the one npm ci installed)`);

  const env = { DATABASE_URL: process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL };
  if (process.env.KAFKA_BROKERS) {
    log(`kafka: using KAFKA_BROKERS=${process.env.KAFKA_BROKERS}`);
    env.KAFKA_BROKERS = process.env.KAFKA_BROKERS;
  } else {
    const kafka = await startKafka(localKafkaConfig(), { log: (line) => log(`kafka: ${line}`) });
    env.KAFKA_BROKERS = kafka.brokers.join(',');
  }

  await checkDatabase(env.DATABASE_URL);
  buildServices({ log });

  const running = [];
  const stopAll = async (signal) => {
    log(`${signal}: stopping the services (each finishes its work in hand and drains its outbox)`);
    await Promise.all(running.map((service) => service.stop()));
    log(`stopped. Kafka keeps running for the next start: "npm run kafka:stop" stops it.`);
    process.exit(0);
  };
  process.once('SIGINT', () => void stopAll('SIGINT'));
  process.once('SIGTERM', () => void stopAll('SIGTERM'));

  try {
    for (const { name, port: defaultPort } of SERVICES) {
      const port = Number(process.env[`${envName(name)}_PORT`] ?? defaultPort);
      log(`${name}: starting on port ${port} (migrations run at start)`);
      const service = await startService({ name, port, env, onLine: (line) => printLogLine(name, line) });
      running.push(service);
      log(`${name}: ready at ${service.baseUrl} (API docs ${service.baseUrl}/docs, health /health, metrics /metrics)`);
    }
  } catch (error) {
    // Leave nothing half-started behind.
    await Promise.all(running.map((service) => service.stop()));
    throw error;
  }
  log('all three services are up. Try a surge:');
  log(`  curl -s -XPOST ${running[1].baseUrl}/v1/samples -H 'content-type: application/json' \\`);
  log(`    -d '{"samples":[{"region":"IR","metric":"requests","at":"${new Date().toISOString()}","value":5000,"source":"curl"}]}'`);
  log(`  curl -s ${running[0].baseUrl}/v1/holds ; curl -s ${running[2].baseUrl}/v1/deliveries`);
  log('Ctrl-C stops them.');
}

async function checkDatabase(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    log(`postgresql: reachable at ${url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@')}`);
  } catch (error) {
    throw new Error(`PostgreSQL at ${url} is not reachable (${error.message}). Start it (pg_ctlcluster 15 main start) or set DATABASE_URL.`);
  } finally {
    await client.end().catch(() => {});
  }
}

function envName(service) {
  return service.toUpperCase().replace(/-/g, '_');
}

/** Service logs are pino JSON; a person watching wants level, service and message. */
function printLogLine(service, line) {
  let entry;
  try {
    entry = JSON.parse(line);
  } catch {
    process.stdout.write(`[${service}] ${line}\n`);
    return;
  }
  const level = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' }[entry.level] ?? entry.level;
  const context = entry.context ? ` ${entry.context}:` : '';
  const request = entry.req ? ` ${entry.req.method} ${entry.req.url} -> ${entry.res?.statusCode}` : '';
  process.stdout.write(`[${service}] ${level}${context} ${entry.msg ?? ''}${request}\n`);
}

up().catch((error) => {
  process.stderr.write(`[holdfast] could not start the system: ${error.message}\n`);
  process.exit(1);
});
