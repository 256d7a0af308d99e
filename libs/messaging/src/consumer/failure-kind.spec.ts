import { describe, expect, it } from 'vitest';
import { isInfrastructureFailure, UnprocessableEventError } from './failure-kind';

const withCode = (code: string, message = 'failed') => Object.assign(new Error(message), { code });

describe('isInfrastructureFailure', () => {
  it.each([
    ['PostgreSQL refusing connections', withCode('ECONNREFUSED')],
    ['a reset socket', withCode('ECONNRESET')],
    ['an administrator shutdown (57P01)', withCode('57P01', 'terminating connection due to administrator command')],
    ['the server starting up (57P03)', withCode('57P03')],
    ['a connection exception (08006)', withCode('08006')],
    ['too many connections (53300)', withCode('53300')],
    ['a deadlock (40P01)', withCode('40P01', 'deadlock detected')],
    ['a serialization failure (40001)', withCode('40001', 'could not serialize access due to concurrent update')],
    ['TypeORM wrapping a deadlock', Object.assign(new Error('deadlock detected'), { driverError: withCode('40P01') })],
    ['TypeORM wrapping a driver error', Object.assign(new Error('query failed'), { driverError: withCode('57P01') })],
    ['pg losing the connection mid-query', new Error('Connection terminated unexpectedly')],
    ['a pool that cannot connect in time', new Error('timeout exceeded when trying to connect')],
    ['a database closed to connections (55000, ALTER DATABASE ... ALLOW_CONNECTIONS false)', withCode('55000', 'database "holdfast" is not currently accepting connections')],
    ['the same from a server whose messages are in German', Object.assign(withCode('55000', 'Datenbank »holdfast« akzeptiert derzeit keine Verbindungen'), { routine: 'CheckMyDatabase' })],
  ])('treats %s as infrastructure, retried until it passes', (_, error) => {
    expect(isInfrastructureFailure(error)).toBe(true);
  });

  it.each([
    ['a unique violation (23505)', withCode('23505', 'duplicate key value violates unique constraint')],
    ['a check violation (23514)', withCode('23514')],
    ['another object in the wrong state (55000)', withCode('55000', 'cannot refresh materialized view concurrently')],
    ['another transaction rollback (40002, an integrity violation at commit)', withCode('40002')],
    ['a plain handler error', new Error('the window service rejected it')],
    ['an unprocessable event', new UnprocessableEventError('unknown region')],
    ['something that is not an error', 'boom'],
    ['nothing at all', undefined],
  ])('treats %s as the event failing, retried a few times then dead-lettered', (_, error) => {
    expect(isInfrastructureFailure(error)).toBe(false);
  });
});
