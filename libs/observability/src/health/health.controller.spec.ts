import { type INestApplication, Injectable, type LoggerService, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HealthIndicatorService } from '@nestjs/terminus';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HealthModule } from './health.module';
import type { ReadinessCheck } from './readiness-check';

/** What the database's check last met: null while it answers. */
let failure: Error | null = null;

/** Reports as the PostgreSQL check does: down with the driver's message, which names the internal host and port. */
@Injectable()
class PostgresqlLikeCheck implements ReadinessCheck {
  constructor(private readonly indicator: HealthIndicatorService) {}

  async check() {
    const session = this.indicator.check('postgresql');
    return failure ? session.down({ message: failure.message }) : session.up();
  }
}

/** Why a part of the process stopped for good, as a consumer kafkajs will not restart: null while none did. */
let stoppedForGood: string | null = null;

@Injectable()
class KafkaLikeCheck implements ReadinessCheck {
  constructor(private readonly indicator: HealthIndicatorService) {}

  async check() {
    return this.indicator.check('kafka').up({ brokers: 3, controller: 1 });
  }

  async alive() {
    const session = this.indicator.check('kafka-consumers');
    return stoppedForGood ? session.down({ message: stoppedForGood }) : session.up();
  }
}

@Module({ imports: [HealthModule.forRoot([PostgresqlLikeCheck, KafkaLikeCheck])] })
class HealthSpecModule {}

describe('the health endpoints, which need no key', () => {
  let app: INestApplication;
  let base: string;
  const logged: { level: string; line: Record<string, unknown> }[] = [];
  const capture = (level: string) => (line: unknown) => void logged.push({ level, line: line as Record<string, unknown> });
  const logger: LoggerService = { log: capture('info'), warn: capture('warn'), error: capture('error') };
  const probe = async (path: string) => {
    const response = await fetch(`${base}${path}`);
    return { status: response.status, text: await response.text() };
  };

  beforeAll(async () => {
    app = await NestFactory.create(HealthSpecModule, { logger });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });

  afterAll(async () => {
    vi.useRealTimers();
    await app?.close();
  });

  it("names a dependency that is down and since when, and leaves its cause to the log, once an outage", async () => {
    // Only Date is frozen: the server and fetch keep their real timers.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-02T10:15:00Z'));
    expect(await probe('/health')).toMatchObject({ status: 200 });
    failure = new Error('connect ECONNREFUSED 10.20.30.40:5432');
    const first = await probe('/health');
    expect(first.status).toBe(503);
    expect(first.text).not.toMatch(/10\.20\.30\.40|5432|ECONNREFUSED/);
    const body = JSON.parse(first.text) as { status: string; error: Record<string, unknown>; details: Record<string, unknown> };
    expect(body.status).toBe('error');
    expect(body.error).toEqual({ postgresql: { status: 'down', since: '2026-03-02T10:15:00.000Z' } });
    expect(body.details.kafka).toEqual({ status: 'up', brokers: 3, controller: 1 });

    vi.setSystemTime(new Date('2026-03-02T10:15:30Z'));
    failure = new Error('password authentication failed for user "holdfast_rw"');
    const ready = await probe('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.text).not.toContain('holdfast_rw');
    expect(JSON.parse(ready.text).error.postgresql).toEqual({ status: 'down', since: '2026-03-02T10:15:00.000Z' });
    expect(await probe('/health/live')).toMatchObject({ status: 200 });

    const warnings = logged.filter((entry) => entry.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].line).toMatchObject({ dependency: 'postgresql', cause: { message: 'connect ECONNREFUSED 10.20.30.40:5432' } });

    vi.setSystemTime(new Date('2026-03-02T10:17:00Z'));
    failure = null;
    expect(await probe('/health/ready')).toMatchObject({ status: 200 });
    expect(logged.at(-1)).toMatchObject({ level: 'info', line: { dependency: 'postgresql', downSeconds: 120, msg: 'postgresql answers readiness again' } });
    vi.setSystemTime(new Date('2026-03-02T11:00:00Z'));
    failure = new Error('Connection terminated unexpectedly');
    expect(JSON.parse((await probe('/health')).text).error).toEqual({ postgresql: { status: 'down', since: '2026-03-02T11:00:00.000Z' } });
    expect(logged.filter((entry) => entry.level === 'warn')).toHaveLength(2);
  });

  it('fails liveness only for a part of the process that stopped for good, which a restart mends, never for a dependency', async () => {
    failure = new Error('connect ECONNREFUSED 10.20.30.40:5432');
    const live = await probe('/health/live');
    expect(live.status).toBe(200);
    expect(JSON.parse(live.text).details).toEqual({ 'kafka-consumers': { status: 'up' } });

    stoppedForGood = 'the consumer of traffic.samples.v1 (group impact-analyzer.samples) stopped for good after TypeError: x is undefined';
    const dead = await probe('/health/live');
    expect(dead.status).toBe(503);
    expect(dead.text).not.toContain('TypeError');
    expect(JSON.parse(dead.text).error).toEqual({ 'kafka-consumers': { status: 'down', since: expect.any(String) } });
    expect(logged.at(-1)).toMatchObject({ level: 'warn', line: { dependency: 'kafka-consumers', cause: { message: stoppedForGood } } });
    stoppedForGood = null;
    failure = null;
  });
});
