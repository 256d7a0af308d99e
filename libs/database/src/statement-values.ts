import { DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';

/**
 * A failure as it is logged: a failed statement without the values it carried, which may be a
 * subscription's target URL, a sealed secret or an event's data. TypeORM's error holds the
 * statement's parameters and PostgreSQL's detail, which quotes them ("Key (x)=(...) already exists",
 * "Failing row contains (...)"); the statement's text, code, table and constraint still say what
 * failed. Anything else is returned as it is (pino writes only the message and stack of a cause).
 */
export function withoutStatementValues(error: unknown): unknown {
  if (!(error instanceof QueryFailedError) && !(error instanceof DatabaseError)) return error;
  // The driver error's message and fields are the outer error's own: only its detail would add anything.
  const kept = Object.entries(error).filter(([name]) => name !== 'parameters' && name !== 'detail' && name !== 'driverError');
  // Same prototype, so the log still names its type.
  return Object.assign(Object.create(Object.getPrototypeOf(error) as object) as object, Object.fromEntries(kept), { message: error.message, stack: error.stack });
}
