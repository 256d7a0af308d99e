import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { testEnvironment } from './test-environment';
import { slug } from './unique-test-id';

export interface TestDatabase {
  name: string;
  url: string;
  /** Drops the database, ending any connection a test left open. Safe to call twice. */
  drop(): Promise<void>;
}

/**
 * A fresh, empty PostgreSQL database for one test file: `holdfast_t_<label>_<random>`.
 * Uses one short-lived administrative connection per call (max_connections is 100 and shared).
 */
export async function createTestDatabase(label: string, adminUrl = testEnvironment().databaseUrl): Promise<TestDatabase> {
  const name = `holdfast_t_${slug(label, '_') || 'test'}_${randomBytes(4).toString('hex')}`;
  await withAdminConnection(adminUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    // WITH (FORCE) terminates the connections still open on it first (PostgreSQL 13+).
    drop: () => withAdminConnection(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)),
  };
}

async function withAdminConnection(url: string, work: (client: Client) => Promise<unknown>): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}
