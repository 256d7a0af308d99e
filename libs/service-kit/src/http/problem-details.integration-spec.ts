import { testEnvironment } from '@holdfast/testing';
import { Controller, Get, type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Kafka, logLevel } from 'kafkajs';
import { createServer } from 'node:net';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProblemDetailsFilter } from './problem-details.filter';

/** A loopback port nothing listens on: connecting to it is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let refusedPort = 0;

/** Each route fails the way a request does when its dependency is away, with the real client's own error. */
@Controller()
class FailingController {
  @Get('kafka-away')
  async kafkaAway(): Promise<void> {
    const kafka = new Kafka({ clientId: 'problem-spec', brokers: [`127.0.0.1:${refusedPort}`], retry: { retries: 1, initialRetryTime: 10 }, logLevel: logLevel.NOTHING });
    await kafka.producer().connect();
  }

  @Get('postgres-away')
  async postgresAway(): Promise<void> {
    await new Client({ host: '127.0.0.1', port: refusedPort, user: 'postgres' }).connect();
  }

  @Get('postgres-restarting')
  async postgresRestarting(): Promise<void> {
    const client = new Client({ connectionString: testEnvironment().databaseUrl });
    client.on('error', () => undefined);
    await client.connect();
    try {
      // What every session gets when PostgreSQL shuts down or an operator ends it: 57P01.
      await client.query('SELECT pg_terminate_backend(pg_backend_pid())');
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  @Get('bug')
  bug(): void {
    throw new TypeError("Cannot read properties of undefined (reading 'id')");
  }
}

@Module({ controllers: [FailingController] })
class FailingModule {}

describe('problem details for a request whose dependency is away', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    refusedPort = await closedPort();
    app = await NestFactory.create(FailingModule, { logger: false });
    app.useGlobalFilters(new ProblemDetailsFilter());
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });

  afterAll(() => app?.close());

  it.each([
    ['kafka-away', 'Kafka'],
    ['postgres-away', 'PostgreSQL'],
    ['postgres-restarting', 'PostgreSQL'],
  ])('answers %s with 503, Retry-After and the dependency named, not a 500', async (route, dependency) => {
    const response = await fetch(`${base}/${route}`);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    const problem = (await response.json()) as { code: string; dependency: string; detail: string };
    expect(problem.code).toBe('dependency-unavailable');
    expect(problem.dependency).toBe(dependency);
    expect(problem.detail).toBe(`${dependency} did not complete this request: it is unreachable, restarting or busy. Send the request again in a few seconds; GET /health/ready says when it is back.`);
    expect(problem.detail).not.toContain(String(refusedPort));
  });

  it('still answers a failure of its own with 500, without a Retry-After', async () => {
    const response = await fetch(`${base}/bug`);
    expect(response.status).toBe(500);
    expect(response.headers.get('retry-after')).toBeNull();
    expect(((await response.json()) as { code?: string }).code).toBeUndefined();
  });
});
