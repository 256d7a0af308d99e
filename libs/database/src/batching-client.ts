import { Client } from 'pg';

// Statements marked with prepared(), by text; a name is only ever used for the one text.
const statementNames = new Map<string, string>();
// A bound on what a mistaken prepared(`... ${value} ...`) could pile up on every connection.
const MAX_PREPARED_STATEMENTS = 500;

/**
 * Marks a statement a service runs again and again with only its parameters changing (give it
 * fixed SQL text, with explicit columns rather than `*`): a BatchingClient prepares it once per
 * connection, and from then on PostgreSQL skips parsing it and, once its generic plan is no worse
 * than planning each time, planning it too. Parse and plan were most of PostgreSQL's time on the
 * spike-to-hold path (0.5-1.5 ms a statement against 0.1-0.6 ms executing). Returns `sql`.
 * (A pooler between the services and PostgreSQL must then keep prepared statements per session:
 * PgBouncer in transaction mode does so from 1.21 with max_prepared_statements set.)
 */
export function prepared(sql: string): string {
  if (!statementNames.has(sql) && statementNames.size < MAX_PREPARED_STATEMENTS) statementNames.set(sql, `holdfast_${statementNames.size + 1}`);
  return sql;
}

const START_TRANSACTION = 'START TRANSACTION';
// What node-postgres answers to START TRANSACTION.
const BEGUN = { command: 'BEGIN', rowCount: null, oid: null, rows: [], fields: [] };

/**
 * A node-postgres client whose statements issued in one turn of the event loop leave in one socket
 * write, which runs statements marked with prepared() as named, prepared statements, and which
 * sends TypeORM's START TRANSACTION with the transaction's first statement.
 *
 * TypeORM awaits START TRANSACTION before the transaction's first statement, a round trip of its
 * own for every transaction. Here it is answered at once and sent with whatever the transaction
 * issues first, which waits for both answers: should START TRANSACTION fail, that statement fails
 * with its error, and TypeORM rolls back as for any failed statement. (It fails only when the
 * session is broken or inside an aborted transaction, and then so does every statement after it.)
 *
 * With `pipeline: true` the client sends each statement as soon as it is issued, one write per
 * statement; a transaction's Promise.all of three statements made three writes, and on a virtual
 * machine each write is a costly system call (a third of a service's CPU in the e2e profile). The
 * socket is corked at the first statement of a turn and uncorked once the turn's promise callbacks
 * have all run (process.nextTick runs after them), so the statements of one Promise.all go out
 * together. A statement issued alone still leaves at once, only a few microseconds later; nothing
 * waits for a timer.
 */
export class BatchingClient extends Client {
  private corked = false;
  // TypeORM's START TRANSACTION, sent but not yet answered: the next statement answers for it.
  private beginning?: Promise<unknown>;

  override query(...args: unknown[]): never {
    const stream = (this as unknown as { connection?: { stream?: { cork?: () => void; uncork?: () => void; writable?: boolean } } }).connection?.stream;
    if (!this.corked && stream?.cork && stream.writable) {
      this.corked = true;
      stream.cork();
      process.nextTick(() => {
        this.corked = false;
        stream.uncork!();
      });
    }
    const [text, values] = args;
    const query = super.query as (...forwarded: unknown[]) => Promise<unknown>;
    if (text === START_TRANSACTION && args.length === 1 && !this.beginning) {
      const begun = query.call(this, START_TRANSACTION);
      this.beginning = begun;
      // Handled through the next statement, which reports it.
      begun.catch(() => undefined);
      return Promise.resolve(BEGUN) as never;
    }
    const name = typeof text === 'string' && args.length <= 2 && (values === undefined || Array.isArray(values)) ? statementNames.get(text) : undefined;
    const result = name ? query.call(this, { name, text, values }) : query.apply(this, args);
    const beginning = this.beginning;
    if (!beginning || typeof result?.then !== 'function') return result as never;
    this.beginning = undefined;
    return beginning.then(
      () => result,
      (error: unknown) => {
        result.catch(() => undefined);
        throw error;
      },
    ) as never;
  }
}
