import { DatabaseReadinessCheck } from '@holdfast/database';
import { HealthModule, MetricsRegistry } from '@holdfast/observability';
import { createTestDatabase, freePort, type TestDatabase } from '@holdfast/testing';
import { Global, type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaReadinessCheck } from './kafka-readiness.check';
import { MessagingRuntime } from './messaging-runtime';

/** A TCP relay to PostgreSQL that the spec closes, so the database becomes unreachable at an address of its own. */
async function relayTo(target: URL): Promise<{ port: number; close(): void }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const end of [socket, upstream]) {
      sockets.add(end);
      end.on('error', () => end.destroy());
    }
    socket.pipe(upstream).pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () => {
      server.close();
      for (const socket of sockets) socket.destroy();
    },
  };
}

describe('readiness with the real checks, PostgreSQL and Kafka unreachable', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let relay: Awaited<ReturnType<typeof relayTo>>;
  let kafkaPort: number;
  let runtime: MessagingRuntime;
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    database = await createTestDatabase('readiness');
    relay = await relayTo(new URL(database.url));
    const url = new URL(database.url);
    url.port = String(relay.port);
    dataSource = new DataSource({ type: 'postgres', url: url.toString(), schema: 'public', extra: { max: 2, connectionTimeoutMillis: 500 } });
    await dataSource.initialize();
    // Nothing listens here: the broker is down at an address that must not reach an unauthenticated caller.
    kafkaPort = await freePort();
    runtime = new MessagingRuntime({ kafka: { brokers: [`127.0.0.1:${kafkaPort}`], clientId: 'readiness-spec', topicPrefix: '' }, topics: [] }, dataSource, new MetricsRegistry('readiness-spec', false));
    // Only the check's own call: the runtime's start would refuse to boot without a broker.
    @Global()
    @Module({ providers: [{ provide: DataSource, useValue: dataSource }, { provide: MessagingRuntime, useValue: { describeCluster: () => runtime.describeCluster(), stoppedConsumers: () => runtime.stoppedConsumers() } }], exports: [DataSource, MessagingRuntime] })
    class Dependencies {}
    @Module({ imports: [Dependencies, HealthModule.forRoot([DatabaseReadinessCheck, KafkaReadinessCheck])] })
    class ReadinessSpecModule {}
    app = await NestFactory.create(ReadinessSpecModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });

  afterAll(async () => {
    await app?.close();
    await runtime?.onApplicationShutdown();
    await dataSource?.destroy().catch(() => undefined);
    relay?.close();
    await database?.drop();
  });

  it('names what is down and since when on /health and /health/ready, and no address', async () => {
    relay.close();
    for (const path of ['/health', '/health/ready']) {
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(503);
      const text = await response.text();
      expect(text, path).not.toMatch(new RegExp(`${relay.port}|${kafkaPort}|ECONNREFUSED|127\\.0\\.0\\.1`));
      const { error } = JSON.parse(text) as { error: Record<string, unknown> };
      expect(error, path).toEqual({ postgresql: { status: 'down', since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) }, kafka: { status: 'down', since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) } });
    }
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
  });
});
