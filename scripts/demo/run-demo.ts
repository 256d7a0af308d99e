import { DateTime } from 'luxon';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { localKafkaConfig, removeRunTopics, startKafka } from '../../deploy/kafka/local-kafka.mjs';
import { chooseDatabase, databaseAnswers, EMBEDDED_POSTGRES_PORT, startEmbeddedPostgres } from '../system/embedded-postgres.mjs';
import { buildServices, freePort, startService, type RunningService } from '../system/system-runner.mjs';
import { createStory, STORY_ENVIRONMENT, StoryStepError, type TimelineEntry } from './story-2009';

/**
 * `npm run demo`: replays the 2009 story and prints it as a timeline with local times. It runs its
 * own three service processes (on free ports, in a fresh database and topic prefix, with the short
 * cool-downs of STORY_ENVIRONMENT) beside whatever `npm start` runs, on the same broker and
 * PostgreSQL, found or started the way `npm start` does. Exits 1 naming the step that did not happen.
 */
const say = (line: string) => process.stdout.write(`${line}\n`);

async function databaseServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const choice = await chooseDatabase();
  if (choice.kind !== 'embedded') return { url: choice.url!, stop: async () => {} };
  const url = `postgres://postgres@127.0.0.1:${EMBEDDED_POSTGRES_PORT}/postgres`;
  if (await databaseAnswers(url)) return { url, stop: async () => {} };
  say('postgresql: starting the embedded server (as npm start does)');
  return startEmbeddedPostgres({ dataDir: process.env.HOLDFAST_EMBEDDED_POSTGRES_DIR });
}

async function withAdmin<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

function printEntry(entry: TimelineEntry, startedAt: number): void {
  const utc = DateTime.fromJSDate(entry.at, { zone: 'UTC' }).toFormat('HH:mm:ss');
  const tehran = DateTime.fromJSDate(entry.at, { zone: 'Asia/Tehran' }).toFormat('HH:mm');
  const losAngeles = DateTime.fromJSDate(entry.at, { zone: 'America/Los_Angeles' }).toFormat('HH:mm');
  const elapsed = ((Date.now() - startedAt) / 1000).toFixed(1).padStart(5);
  say(`+${elapsed}s  ${utc} UTC | ${losAngeles} LA | ${tehran} Tehran  [${entry.step}] ${entry.text}`);
}

async function main(): Promise<number> {
  const startedAt = Date.now();
  const server = await databaseServer();
  const brokers = process.env.KAFKA_BROKERS ? process.env.KAFKA_BROKERS.split(',') : (await startKafka(localKafkaConfig(), { log: () => undefined })).brokers;
  buildServices({ log: () => undefined });
  const run = `demo_${Date.now().toString(36)}`;
  await withAdmin(server.url, (client) => client.query(`CREATE DATABASE "${run}"`));
  const databaseUrl = new URL(server.url);
  databaseUrl.pathname = `/${run}`;
  const adminKey = `hf_demo_${randomBytes(24).toString('base64url')}`;
  const env = { ...STORY_ENVIRONMENT, DATABASE_URL: databaseUrl.toString(), KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC_PREFIX: `${run}.`, DATABASE_POOL_SIZE: '3', LOG_LEVEL: 'error', HOLDFAST_BOOTSTRAP_KEY: adminKey };
  const services: Record<string, RunningService> = {};
  let story: ReturnType<typeof createStory> | undefined;
  try {
    say(`the 2009 story: starting the three services (database ${run}, topics ${run}.*, broker ${brokers.join(',')})`);
    await Promise.all(
      ['maintenance-planner', 'impact-analyzer', 'notifier'].map(async (name) => {
        services[name] = await startService({ name, port: await freePort(), env, onLine: () => undefined });
      }),
    );
    say(`services up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s; the timeline (times in UTC, Los Angeles and Tehran):`);
    story = createStory(
      { plannerUrl: services['maintenance-planner'].baseUrl, analyzerUrl: services['impact-analyzer'].baseUrl, notifierUrl: services.notifier.baseUrl, adminKey, brokers, topicPrefix: `${run}.` },
      { onEntry: (entry) => printEntry(entry, startedAt) },
    );
    for (const step of story.steps) await step.run();
    say(`the story happened, every step, in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    return 0;
  } catch (error) {
    say(error instanceof StoryStepError ? `FAILED: ${error.message}` : `FAILED: ${(error as Error).stack ?? String(error)}`);
    return 1;
  } finally {
    await story?.close();
    await Promise.all(Object.values(services).map((service) => service.stop()));
    await withAdmin(server.url, (client) => client.query(`DROP DATABASE IF EXISTS "${run}" WITH (FORCE)`)).catch(() => undefined);
    await removeRunTopics(brokers, `${run}.`, { log: () => undefined });
    await server.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    say(`FAILED before the story started: ${error.message}`);
    process.exit(1);
  },
);
