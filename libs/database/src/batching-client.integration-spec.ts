import { testEnvironment } from '@holdfast/testing';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { answeredAtCommit, BatchingClient, prepared } from './batching-client';

/** Counts the writes the client's socket makes (one per write system call, a corked batch being one). */
function countWrites(client: Client): { writes: number } {
  const socket = (client as unknown as { connection: { stream: { _write: (...args: unknown[]) => void; _writev: (...args: unknown[]) => void } } }).connection.stream;
  const counted = { writes: 0 };
  for (const method of ['_write', '_writev'] as const) {
    const original = socket[method].bind(socket);
    socket[method] = (...args: unknown[]) => {
      counted.writes++;
      original(...args);
    };
  }
  return counted;
}

describe('BatchingClient against the real PostgreSQL', () => {
  const clients: Client[] = [];
  const connect = async (Kind: typeof Client) => {
    const client = new Kind({ connectionString: testEnvironment().databaseUrl, pipeline: true } as ConstructorParameters<typeof Client>[0]);
    clients.push(client);
    await client.connect();
    return client;
  };
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.end()));
  });

  it('sends the statements issued together in one write, each answered with its own result', async () => {
    const batching = await connect(BatchingClient);
    const plain = await connect(Client);
    const issueThree = (client: Client) => Promise.all([1, 2, 3].map((value) => client.query<{ value: number }>('SELECT $1::int * 10 AS value', [value])));
    const [batchingWrites, plainWrites] = [countWrites(batching), countWrites(plain)];

    const [answers, plainAnswers] = [await issueThree(batching), await issueThree(plain)];

    expect(answers.map((answer) => answer.rows[0].value)).toEqual([10, 20, 30]);
    expect(plainAnswers.map((answer) => answer.rows[0].value)).toEqual([10, 20, 30]);
    expect(batchingWrites.writes).toBe(1);
    expect(plainWrites.writes).toBe(3);
  });

  it('answers statements awaited one by one, and keeps a failed one to itself', async () => {
    const client = await connect(BatchingClient);
    await client.query('BEGIN');
    const [first, failed, after] = await Promise.allSettled([
      client.query('SELECT 1 AS one'),
      client.query('SELECT * FROM no_such_table'),
      client.query('SELECT 2 AS two'),
    ]);
    await client.query('ROLLBACK');

    expect(first).toMatchObject({ status: 'fulfilled', value: { rows: [{ one: 1 }] } });
    expect(failed).toMatchObject({ status: 'rejected', reason: { code: '42P01' } });
    // A pipelined statement after an error in the same transaction is refused by PostgreSQL, not lost.
    expect(after).toMatchObject({ status: 'rejected', reason: { code: '25P02' } });
    expect((await client.query('SELECT 3 AS three')).rows).toEqual([{ three: 3 }]);
  });

  it('prepares a statement marked prepared() once per connection, and runs it again after a failed transaction', async () => {
    const client = await connect(BatchingClient);
    const marked = prepared('SELECT $1::int + 1 AS next');
    const preparedHere = async () =>
      (await client.query<{ statement: string }>('SELECT statement FROM pg_prepared_statements')).rows.map((row) => row.statement);

    const answers = await Promise.all([client.query(marked, [1]), client.query(marked, [2])]);
    await client.query('SELECT $1::int AS unmarked', [3]);
    await client.query('BEGIN');
    await expect(client.query('SELECT * FROM no_such_table')).rejects.toMatchObject({ code: '42P01' });
    await expect(client.query(marked, [3])).rejects.toMatchObject({ code: '25P02' });
    await client.query('ROLLBACK');

    expect(answers.map((answer) => answer.rows[0].next)).toEqual([2, 3]);
    expect((await client.query(marked, [4])).rows).toEqual([{ next: 5 }]);
    expect(await preparedHere()).toEqual([marked]);
  });

  it('sends START TRANSACTION with the first statement of the transaction, in one write and one transaction', async () => {
    const client = await connect(BatchingClient);
    await client.query('CREATE TEMPORARY TABLE note (text text)');
    const writes = countWrites(client);

    await client.query('START TRANSACTION');
    const written = await client.query("INSERT INTO note VALUES ('rolled back') RETURNING text");
    await client.query('ROLLBACK');

    expect(written.rows).toEqual([{ text: 'rolled back' }]);
    // START TRANSACTION and the insert in one write, then ROLLBACK, which took the row with it.
    expect(writes.writes).toBe(2);
    expect((await client.query('SELECT count(*)::int AS notes FROM note')).rows).toEqual([{ notes: 0 }]);
  });

  it('does so for the transactions TypeORM runs, which pass START TRANSACTION an absent parameter list', async () => {
    const dataSource = await new DataSource({ type: 'postgres', url: testEnvironment().databaseUrl, extra: { max: 1, pipeline: true, Client: BatchingClient } }).initialize();
    try {
      const runner = dataSource.createQueryRunner();
      await runner.connect();
      await runner.query('CREATE TEMPORARY TABLE note (text text)');
      const writes = countWrites((await runner.connect()) as Client);
      await runner.release();

      const written = await dataSource.transaction((transaction) => transaction.query("INSERT INTO note VALUES ('committed') RETURNING text"));

      expect(written).toEqual([{ text: 'committed' }]);
      // START TRANSACTION and the insert in one write, COMMIT in the next: two, not three.
      expect(writes.writes).toBe(2);
      expect(await dataSource.query('SELECT text FROM note')).toEqual([{ text: 'committed' }]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('fails the first statement of a transaction whose START TRANSACTION failed, with its error', async () => {
    const client = await connect(BatchingClient);
    await client.query('BEGIN');
    await expect(client.query('SELECT * FROM no_such_table')).rejects.toMatchObject({ code: '42P01' });

    await client.query('START TRANSACTION');
    const first = client.query('SELECT 1 AS one');

    await expect(first).rejects.toMatchObject({ code: '25P02' });
    await client.query('ROLLBACK');
    expect((await client.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
  });

  it("hands every statement to node-postgres with a callback, so none takes node-postgres's own promise", async () => {
    const client = await connect(BatchingClient);
    const handedOver = vi.spyOn(Client.prototype, 'query');
    try {
      await client.query('CREATE TEMPORARY TABLE note (text text)');
      await client.query('START TRANSACTION');
      await Promise.all([client.query(prepared('SELECT $1::int AS one'), [1]), client.query('SELECT $1::text AS two', ['2'])]);
      await client.query(answeredAtCommit('INSERT INTO note (text) VALUES ($1)'), ['kept']);
      await client.query('COMMIT');

      const lastArguments = handedOver.mock.calls.map((call) => call.at(-1));
      expect(lastArguments).toHaveLength(6);
      expect(lastArguments.every((argument) => typeof argument === 'function')).toBe(true);
      expect((await client.query('SELECT text FROM note')).rows).toEqual([{ text: 'kept' }]);
    } finally {
      handedOver.mockRestore();
    }
  });

  it('fails a refused statement with a stack that leads back to the code that awaited it', async () => {
    const client = await connect(BatchingClient);
    async function readTheMissingTable(): Promise<void> {
      await client.query('SELECT * FROM no_such_table');
    }

    const refused = await readTheMissingTable().catch((error: Error) => error);

    expect(refused).toMatchObject({ code: '42P01' });
    expect((refused as Error).stack).toContain('readTheMissingTable');
  });

  describe('writes answered at commit', () => {
    const insertNote = answeredAtCommit('INSERT INTO note (text) VALUES ($1)');

    it('sends the writes with COMMIT, in one write and one round trip, and commits them', async () => {
      const client = await connect(BatchingClient);
      await client.query('CREATE TEMPORARY TABLE note (text text)');
      const writes = countWrites(client);

      await client.query('START TRANSACTION');
      const answers = [await client.query(insertNote, ['first']), await client.query(insertNote, ['second'])];
      await client.query('COMMIT');

      expect(answers.map((answer) => answer.rows)).toEqual([[], []]);
      expect(writes.writes).toBe(1);
      expect((await client.query('SELECT text FROM note ORDER BY text')).rows).toEqual([{ text: 'first' }, { text: 'second' }]);
    });

    it('fails COMMIT with the error of a write that failed, and the statements in between with it too', async () => {
      const client = await connect(BatchingClient);
      await client.query('CREATE TEMPORARY TABLE note (text text NOT NULL)');

      await client.query('START TRANSACTION');
      await client.query(insertNote, ['kept?']);
      await client.query(insertNote, [null]);
      const between = client.query('SELECT 1 AS one');
      const commit = client.query('COMMIT');

      await expect(between).rejects.toMatchObject({ code: '23502', column: 'text' });
      await expect(commit).rejects.toMatchObject({ code: '23502', column: 'text' });
      expect((await client.query('SELECT count(*)::int AS notes FROM note')).rows).toEqual([{ notes: 0 }]);
      // The session is usable again, and the next transaction starts clean.
      await client.query('START TRANSACTION');
      await client.query(insertNote, ['next']);
      await client.query('COMMIT');
      expect((await client.query('SELECT text FROM note')).rows).toEqual([{ text: 'next' }]);
    });

    it('refuses a write answered at commit outside a transaction, where a failure would go unseen', async () => {
      const client = await connect(BatchingClient);
      await client.query('CREATE TEMPORARY TABLE note (text text)');

      await expect(client.query(insertNote, ['lost?'])).rejects.toThrow(/outside a transaction/);
      expect((await client.query('SELECT count(*)::int AS notes FROM note')).rows).toEqual([{ notes: 0 }]);
    });

    it('fails a COMMIT that PostgreSQL answers with ROLLBACK, even when the failed statement was ignored', async () => {
      const client = await connect(BatchingClient);
      await client.query('BEGIN');
      await client.query('SELECT * FROM no_such_table').catch(() => undefined);

      await expect(client.query('COMMIT')).rejects.toThrow(/rolled the transaction back at COMMIT/);
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    });
  });
});
