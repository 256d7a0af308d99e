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
