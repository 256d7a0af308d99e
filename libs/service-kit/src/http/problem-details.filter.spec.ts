import { Controller, Get, type INestApplication, type LoggerService, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DatabaseError } from 'pg';
import { stdSerializers } from 'pino';
import { QueryFailedError } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
