import { type BootWait, inSeconds, waitUntilUp } from '@holdfast/observability';
import { Client } from 'pg';
import { connectionOptions, type ServiceDataSourceOptions } from './data-source.factory';

/**
 * Connection failures of a PostgreSQL that is not up yet (nothing listening, still starting or
 * recovering, a name not yet resolvable): worth waiting out at boot, as a service started beside
 * its database (docker-compose, a pod) meets them. Anything else (a refused login, a missing
 * database, a host name that does not exist) will not pass by waiting.
 */
const NOT_UP_YET = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'EAI_AGAIN', '57P03']);

export function notUpYet(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return NOT_UP_YET.has(code ?? '') || closedToConnections(error) || /timeout/i.test(message ?? '');
}

/**
 * A database closed to connections for a while (ALTER DATABASE ... ALLOW_CONNECTIONS false, as a
 * restore does). 55000 covers more than this refusal; its routine tells it, and lc_messages does not translate it.
 */
function closedToConnections(error: unknown): boolean {
  const { code, routine } = (error ?? {}) as { code?: string; routine?: string };
  return code === '55000' && routine === 'CheckMyDatabase';
}

/**
 * Resolves once the service's PostgreSQL accepts a connection, trying again while it is not up yet
 * (up to `waitMs`). Otherwise rejects with one line that names the server (password hidden), what it
 * answered and what to do, so a service never prints a retry loop's stack traces at boot.
 */
export async function waitForDatabase(options: ServiceDataSourceOptions, wait: BootWait): Promise<void> {
  const { ssl, connectionTimeoutMillis } = connectionOptions(options.settings);
  const connectOnce = async () => {
    // Only the server's answer to a login matters here: the service's own pool connects after.
    const client = new Client({ connectionString: options.settings.url, ssl, connectionTimeoutMillis, application_name: options.applicationName });
    client.on('error', () => undefined);
    try {
      await client.connect();
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  try {
    await waitUntilUp(connectOnce, wait, { what: `PostgreSQL at ${redactPassword(options.settings.url)}`, variable: 'DATABASE_CONNECT_WAIT_SECONDS', notUpYet });
  } catch (error) {
    throw connectionFailure(options.settings.url, error, wait.waitMs);
  }
}

/**
 * A failed connection in one line: the server (password hidden), what it answered and what to do.
 * For the boot-time wait and for a data source that cannot connect alike.
 */
export function connectionFailure(url: string, error: unknown, waitedMs = 0): Error {
  const where = redactPassword(url);
  const { message } = error as Error;
  const waited = waitedMs > 0 ? ` after waiting ${inSeconds(waitedMs)} (DATABASE_CONNECT_WAIT_SECONDS)` : '';
  if (closedToConnections(error)) {
    return new Error(
      `PostgreSQL at ${where} is closed to connections${waited}: ${message}. Open it again (ALTER DATABASE ... ALLOW_CONNECTIONS true) once its restore or maintenance is done, or wait longer with DATABASE_CONNECT_WAIT_SECONDS.`,
      { cause: error },
    );
  }
  if (notUpYet(error)) {
    return new Error(`PostgreSQL at ${where} is not reachable${waited}: ${message}. Start it, or set DATABASE_URL to one that runs.`, { cause: error });
  }
  return new Error(`Cannot connect to PostgreSQL at ${where}: ${message}. Check DATABASE_URL (host, user, password, database) and DATABASE_TLS.`, { cause: error });
}

/**
 * The URL with its password hidden wherever node-postgres would read one: after the user (also
 * when the user is empty, or the password holds an unencoded "@") and in a `password` parameter.
 */
export function redactPassword(url: string): string {
  // Not a URL node-postgres reads as one either: hide everything up to its last "@".
  if (!URL.canParse(url)) return url.replace(/\/\/.*@/, '//***@');
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
  return parsed.toString();
}
