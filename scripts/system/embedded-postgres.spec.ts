import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseDatabase, connectFailure, DEFAULT_DATABASE_URL, embeddedPostgresPort } from './embedded-postgres.mjs';

/** An error as node-postgres reports it: a SQLSTATE from the server, or a Node code from the network. */
const failure = (code: string | undefined, message: string) => Object.assign(new Error(message), { code });
const refusedConnection = failure('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.7:5432');
/** A connect that lets in only `urls` and answers the rest as `refusal`. */
const lettingIn =
  (urls: string[], refusal: Error = refusedConnection) =>
  (url: string) =>
    Promise.resolve(urls.includes(url) ? null : refusal);

describe('which PostgreSQL npm start uses', () => {
  const url = 'postgres://app:secret@db.internal:5432/holdfast';

  it('uses DATABASE_URL when set, and refuses one that does not answer with the fix', async () => {
    expect(await chooseDatabase({ env: { DATABASE_URL: url }, connect: lettingIn([url]) })).toEqual({ kind: 'configured', url });
    await expect(chooseDatabase({ env: { DATABASE_URL: url }, connect: lettingIn([]) })).rejects.toThrow(
      /^PostgreSQL at postgres:\/\/app:\*\*\*@db.internal:5432\/holdfast is not reachable \(connect ECONNREFUSED 10\.0\.0\.7:5432\)\. Start it.*set DATABASE_URL/,
    );
  });

  it('says what the server answered and what to do, when it answers but refuses DATABASE_URL', async () => {
    const refusing = (refusal: Error) => chooseDatabase({ env: { DATABASE_URL: url }, connect: lettingIn([], refusal) });
    await expect(refusing(failure('3D000', 'database "holdfast" does not exist'))).rejects.toThrow(
      'PostgreSQL at postgres://app:***@db.internal:5432/holdfast answers: database "holdfast" does not exist. Create it (as a superuser: CREATE DATABASE "holdfast") or set DATABASE_URL to a database that exists.',
    );
    await expect(refusing(failure('28000', 'role "app" does not exist'))).rejects.toThrow(/answers: role "app" does not exist\. Create it \(as a superuser: CREATE ROLE "app" LOGIN PASSWORD '\.\.\.'\) or set DATABASE_URL's user/);
    await expect(refusing(failure('28P01', 'password authentication failed for user "app"'))).rejects.toThrow(/answers: password authentication failed for user "app"\. Fix the password in DATABASE_URL/);
    await expect(refusing(failure('28000', 'no pg_hba.conf entry for host "10.0.0.9", user "app", database "holdfast", no encryption'))).rejects.toThrow(/pg_hba\.conf.*set DATABASE_TLS=require/);
    await expect(refusing(failure(undefined, 'The server does not support SSL connections'))).rejects.toThrow(/does not accept TLS, which DATABASE_TLS asks for: set DATABASE_TLS=disable/);
    await expect(refusing(failure('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'))).rejects.toThrow(/set DATABASE_TLS_CA_FILE/);
    for (const refusal of [failure('3D000', 'x'), failure('28P01', 'x')]) await expect(refusing(refusal)).rejects.not.toThrow(/not reachable|pg_ctlcluster/);
  });

  it('names the database and role from the URL when the server does not quote them', () => {
    expect(connectFailure(url, failure('3D000', 'la base de données n’existe pas'))).toContain('CREATE DATABASE "holdfast"');
    expect(connectFailure(url, failure('28000', 'role «app» does not exist'))).toContain('CREATE ROLE "app"');
  });

  it('reads a refused connection to localhost (an AggregateError with no message) as a server not running', () => {
    const aggregate = Object.assign(new AggregateError([refusedConnection, refusedConnection]), { code: 'ECONNREFUSED' });
    expect(connectFailure('postgres://postgres@localhost:1/x', aggregate)).toBe(
      'PostgreSQL at postgres://postgres@localhost:1/x is not reachable (ECONNREFUSED). Start it (pg_ctlcluster 15 main start) or set DATABASE_URL to one that answers; unset it to let npm start run an embedded PostgreSQL.',
    );
  });

  it('connects with TLS as DATABASE_TLS asks, the way the services will', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'holdfast-pg-ca-'));
    try {
      const caFile = join(folder, 'ca.pem');
      writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\n');
      const seen: unknown[] = [];
      const connect = (_url: string, { ssl }: { ssl: unknown }) => {
        seen.push(ssl);
        return Promise.resolve(null);
      };
      for (const env of [{}, { DATABASE_TLS: 'disable' }, { DATABASE_TLS: 'require' }, { DATABASE_TLS: 'verify-full', DATABASE_TLS_CA_FILE: caFile }]) {
        await chooseDatabase({ env: { DATABASE_URL: url, ...env }, connect });
      }
      await chooseDatabase({ env: { DATABASE_TLS: 'require' }, connect });
      expect(seen).toEqual([false, false, { rejectUnauthorized: false }, { rejectUnauthorized: true, ca: '-----BEGIN CERTIFICATE-----\n' }, { rejectUnauthorized: false }]);
      await expect(chooseDatabase({ env: { DATABASE_URL: url, DATABASE_TLS: 'prefer' }, connect })).rejects.toThrow('DATABASE_TLS=prefer is not one of disable, require, verify-full.');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('uses the local server on the default address when it lets us in', async () => {
    expect(await chooseDatabase({ env: {}, connect: lettingIn([DEFAULT_DATABASE_URL]) })).toEqual({ kind: 'local', url: DEFAULT_DATABASE_URL });
  });

  it('falls back to the embedded server when nothing answers, or always when asked', async () => {
    expect(await chooseDatabase({ env: {}, connect: lettingIn([]) })).toEqual({ kind: 'embedded', why: 'DATABASE_URL is unset and nothing answers on 127.0.0.1:5432' });
    expect(await chooseDatabase({ env: { HOLDFAST_EMBEDDED_POSTGRES: 'always' }, connect: lettingIn([DEFAULT_DATABASE_URL]) })).toEqual({ kind: 'embedded', why: 'HOLDFAST_EMBEDDED_POSTGRES=always' });
    expect(await chooseDatabase({ env: {}, connect: lettingIn([], failure('28P01', 'password authentication failed for user "postgres"')) })).toEqual({
      kind: 'embedded',
      why: 'DATABASE_URL is unset and the local server on 127.0.0.1:5432 did not let us in (password authentication failed for user "postgres")',
    });
  });

  it('refuses to embed when told never, with what the local server answered, and a mode it does not know', async () => {
    await expect(chooseDatabase({ env: { HOLDFAST_EMBEDDED_POSTGRES: 'never' }, connect: lettingIn([]) })).rejects.toThrow(
      /^PostgreSQL does not answer at postgres:\/\/postgres@127\.0\.0\.1:5432\/postgres\. Start it.*HOLDFAST_EMBEDDED_POSTGRES=never/,
    );
    await expect(chooseDatabase({ env: { HOLDFAST_EMBEDDED_POSTGRES: 'never' }, connect: lettingIn([], failure('28000', 'role "postgres" does not exist')) })).rejects.toThrow(
      /answers: role "postgres" does not exist\. Create it.*HOLDFAST_EMBEDDED_POSTGRES=never/,
    );
    await expect(chooseDatabase({ env: { HOLDFAST_EMBEDDED_POSTGRES: 'sometimes' }, connect: lettingIn([]) })).rejects.toThrow(/not one of auto, always, never/);
  });
});

describe('the embedded server port, for npm start and the demo alike', () => {
  it('is HOLDFAST_EMBEDDED_POSTGRES_PORT when set, 55432 otherwise, and refuses what is not a port', () => {
    expect(embeddedPostgresPort({})).toBe(55432);
    expect(embeddedPostgresPort({ HOLDFAST_EMBEDDED_POSTGRES_PORT: '' })).toBe(55432);
    expect(embeddedPostgresPort({ HOLDFAST_EMBEDDED_POSTGRES_PORT: '56000' })).toBe(56000);
    for (const port of ['abc', '0', '70000', '5.5']) expect(() => embeddedPostgresPort({ HOLDFAST_EMBEDDED_POSTGRES_PORT: port })).toThrow(`HOLDFAST_EMBEDDED_POSTGRES_PORT=${port} is not a port (1-65535); unset it to use 55432.`);
  });
});
