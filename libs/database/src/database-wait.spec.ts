import { describe, expect, it } from 'vitest';
import { connectionFailure, redactPassword } from './database-wait';

describe('redactPassword, for every DATABASE_URL a message prints', () => {
  it.each([
    ['after the user', 'postgres://holdfast:s3cret-pw@db:5432/holdfast', 'postgres://holdfast:***@db:5432/holdfast'],
    ['with no user before it', 'postgres://:s3cret-pw@db:5432/holdfast', 'postgres://:***@db:5432/holdfast'],
    ['holding an unencoded @', 'postgresql://holdfast:s3cret@pw@db/holdfast', 'postgresql://holdfast:***@db/holdfast'],
    ['as a password parameter, which node-postgres reads too', 'postgres://holdfast@db/holdfast?application_name=x&password=s3cret-pw', 'postgres://holdfast@db/holdfast?application_name=x&password=***'],
  ])('hides a password %s', (_where, url, shown) => {
    expect(redactPassword(url)).toBe(shown);
  });

  it('leaves a URL without a password as it is', () => {
    expect(redactPassword('postgres://postgres@127.0.0.1:5432/postgres')).toBe('postgres://postgres@127.0.0.1:5432/postgres');
  });

  it('hides everything before the host of a URL that does not parse', () => {
    expect(redactPassword('postgres://holdfast:s3cret-pw@/holdfast?host=/run/postgresql')).not.toContain('s3cret');
  });

  it('never puts the password in a failed connection message', () => {
    const failure = connectionFailure('postgres://:s3cret-pw@db/holdfast?password=s3cret-pw', Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' }));
    expect(failure.message).toContain('PostgreSQL at postgres://:***@db/holdfast?password=*** is not reachable');
    expect(failure.message).not.toContain('s3cret');
  });
});
