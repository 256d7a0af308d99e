import { HealthModule, type ReadinessCheck } from '@holdfast/observability';
import { createTestDatabase, freePort, testEnvironment, type TestDatabase } from '@holdfast/testing';
import { Controller, Get, type INestApplication, Injectable, type LoggerService, type MiddlewareConsumer, Module, type NestModule, NotFoundException, Param, Patch, RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HealthIndicatorService } from '@nestjs/terminus';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProblemDetailsFilter } from './problem-details.filter';

let refusedPort = 0;
/** A database closed to connections, as ALTER DATABASE ... ALLOW_CONNECTIONS false (or a restore under way) leaves it. */
let closed: TestDatabase;

/** A dependency that is down, as PostgreSQL's readiness check reports it. */
@Injectable()
class DownCheck implements ReadinessCheck {
  constructor(private readonly indicator: HealthIndicatorService) {}

  async check() {
    return this.indicator.check('postgresql').down({ message: 'connect ECONNREFUSED 10.0.0.7:5432' });
  }
}

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

  @Get('postgres-closed')
  async postgresClosed(): Promise<void> {
    await new Client({ connectionString: closed.url }).connect();
  }

  @Get('bug')
  bug(): void {
    throw new TypeError("Cannot read properties of undefined (reading 'id')");
  }

  @Get('things/:id')
  thing(@Param('id') id: string): void {
    throw new NotFoundException(`No thing ${id}`);
  }

  @Patch('things/:id')
  changeThing(): void {}
}

/** Middleware for all routes, as every service has (nestjs-pino's request logger): Nest registers it as a route matching every path and method. */
@Module({ imports: [HealthModule.forRoot([DownCheck])], controllers: [FailingController] })
class FailingModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply((_request: unknown, _response: unknown, next: () => void) => next()).forRoutes({ path: '*', method: RequestMethod.ALL });
  }
}

describe('problem details for a request whose dependency is away', () => {
  let app: INestApplication;
  let base: string;

  const errors: unknown[] = [];
  const logger: LoggerService = { log: () => undefined, warn: () => undefined, error: (line: unknown) => void errors.push(line) };

  beforeAll(async () => {
    // A loopback port nothing listens on: connecting to it is refused at once.
    refusedPort = await freePort();
    closed = await createTestDatabase('problem-closed');
    const admin = new Client({ connectionString: testEnvironment().databaseUrl });
    await admin.connect();
    await admin.query(`ALTER DATABASE "${closed.name}" ALLOW_CONNECTIONS false`);
    await admin.end();
    app = await NestFactory.create(FailingModule, { logger });
    app.useGlobalFilters(new ProblemDetailsFilter());
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });

  afterAll(async () => {
    await app?.close();
    await closed?.drop();
  });

  it.each([
    ['kafka-away', 'Kafka'],
    ['postgres-away', 'PostgreSQL'],
    ['postgres-restarting', 'PostgreSQL'],
    ['postgres-closed', 'PostgreSQL'],
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

  it("answers /health with the dependency down and since when, as the health endpoint writes it, and logs no error for the probe", async () => {
    errors.length = 0;
    for (const path of ['/health', '/health/ready']) {
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(503);
      const text = await response.text();
      expect(text, path).not.toContain('10.0.0.7');
      expect(JSON.parse(text), path).toMatchObject({ status: 'error', error: { postgresql: { status: 'down', since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) } } });
    }
    expect(errors).toEqual([]);
  });

  it('still answers a failure of its own with 500, without a Retry-After', async () => {
    const response = await fetch(`${base}/bug`);
    expect(response.status).toBe(500);
    expect(response.headers.get('retry-after')).toBeNull();
    expect(((await response.json()) as { code?: string }).code).toBe('internal-error');
  });

  it('answers a method a path does not take with 405 and Allow, and a path nothing serves with 404', async () => {
    const wrongMethod = await fetch(`${base}/things/42?x=1`, { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, HEAD, PATCH');
    expect(await wrongMethod.json()).toEqual({
      type: 'https://holdfast.dev/problems/method-not-allowed',
      title: 'Method Not Allowed',
      status: 405,
      detail: 'DELETE is not an operation on /things/42: it answers GET, HEAD, PATCH (the OpenAPI document at /docs lists each).',
      instance: '/things/42?x=1',
      code: 'method-not-allowed',
      allowed: ['GET', 'HEAD', 'PATCH'],
    });
    // The route's own 404 (no such thing) stays a 404, and so does a path no route serves.
    const missingThing = await fetch(`${base}/things/42`);
    expect([missingThing.status, missingThing.headers.get('allow'), await missingThing.json()]).toEqual([404, null, expect.objectContaining({ detail: 'No thing 42', code: 'not-found' })]);
    const nowhere = await fetch(`${base}/nowhere?x=1`, { method: 'DELETE' });
    expect([nowhere.status, nowhere.headers.get('allow')]).toEqual([404, null]);
    // Most often a URL meant for another service: said so, with a code like every other problem's.
    expect(await nowhere.json()).toEqual({
      type: 'https://holdfast.dev/problems/no-such-route',
      title: 'Not Found',
      status: 404,
      detail: 'No route of this service serves DELETE /nowhere: check the URL names the right service (the planner, the analyzer or the notifier); the OpenAPI document at /docs lists its routes.',
      instance: '/nowhere?x=1',
      code: 'no-such-route',
    });
  });
});
