import { Topics } from '@holdfast/contracts';
import { MetricsRegistry } from '@holdfast/observability';
import { expectEventually } from '@holdfast/testing';
import { Logger, type LoggerService } from '@nestjs/common';
import { stdSerializers } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessagingTestBed, sampleEvent, type MessagingTestBed } from '../testing/messaging-test-bed';
import { MessagingRuntime } from './messaging-runtime';

/** What only the event's owner may read: here a handler's statement carries it into a constraint violation. */
const SECRET = 'a-token-only-the-owner-knows';

describe("the messaging runtime's log, against the real broker and PostgreSQL", () => {
  let bed: MessagingTestBed;
  let runtime: MessagingRuntime;
  const logged: { level: string; fields: Record<string, unknown> }[] = [];
  const capture = (level: string) => (fields: unknown) => void logged.push({ level, fields: fields as Record<string, unknown> });
  const logger: LoggerService = { log: capture('info'), warn: capture('warn'), error: capture('error'), debug: capture('debug') };
  // What pino writes for a line's err (nestjs-pino hands the object to pino, whose err serializer this is).
  const written = (fields: Record<string, unknown>) => JSON.stringify({ ...fields, err: stdSerializers.err(fields.err as Error) });

  beforeAll(async () => {
    bed = await createMessagingTestBed('messaging-runtime', [Topics.trafficSamples]);
    Logger.overrideLogger(logger);
    runtime = new MessagingRuntime({ kafka: bed.settings, topics: [] }, bed.dataSource, new MetricsRegistry('runtime-spec', false));
    await runtime.publisher.connect();
  });

  afterAll(async () => {
    await runtime?.beforeApplicationShutdown();
    await runtime?.onApplicationShutdown();
    Logger.overrideLogger(false);
    await bed?.close();
  });

  it("logs a handler's failed statement without the values it carried: neither its parameters nor PostgreSQL's detail", async () => {
    const consumer = runtime.consumer({
      topic: Topics.trafficSamples,
      group: 'failing-statement',
      retry: { attempts: 2, startingDelayMs: 10, maxDelayMs: 50 },
      handlers: {
        // region is NOT NULL: PostgreSQL refuses the row and quotes it ("Failing row contains (a-token-..., ..., null)").
        'traffic.sample': async (event, transaction) => {
          await transaction.query('INSERT INTO effect (consumer_group, event_id, region) VALUES ($1, $2, NULL)', [SECRET, event.id]);
        },
      },
    });
    await consumer.start();
    await bed.publisher.publish(sampleEvent('PE', 1, 'runtime-spec'));
    const retried = await expectEventually(() => {
      const line = logged.find((entry) => entry.fields.msg === 'event handling failed; retrying');
      expect(line).toBeDefined();
      return line!;
    }, { timeoutMs: 30_000, message: 'the failing handler is retried' });
    const line = written(retried.fields);
    expect(line).not.toContain(SECRET);
    expect(line).toContain('"type":"QueryFailedError"');
    expect(line).toContain('INSERT INTO effect');
    expect(line).toContain('violates not-null constraint');
    await expectEventually(() => expect(logged.map((entry) => entry.fields.msg)).toContain('message sent to the dead-letter topic'), { timeoutMs: 30_000 });
    expect(JSON.stringify(logged.map((entry) => written(entry.fields)))).not.toContain(SECRET);
  });

  it('hears the broker every fetch wait while idle, and counts a handler at work as busy, not unheard', async () => {
    let release = () => {};
    const holding = new Promise<void>((resolve) => (release = resolve));
    const consumer = runtime.consumer({
      topic: Topics.trafficSamples,
      group: 'silence',
      // Only the spec's own sample is held: the one the test before published is handled at once, leaving the consumer idle.
      handlers: {
        'traffic.sample': async (event) => {
          if (event.data.region === 'UY') await holding;
        },
      },
    });
    try {
      await consumer.start();
      // Idle: each fetch wait (0.5 s) is answered, so the silence falls back to nothing again and again and never reaches a second.
      await expectEventually(() => expect(consumer.silentForMs()).toBeLessThan(1_000), { timeoutMs: 30_000 });
      const idle: number[] = [consumer.silentForMs()];
      await expectEventually(() => {
        idle.push(consumer.silentForMs());
        expect(idle.filter((silence, index) => index > 0 && silence < idle[index - 1]).length).toBeGreaterThanOrEqual(3);
      });
      expect(Math.max(...idle)).toBeLessThan(1_000);
      await bed.publisher.publish(sampleEvent('UY', 1, 'runtime-spec'));
      await expectEventually(() => expect(consumer.silentForMs()).toBe(0), { timeoutMs: 30_000, message: 'the handler holds the event' });
      // Two fetch waits and more with the handler at work: still not silent, read after read.
      const holdingSince = performance.now();
      const busy: number[] = [];
      await expectEventually(() => {
        busy.push(consumer.silentForMs());
        expect(performance.now() - holdingSince).toBeGreaterThan(1_500);
      });
      expect(new Set(busy)).toEqual(new Set([0]));
      expect(runtime.silentForMs(Topics.regionSurges)).toBeUndefined();
    } finally {
      release();
    }
  });
});
