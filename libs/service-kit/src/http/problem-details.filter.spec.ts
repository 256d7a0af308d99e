import { Controller, Get, type INestApplication, type LoggerService, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DatabaseError } from 'pg';
import { stdSerializers } from 'pino';
import { QueryFailedError } from 'typeorm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { dependencyUnavailable } from '../errors/unreachable-dependency';
import { ProblemDetailsFilter } from './problem-details.filter';

const TARGET = 'https://hooks.slack.com/services/T0000/B0000/a-token-only-the-owner-knows';

/** What node-postgres answers a statement that breaks a check constraint: the row, quoted. */
function checkViolation(): DatabaseError {
  return Object.assign(new DatabaseError('new row for relation "subscription" violates check constraint "subscription_target_check"', 120, 'error'), {
    code: '23514',
    table: 'subscription',
    constraint: 'subscription_target_check',
    detail: `Failing row contains (0192, webhook, ${TARGET}, ops).`,
  });
}

@Controller()
class FailingStatementController {
  @Get('insert')
  insert(): never {
    throw new QueryFailedError('INSERT INTO subscription (id, channel, target, owner_team) VALUES ($1, $2, $3, $4)', ['0192', 'webhook', TARGET, 'ops'], checkViolation());
  }
}

@Module({ controllers: [FailingStatementController] })
class FailingStatementModule {}

describe('the problem-details filter, logging a failed statement', () => {
  let app: INestApplication;
  let base: string;
  const logged: unknown[][] = [];
  const logger: LoggerService = { log: () => undefined, warn: () => undefined, error: (...args: unknown[]) => logged.push(args) };
  // What pino writes for the logged object's err (nestjs-pino hands it to pino, whose err serializer this is).
  const written = () => JSON.stringify(logged.map(([fields]) => ({ ...(fields as object), err: stdSerializers.err((fields as { err: Error }).err) })));

  beforeAll(async () => {
    app = await NestFactory.create(FailingStatementModule, { logger });
    app.useGlobalFilters(new ProblemDetailsFilter());
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });

  afterAll(() => app?.close());

  it('logs what failed without the values the statement carried, and answers none of it', async () => {
    const response = await fetch(`${base}/insert`);
    expect(response.status).toBe(500);
    expect(JSON.stringify(await response.json())).not.toMatch(/INSERT|a-token-only/);
    expect(logged).toHaveLength(1);
    const line = written();
    expect(line).not.toContain('a-token-only-the-owner-knows');
    expect(line).toContain('INSERT INTO subscription');
    expect(line).toContain('subscription_target_check');
    expect(line).toContain('"type":"QueryFailedError"');
  });
});

@Controller()
class OutageController {
  /** What TypeORM throws for a statement whose session an administrator (or a restart) terminated. */
  @Get('postgresql-away')
  postgresqlAway(): never {
    const terminated = Object.assign(new DatabaseError('terminating connection due to administrator command', 120, 'error'), { code: '57P01' });
    throw new QueryFailedError('SELECT 1', [], terminated);
  }

  @Get('kafka-away')
  kafkaAway(): never {
    throw dependencyUnavailable('Kafka');
  }

  @Get('bug')
  bug(): never {
    throw new TypeError("Cannot read properties of undefined (reading 'id')");
  }
}

@Module({ controllers: [OutageController] })
class OutageModule {}

describe('the problem-details filter, logging the answers of an outage', () => {
  let app: INestApplication;
  let base: string;
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const keep = (level: string) => (fields: unknown, message: unknown) => lines.push({ level, fields: fields as Record<string, unknown>, message: String(message) });
  const logger: LoggerService = { log: () => undefined, debug: keep('debug'), warn: keep('warn'), error: keep('error') };
  const get = async (path: string) => (await fetch(`${base}/${path}`)).status;

  beforeAll(async () => {
    app = await NestFactory.create(OutageModule, { logger });
    app.useGlobalFilters(new ProblemDetailsFilter());
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });

  afterEach(() => {
    vi.useRealTimers();
    lines.length = 0;
  });

  afterAll(() => app?.close());

  it('logs a burst of dependency-unavailable answers once per dependency at warn, without the stack, then once per interval with the count', async () => {
    // RepeatedFailure's clock, alone: the HTTP round trips keep their real timers.
    vi.useFakeTimers({ toFake: ['performance'] });
    for (let i = 0; i < 5; i++) expect(await get('postgresql-away')).toBe(503);
    expect(await get('kafka-away')).toBe(503);
    const loud = () => lines.filter((line) => line.level !== 'debug');
    expect(loud()).toEqual([
      { level: 'warn', fields: expect.objectContaining({ dependency: 'PostgreSQL', answers: 1, instance: '/postgresql-away', cause: 'terminating connection due to administrator command' }), message: expect.stringContaining('PostgreSQL did not complete requests') },
      { level: 'warn', fields: expect.objectContaining({ dependency: 'Kafka', answers: 1 }), message: expect.stringContaining('Kafka did not complete requests') },
    ]);
    expect(JSON.stringify(lines)).not.toMatch(/"err"|stack|at OutageController/);
    expect(lines.filter((line) => line.level === 'debug')).toHaveLength(4);

    vi.advanceTimersByTime(29_999);
    expect(await get('postgresql-away')).toBe(503);
    expect(loud()).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(await get('postgresql-away')).toBe(503);
    // The 4 quiet answers of the burst, the one just before the interval ended and this one.
    expect(loud().slice(2)).toEqual([{ level: 'warn', fields: expect.objectContaining({ dependency: 'PostgreSQL', answers: 6 }), message: expect.stringContaining('6 since the last such line') }]);
  });

  it('still logs every internal error at error level with its stack', async () => {
    for (let i = 0; i < 3; i++) expect(await get('bug')).toBe(500);
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line.level).toBe('error');
      expect((line.fields.err as Error).stack).toContain('OutageController.bug');
    }
  });
});

