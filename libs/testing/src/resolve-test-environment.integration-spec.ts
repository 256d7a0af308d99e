import { describe, expect, it } from 'vitest';
import { resolveTestEnvironment } from './resolve-test-environment';
import { testEnvironment } from './test-environment';

describe('resolveTestEnvironment', () => {
  const { kafkaBrokers, databaseUrl } = testEnvironment();

  it('takes Kafka and PostgreSQL from KAFKA_BROKERS and DATABASE_URL, checking that both answer', async () => {
    const said: string[] = [];
    const resolved = await resolveTestEnvironment({ env: { KAFKA_BROKERS: ` ${kafkaBrokers.join(' , ')} `, DATABASE_URL: databaseUrl }, log: (line) => said.push(line) });
    try {
      expect(resolved.environment).toEqual({ kafkaBrokers, databaseUrl, source: { kafka: 'env', database: 'env' } });
      expect(said[0]).toBe('test environment: Kafka from the environment, PostgreSQL from the environment');
    } finally {
      await resolved.release();
    }
  });

  it('names DATABASE_URL when the server it points at does not answer, with the password hidden', async () => {
    const resolving = resolveTestEnvironment({ env: { KAFKA_BROKERS: kafkaBrokers.join(','), DATABASE_URL: 'postgres://holdfast:s3cret@127.0.0.1:1/holdfast' } });

    await expect(resolving).rejects.toThrow(/^PostgreSQL does not answer at postgres:\/\/holdfast:\*\*\*@127\.0\.0\.1:1\/holdfast .*: check DATABASE_URL$/);
    await expect(resolving).rejects.not.toThrow(/s3cret/);
  });
});
