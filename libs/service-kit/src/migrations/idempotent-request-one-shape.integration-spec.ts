import { dataSourceOptions, runMigrations } from '@holdfast/database';
import { createTestDatabase, type TestDatabase } from '@holdfast/testing';
import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import { afterAll, describe, expect, it } from 'vitest';
import { CreateIdempotentRequest1767500000000 } from './1767500000000-create-idempotent-request';
import { IdempotentRequestOneShape1767900000000 } from './1767900000000-idempotent-request-one-shape';

// CreateIdempotentRequest1767500000000 as main carried it on 2026-12-05 between 04:34 and 05:43 UTC, each version's table.
const EARLIER_TABLES = {
  '04:34': 'method text NOT NULL, path text NOT NULL, claimed_at timestamptz NOT NULL, status integer, content_type text, location text, body text',
  '04:36': 'method text NOT NULL, path text NOT NULL, claimed_at timestamptz NOT NULL, status integer, headers jsonb, body text',
  '04:41': 'method text NOT NULL, path text NOT NULL, claimed_at timestamptz NOT NULL, alive_at timestamptz NOT NULL, status integer, headers jsonb, body text',
};

function asOf(table: string): new () => MigrationInterface {
  return class {
    name = 'CreateIdempotentRequest1767500000000';
    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`CREATE TABLE idempotent_request (principal_id text NOT NULL, key text NOT NULL, fingerprint text NOT NULL, ${table}, PRIMARY KEY (principal_id, key))`);
    }
    async down(): Promise<void> {}
  };
}

describe.each(Object.entries(EARLIER_TABLES))('migration IdempotentRequestOneShape on the table main made at %s', (_, table) => {
  let database: TestDatabase;
  const open = async (migrations: (new () => MigrationInterface)[]) =>
    new DataSource(dataSourceOptions({ settings: { url: database.url, schema: 'spec_service', poolSize: 2, connectWaitMs: 0 }, entities: [], migrations, applicationName: 'idempotent-request-spec' })).initialize();

  afterAll(async () => {
    await database?.drop();
  });

  it("brings it to this release's shape, says so, and keeps the answers it kept", async () => {
    database = await createTestDatabase('idempotent-request-one-shape');
    const before = await open([asOf(table)]);
    await runMigrations(before, { info: () => undefined });
    const answered = table.includes('content_type') ? "content_type, location, status, body) VALUES ('application/json', '/v1/windows/w1', 201, '{}')" : `headers, status, body) VALUES ('{"content-type": "application/json", "location": "/v1/windows/w1"}', 201, '{}')`;
    await before.query(
      `INSERT INTO idempotent_request (principal_id, key, fingerprint, method, path, claimed_at, ${table.includes('alive_at') ? 'alive_at, ' : ''}${answered.replace('VALUES (', `VALUES ('p', 'k1', 'f', 'POST', '/v1/windows', '2026-12-05T04:40:00Z', ${table.includes('alive_at') ? "'2026-12-05T04:40:00Z', " : ''}`)}`,
    );
    await before.destroy();

    const after = await open([CreateIdempotentRequest1767500000000, IdempotentRequestOneShape1767900000000]);
    const said: string[] = [];
    try {
      expect(await runMigrations(after, { info: (line) => said.push(line) })).toEqual(['IdempotentRequestOneShape1767900000000']);
      // The interceptor's claim (libs/service-kit/src/http/idempotency.interceptor.ts), refused before by method NOT NULL or the missing alive_at.
      await after.query("INSERT INTO idempotent_request (principal_id, key, fingerprint, path, claimed_at, alive_at) VALUES ('p', 'k2', 'f', '/v1/windows', now(), now())");
      expect(await after.query("SELECT key, headers, alive_at FROM idempotent_request WHERE key = 'k1'")).toEqual([
        { key: 'k1', headers: { 'content-type': 'application/json', location: '/v1/windows/w1' }, alive_at: new Date('2026-12-05T04:40:00Z') },
      ]);
      expect(said[1]).toMatch(/^schema spec_service: IdempotentRequestOneShape1767900000000 brought idempotent_request, as a build of 2026-12-05 04:34-05:43 UTC left it \(method.*\), to this release's shape/);
    } finally {
      await after.destroy();
    }
  });
});

describe('migration IdempotentRequestOneShape on the table of this release', () => {
  it('changes nothing and says nothing', async () => {
    const database = await createTestDatabase('idempotent-request-one-shape-now');
    const dataSource = await new DataSource(
      dataSourceOptions({ settings: { url: database.url, schema: 'spec_service', poolSize: 2, connectWaitMs: 0 }, entities: [], migrations: [CreateIdempotentRequest1767500000000, IdempotentRequestOneShape1767900000000], applicationName: 'idempotent-request-spec' }),
    ).initialize();
    const said: string[] = [];
    try {
      expect(await runMigrations(dataSource, { info: (line) => said.push(line) })).toEqual(['CreateIdempotentRequest1767500000000', 'IdempotentRequestOneShape1767900000000']);
      expect(said).toHaveLength(1);
    } finally {
      await dataSource.destroy();
      await database.drop();
    }
  });
});