@Controller('v1/windows')
class WindowsController {
  @Get()
  list(): { items: never[] } {
    return { items: [] };
  }
}

@Module({ controllers: [WindowsController] })
class PlannerLikeModule {}

describe('the problem-details filter, asked for a route of another service', () => {
  let app: INestApplication;
  let base: string;
  const ask = async (path: string, method = 'GET') => {
    const response = await fetch(`${base}${path}`, { method });
    return { status: response.status, problem: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    app = await NestFactory.create(PlannerLikeModule, { logger: false });
    app.useGlobalFilters(new ProblemDetailsFilter(null, 'maintenance-planner'));
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });

  afterAll(() => app?.close());

  it('names the service that serves the path and method, where to find it, and its route as documented', async () => {
    expect(await ask('/v1/samples?dryRun=true', 'POST')).toEqual({
      status: 404,
      problem: {
        type: 'https://holdfast.dev/problems/no-such-route',
        title: 'Not Found',
        status: 404,
        detail: 'No route of the maintenance-planner serves POST /v1/samples: the impact-analyzer does (POST /v1/samples); send it there (by default port 3002 under npm start, HOLDFAST_ANALYZER_URL for the CLI).',
        instance: '/v1/samples?dryRun=true',
        code: 'no-such-route',
        servedBy: 'impact-analyzer',
      },
    });
  });

  it('finds the route as the service that serves it would: in any case, with a trailing slash', async () => {
    // As Express routes its own paths.
    expect((await fetch(`${base}/V1/Windows/`)).status).toBe(200);
    const { status, problem } = await ask('/V1/Subscriptions/0190a7d2-6c4e-7b1a-9f3e-1c2d3e4f5a6b/');
    expect(status).toBe(404);
    expect(problem).toMatchObject({
      detail:
        'No route of the maintenance-planner serves GET /V1/Subscriptions/0190a7d2-6c4e-7b1a-9f3e-1c2d3e4f5a6b/: the notifier does (GET /v1/subscriptions/{id}); send it there (by default port 3003 under npm start, HOLDFAST_NOTIFIER_URL for the CLI).',
      servedBy: 'notifier',
    });
  });

  it("names the service whose path it is with the methods it takes there, when it takes none the request's", async () => {
    expect((await ask('/v1/subscriptions/0190a7d2-6c4e-7b1a-9f3e-1c2d3e4f5a6b', 'PUT')).problem).toMatchObject({
      detail:
        'No route of the maintenance-planner serves PUT /v1/subscriptions/0190a7d2-6c4e-7b1a-9f3e-1c2d3e4f5a6b: the notifier serves /v1/subscriptions/{id}, with GET, PATCH or DELETE (by default port 3003 under npm start, HOLDFAST_NOTIFIER_URL for the CLI).',
      servedBy: 'notifier',
    });
  });

  it('names itself, and no other, for a path no service serves', async () => {
    const { status, problem } = await ask('/v1/window?x=1');
    expect(status).toBe(404);
    expect(problem.detail).toBe(
      'No route of the maintenance-planner serves GET /v1/window: check the URL names the right service (the planner, the analyzer or the notifier); the OpenAPI document at /docs lists its routes.',
    );
    expect(problem).not.toHaveProperty('servedBy');
  });

  it('still answers its own path with a method it does not take with 405', async () => {
    const { status, problem } = await ask('/v1/windows', 'DELETE');
    expect([status, problem.code, problem.servedBy]).toEqual([405, 'method-not-allowed', undefined]);
  });
});
