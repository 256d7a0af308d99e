import { createTestDatabase, loopbackProxy, testEnvironment, uniqueTestId, type LoopbackProxy, type TestDatabase } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServices, freePort, startService, type RunningService } from '../scripts/system/system-runner.mjs';

describe('a service started while its broker does not answer (KAFKA_CONNECT_WAIT_SECONDS)', () => {
  let database: TestDatabase;
  const running: RunningService[] = [];
  const proxies: LoopbackProxy[] = [];
  const env = (broker: string, waitSeconds: string) => ({
    DATABASE_URL: database.url,
    DATABASE_POOL_SIZE: '2',
    KAFKA_BROKERS: broker,
    KAFKA_TOPIC_PREFIX: `${uniqueTestId('kafka-boot-wait')}.`,
    KAFKA_CONNECT_WAIT_SECONDS: waitSeconds,
  });

  beforeAll(async () => {
    buildServices({ log: () => undefined });
    database = await createTestDatabase('kafka-boot-wait');
  });

  afterAll(async () => {
    await Promise.all(running.map((service) => service.stop()));
    proxies.forEach((proxy) => proxy.close());
    await database?.drop();
  });

  it('waits, saying so each retry, and starts once a broker answers at KAFKA_BROKERS', async () => {
    const port = await freePort();
    const lines: string[] = [];
    let appeared = false;
    // The broker "starts" at the first wait line: a proxy to the test broker begins listening on the port the service was given.
    const appear = () => {
      appeared = true;
      proxies.push(loopbackProxy(port, testEnvironment().kafkaBrokers[0]));
    };
    const onLine = (line: string) => {
      lines.push(line);
      if (!appeared && line.includes('is not up yet')) appear();
    };
    running.push(await startService({ name: 'maintenance-planner', port: await freePort(), env: env(`127.0.0.1:${port}`, '60'), onLine }));
    expect(lines).toContain(
      `maintenance-planner: Kafka at 127.0.0.1:${port} is not up yet (Connection error: connect ECONNREFUSED 127.0.0.1:${port}); trying again (attempt 2, for up to 60 s in all: KAFKA_CONNECT_WAIT_SECONDS)`,
    );
  });

  it('exits 1 once KAFKA_CONNECT_WAIT_SECONDS is over, telling to check brokers that are not the local one', async () => {
    const port = await freePort();
    const lines: string[] = [];
    const failure = await startService({ name: 'notifier', port: await freePort(), env: env(`127.0.0.1:${port}`, '1'), onLine: (line: string) => lines.push(line) }).then(
      (service: RunningService) => {
        running.push(service);
        return '';
      },
      (error: Error) => error.message,
    );
    expect(failure).toMatch(/notifier exited \(code 1\) before it was ready/);
    expect(failure).toContain(
      `Kafka at 127.0.0.1:${port} is not usable after waiting 1 s (KAFKA_CONNECT_WAIT_SECONDS): Connection error: connect ECONNREFUSED 127.0.0.1:${port}. Check that the brokers in KAFKA_BROKERS run and are reachable from here.`,
    );
    expect(lines.some((line) => line.startsWith(`notifier: Kafka at 127.0.0.1:${port} is not up yet`))).toBe(true);
  });
});
