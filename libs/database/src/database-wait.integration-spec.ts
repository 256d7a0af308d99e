import { createTestDatabase, expectEventually, freePort, loopbackProxy, testEnvironment, type LoopbackProxy, type TestDatabase } from '@holdfast/testing';
import { Client } from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { waitForDatabase } from './database-wait';

const optionsFor = (url: string) => ({ settings: { url, schema: 'public', poolSize: 1, connectWaitMs: 0 }, entities: [], migrations: [], applicationName: 'database-wait-spec' });

describe('waitForDatabase, the boot-time wait for PostgreSQL', () => {
  const opened: LoopbackProxy[] = [];
  afterEach(() => {
    for (const handle of opened.splice(0)) handle.close();
  });

  it('waits while nothing listens, and goes on once PostgreSQL answers', async () => {
    const real = new URL(testEnvironment().databaseUrl);
    const upstreamAt = { port: Number(real.port || 5432), host: real.hostname };
    const port = await freePort();
    real.host = `127.0.0.1:${port}`;
    const waits: string[] = [];
    const waited = waitForDatabase(optionsFor(real.toString()), { waitMs: 10_000, onWait: (message) => waits.push(message) });
    // PostgreSQL "starts" once the wait has said it is trying again: a proxy to the real server begins listening on the port it was given.
    await expectEventually(() => expect(waits.length).toBeGreaterThan(0));
    opened.push(loopbackProxy(port, `${upstreamAt.host}:${upstreamAt.port}`));
    await waited;
    expect(waits[0]).toMatch(new RegExp(`^PostgreSQL at postgres://[^ ]*127\\.0\\.0\\.1:${port}/[^ ]* is not up yet \\(connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\); trying again \\(attempt 2, for up to 10 s in all: DATABASE_CONNECT_WAIT_SECONDS\\)$`));
  });

  describe('a database closed to connections (ALLOW_CONNECTIONS false, as during a restore)', () => {
    let closed: TestDatabase | undefined;
    const allowConnections = async (allow: boolean) => {
      const admin = new Client({ connectionString: testEnvironment().databaseUrl });
      await admin.connect();
      try {
        await admin.query(`ALTER DATABASE "${closed!.name}" ALLOW_CONNECTIONS ${allow}`);
      } finally {
        await admin.end();
      }
    };
    const closedDatabase = async () => {
      closed = await createTestDatabase('database-wait-closed');
      await allowConnections(false);
      return closed;
    };
    afterEach(async () => {
      await closed?.drop();
      closed = undefined;
    });

    it('is waited for like a server not up yet, and the wait goes on once it is opened again', async () => {
      const { name, url } = await closedDatabase();
      const waits: string[] = [];
      const waited = waitForDatabase(optionsFor(url), { waitMs: 20_000, onWait: (message) => waits.push(message) });
      await expectEventually(() => expect(waits.length).toBeGreaterThan(0));
      await allowConnections(true);
      await waited;
      expect(waits[0]).toMatch(
        new RegExp(`^PostgreSQL at postgres://[^ ]*/${name} is not up yet \\(database "${name}" is not currently accepting connections\\); trying again \\(attempt 2, for up to 20 s in all: DATABASE_CONNECT_WAIT_SECONDS\\)$`),
      );
    });

    it('still closed after the wait: the failure says it is closed and names DATABASE_CONNECT_WAIT_SECONDS, not DATABASE_URL', async () => {
      const { name, url } = await closedDatabase();
      const waits: string[] = [];
      const failure = await waitForDatabase(optionsFor(url), { waitMs: 600, onWait: (message) => waits.push(message) }).then(
        () => undefined,
        (error: Error) => error.message,
      );
      expect(failure).toMatch(
        new RegExp(
          `^PostgreSQL at postgres://[^ ]*/${name} is closed to connections after waiting 0\\.6 s \\(DATABASE_CONNECT_WAIT_SECONDS\\): database "${name}" is not currently accepting connections\\. Open it again \\(ALTER DATABASE \\.\\.\\. ALLOW_CONNECTIONS true\\) once its restore or maintenance is done, or wait longer with DATABASE_CONNECT_WAIT_SECONDS\\.$`,
        ),
      );
      expect(failure).not.toContain('DATABASE_URL');
      expect(waits.length).toBeGreaterThan(0);
    });
  });

  it('gives up after the wait, saying where it looked, with the password hidden', async () => {
    const port = await freePort();
    const waits: string[] = [];
    const started = Date.now();
    await expect(waitForDatabase(optionsFor(`postgres://holdfast:s3cret@127.0.0.1:${port}/holdfast`), { waitMs: 600, onWait: (message) => waits.push(message) })).rejects.toThrow(
      `PostgreSQL at postgres://holdfast:***@127.0.0.1:${port}/holdfast is not reachable after waiting 0.6 s (DATABASE_CONNECT_WAIT_SECONDS): connect ECONNREFUSED 127.0.0.1:${port}. Start it, or set DATABASE_URL to one that runs.`,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(waits.join('\n')).not.toContain('s3cret');
  });

  it('does not wait out what waiting cannot fix: a database that does not exist', async () => {
    const url = new URL(testEnvironment().databaseUrl);
    url.pathname = '/holdfast_no_such_database';
    const waits: string[] = [];
    await expect(waitForDatabase(optionsFor(url.toString()), { waitMs: 30_000, onWait: (message) => waits.push(message) })).rejects.toThrow(
      /^Cannot connect to PostgreSQL at .*\/holdfast_no_such_database: database "holdfast_no_such_database" does not exist\. Check DATABASE_URL \(host, user, password, database\) and DATABASE_TLS\.$/,
    );
    expect(waits).toEqual([]);
  });
});
