import { testEnvironment } from '@holdfast/testing';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it, vi } from 'vitest';

// patches/kafkajs+2.2.4.patch: upstream kafkajs 2.2.4 re-arms a 1 ms timer on every connection for
// as long as it is open (kafkajs#1556), which kept each idle service at about 5% of a core.
describe('an idle kafkajs connection', () => {
  const { kafkaBrokers } = testEnvironment();
  afterEach(() => vi.restoreAllMocks());

  it('arms no request-queue timer while nothing is pending', async () => {
    const producer = new Kafka({ clientId: 'idle-connection-spec', brokers: kafkaBrokers, logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    try {
      const wait = globalThis.setTimeout;
      const armedFrom: string[] = [];
      vi.spyOn(globalThis, 'setTimeout').mockImplementation(((callback: () => void, ms?: number) => {
        armedFrom.push(new Error().stack ?? '');
        return wait(callback, ms);
      }) as typeof setTimeout);
      await new Promise((resolve) => wait(resolve, 300));
      expect(armedFrom.filter((stack) => stack.includes('requestQueue'))).toHaveLength(0);
    } finally {
      await producer.disconnect();
    }
  });
});
