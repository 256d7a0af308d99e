import { DateTime } from 'luxon';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import pg from 'pg';
import { localKafkaConfig, namedBrokers, removeRunTopics, startKafka } from '../../deploy/kafka/local-kafka.mjs';
import { chooseDatabase, databaseTls, embeddedPostgresPort, startEmbeddedPostgres } from '../system/embedded-postgres.mjs';
import { buildServices, freePort, startService, stopChild, type RunningService } from '../system/system-runner.mjs';
import { createStory, STORY_ENVIRONMENT, StoryStepError, storySummary, type TimelineEntry } from './story-2009';

/**
 * `npm run demo`: replays the 2009 story and prints it as a timeline with local times. It runs its
 * own three service processes (on free ports, in a fresh database and topic prefix, with the short
 * cool-downs of STORY_ENVIRONMENT) beside whatever `npm start` runs, on the same broker and
 * PostgreSQL, found or started the way `npm start` does. Exits 1 naming the step that did not happen.
 * However it ends (Ctrl-C and SIGTERM included), it undoes what it set up; the local broker stays for
 * the next run, as after npm start.
 */
const say = (line: string) => process.stdout.write(`${line}\n`);

/** PostgreSQL as npm start finds it; `stop` stops only an embedded server started here, not one reused. */
async function databaseServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const choice = await chooseDatabase();
  if (choice.kind !== 'embedded') return { url: choice.url, stop: async () => {} };
  const port = embeddedPostgresPort();
  say(`postgresql: starting the embedded server on 127.0.0.1:${port} (as npm start does)`);
  return startEmbeddedPostgres({ port, dataDir: process.env.HOLDFAST_EMBEDDED_POSTGRES_DIR });
}

async function withAdmin<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, ssl: databaseTls() });
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

type Undo = Array<{ what: string; run: () => Promise<unknown> }>;

/** Each step taken off the list as it runs; a step added while it runs is undone too. */
async function undoAll(undo: Undo): Promise<void> {
  for (let step = undo.pop(); step; step = undo.pop()) {
    const { what } = step;
    await step.run().catch((error: Error) => say(`could not ${what}: ${error.message}`));
  }
}

/** The signal that stopped the run, if one did: the exit code says so whichever path exits first. */
let interrupted: 'SIGINT' | 'SIGTERM' | undefined;
let undoing: Promise<void> | undefined;
/** One undoing, awaited by the signal and by the run's own end alike, so neither exits halfway through the other's. */
const undoOnce = (undo: Undo): Promise<void> => (undoing ??= undoAll(undo));
const exitCode = (code: number): number => (interrupted ? 128 + constants.signals[interrupted] : code);

async function main(): Promise<number> {
  const startedAt = Date.now();
  // What this run set up, undone last first however the run ends.
  const undo: Undo = [];
  // Without this, Ctrl-C would end the process mid-await and leave the run's database and topics behind.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      // A second Ctrl-C, impatient, would otherwise kill the process halfway through the undoing.
      if (interrupted) return say(`${signal}: still undoing what the demo set up; it exits when done`);
      interrupted = signal;
      say(`${signal}: undoing what the demo set up (the database, topics and services of this run)`);
      void undoOnce(undo).then(() => process.exit(exitCode(1)));
    });
  }
  const run = `demo_${Date.now().toString(36)}`;
  let storyStarted = false;
  try {
    const server = await databaseServer();
    undo.push({ what: 'stop the embedded PostgreSQL it started', run: () => server.stop() });
    const brokers = process.env.KAFKA_BROKERS ? await namedBrokers(process.env.KAFKA_BROKERS) : (await startKafka(localKafkaConfig(), { log: () => undefined })).brokers;
    buildServices({ log: () => undefined });
    // Pushed first: an interrupt while the database is being created still drops it (IF EXISTS, should it not be).
    undo.push({ what: `drop the database ${run}`, run: () => withAdmin(server.url, (client) => client.query(`DROP DATABASE IF EXISTS "${run}" WITH (FORCE)`)) });
    await withAdmin(server.url, (client) => client.query(`CREATE DATABASE "${run}"`));
    const databaseUrl = new URL(server.url);
    databaseUrl.pathname = `/${run}`;
    const adminKey = `hf_demo_${randomBytes(24).toString('base64url')}`;
    const env = { ...STORY_ENVIRONMENT, DATABASE_URL: databaseUrl.toString(), KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC_PREFIX: `${run}.`, DATABASE_POOL_SIZE: '3', LOG_LEVEL: 'error', HOLDFAST_BOOTSTRAP_KEY: adminKey };

    const services: Record<string, RunningService> = {};
    // Every process spawned, ready or not: an interrupt during start-up stops those still starting too.
    const spawned: ChildProcess[] = [];
    undo.push({ what: `remove the topics ${run}.*`, run: () => removeRunTopics(brokers, `${run}.`, { log: () => undefined }) });
    undo.push({ what: 'stop the services', run: () => Promise.all(spawned.map((child) => stopChild(child))) });
    say(`the 2009 story: starting the three services (database ${run}, topics ${run}.*, broker ${brokers.join(',')})`);
    // Every start settles before a failed one is reported, so the undo stops all that did start.
    const starts = await Promise.allSettled(
      ['maintenance-planner', 'impact-analyzer', 'notifier'].map(async (name) => {
        services[name] = await startService({ name, port: await freePort(), env, onLine: () => undefined, onSpawn: (child: ChildProcess) => spawned.push(child) });
      }),
    );
    const failedStart = starts.find((start) => start.status === 'rejected');
    if (failedStart) throw failedStart.reason;
    storyStarted = true;
    say(`services up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s; the timeline (times in UTC, Los Angeles and Tehran):`);
    const story = createStory(
      { plannerUrl: services['maintenance-planner'].baseUrl, analyzerUrl: services['impact-analyzer'].baseUrl, notifierUrl: services.notifier.baseUrl, adminKey, brokers, topicPrefix: `${run}.` },
      { onEntry: (entry) => printEntry(entry, startedAt) },
    );
    undo.push({ what: "close the story's clients", run: () => story.close() });
    for (const step of story.steps) await step.run();
    say(`the story happened, every step, in ${((Date.now() - startedAt) / 1000).toFixed(1)} s. What it showed:`);
    for (const line of storySummary(story.state)) say(`  ${line}`);
    return 0;
  } catch (error) {
    // A step cut short by the interrupt (its services stopped under it) is no failure of the story.
    if (interrupted) return exitCode(1);
    if (!storyStarted) say(`FAILED before the story started: ${(error as Error).message}`);
    else say(error instanceof StoryStepError ? `FAILED: ${error.message}` : `FAILED: ${(error as Error).stack ?? String(error)}`);
    return 1;
  } finally {
    await undoOnce(undo);
  }
}

main().then(
  (code) => process.exit(exitCode(code)),
  (error: Error) => {
    say(`FAILED: ${error.stack ?? String(error)}`);
    process.exit(1);
  },
);
