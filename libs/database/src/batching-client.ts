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

const AT_COMMIT = '/* answered at commit */ ';

/**
 * Marks a write whose answer nobody reads, issued at the end of a transaction (audit rows, outbox
 * rows, a state write-back): a BatchingClient answers it at once, with no rows, and sends it with
 * what the transaction issues next, COMMIT included, so the write and the commit share one round
 * trip instead of taking one each. Should the write fail, PostgreSQL aborts the transaction and
 * answers COMMIT with ROLLBACK; the client then fails the COMMIT with the write's error (and any
 * statement in between with it rather than with "transaction is aborted"), so the caller's
 * transaction fails as if the write had been awaited. Only inside a transaction. Prepared as
 * prepared() would; returns the marked text, which only this use shares.
 */
export function answeredAtCommit(sql: string): string {
  return prepared(AT_COMMIT + sql);
}

const START_TRANSACTION = 'START TRANSACTION';
// What node-postgres answers to START TRANSACTION.
const BEGUN = { command: 'BEGIN', rowCount: null, oid: null, rows: [], fields: [] };
// What a statement marked answeredAtCommit() is answered at once.
const ANSWERED_LATER = { command: 'DEFERRED', rowCount: null, oid: null, rows: [], fields: [] };
const TRANSACTION_ABORTED = '25P02';

class AnsweredAtCommitOutsideTransaction extends Error {
  constructor(text: string) {
    super(`A statement marked answeredAtCommit() was issued outside a transaction, where its failure would go unseen; run it in one: ${text.slice(AT_COMMIT.length, AT_COMMIT.length + 60)}...`);
  }
}

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
 * waits for a timer. Writes marked answeredAtCommit() are answered at once and travel with the
 * COMMIT, which fails with their error should one fail.
 */
export class BatchingClient extends Client {
  private corked = false;
  // TypeORM's START TRANSACTION, sent but not yet answered: the next statement answers for it.
  private beginning?: Promise<unknown>;
  private inTransaction = false;
  // Whether the open transaction issued statements marked answeredAtCommit(), and the first of them to fail.
  private answeredLater = false;
  private laterFailure?: unknown;

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
    if (text === START_TRANSACTION || text === 'BEGIN') this.beginTransaction();
    // TypeORM passes its (absent) parameters along: query('START TRANSACTION', undefined).
    if (text === START_TRANSACTION && (args.length === 1 || (args.length === 2 && values === undefined)) && !this.beginning) {
      const begun = this.answerOf(query, { text: START_TRANSACTION });
      this.beginning = begun;
      // Handled through the next statement, which reports it.
      begun.catch(() => undefined);
      return Promise.resolve(BEGUN) as never;
    }
    const atCommit = typeof text === 'string' && text.startsWith(AT_COMMIT);
    if (atCommit && !this.inTransaction) return Promise.reject(new AnsweredAtCommitOutsideTransaction(text)) as never;
    // A statement with its values, as TypeORM and the services issue them; anything else (a callback, a submittable) as node-postgres takes it.
    const plain = typeof text === 'string' && args.length <= 2 && (values === undefined || Array.isArray(values));
    const sent = plain ? this.answerOf(query, { name: statementNames.get(text), text, values }) : query.apply(this, args);
    if (typeof sent?.then !== 'function') return sent as never;
    const answered = this.afterBeginning(sent);
    if (atCommit) {
      this.answeredLater = true;
      answered.catch((error: unknown) => (this.laterFailure ??= error));
      return Promise.resolve(ANSWERED_LATER) as never;
    }
    if (text === 'COMMIT' || text === 'ROLLBACK') return this.endTransaction(answered, text === 'COMMIT') as never;
    if (!this.answeredLater) return answered as never;
    return answered.catch((error: { code?: string }) => {
      throw error?.code === TRANSACTION_ABORTED && this.laterFailure !== undefined ? this.laterFailure : error;
    }) as never;
  }

  /**
   * The statement's answer as a promise made here from node-postgres's callback, not the one
   * node-postgres makes itself. Awaited by hot code (TypeORM's query runner, optimized by V8's
   * TurboFan), node-postgres's own promise kept every finished statement, its result and its rows
   * alive until the next young-generation collection promoted them: in a loop of `SELECT 1`,
   * 250-600 KB survived each collection against 1 KB this way, and the planner promoted 17 MB
   * during bench:e2e's surges instead of 4.5 (docs/performance.md, "What the services promote").
   * A failure keeps a stack that leads back to the caller, as node-postgres's does.
   */
  private answerOf(query: (...forwarded: unknown[]) => unknown, config: { name?: string; text: string; values?: unknown[] }): Promise<unknown> {
    return new Promise((resolve, reject) => {
      query.call(this, config, (error: unknown, result: unknown) => (error ? reject(error) : resolve(result)));
    }).catch((error: Error) => {
      Error.captureStackTrace(error);
      throw error;
    });
  }

  private beginTransaction(): void {
    this.inTransaction = true;
    this.answeredLater = false;
    this.laterFailure = undefined;
  }

  /** The statement's answer, after START TRANSACTION's if that is still on its way: its failure comes first. */
  private afterBeginning(result: Promise<unknown>): Promise<unknown> {
    const beginning = this.beginning;
    if (!beginning) return result;
    this.beginning = undefined;
    return beginning.then(
      () => result,
      (error: unknown) => {
        result.catch(() => undefined);
        throw error;
      },
    );
  }

  /**
   * A COMMIT that PostgreSQL answers with ROLLBACK (one of the transaction's statements had failed)
   * is a failure, with the error of the write that failed unawaited: otherwise the caller would
   * take a rolled-back transaction for a committed one.
   */
  private endTransaction(answered: Promise<unknown>, committing: boolean): Promise<unknown> {
    this.inTransaction = false;
    const settle = () => {
      const failure = this.laterFailure;
      this.answeredLater = false;
      this.laterFailure = undefined;
      return failure;
    };
    return answered.then(
      (result) => {
        const failure = settle();
        if (committing && (result as { command?: string }).command === 'ROLLBACK') {
          throw failure ?? new Error('PostgreSQL rolled the transaction back at COMMIT: one of its statements had failed.');
        }
        return result;
      },
      (error: unknown) => {
        settle();
        throw error;
      },
    );
  }
}
