import { Topics } from '@holdfast/contracts';
import { MetricsRegistry } from '@holdfast/observability';
import { expectEventually } from '@holdfast/testing';
import { Logger, type LoggerService } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { Histogram } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessagingTestBed, effectCount, recordEffect, sampleEvent, type MessagingTestBed } from '../testing/messaging-test-bed';
import { KafkaReadinessCheck } from './kafka-readiness.check';
import { MessagingRuntime } from './messaging-runtime';

const BUG = "Cannot read properties of undefined (reading 'observe')";

/**
 * A registry whose per-event handling histogram fails as a bug in the consumer's own bookkeeping
 * would: with a TypeError, after the slice is applied and outside any handler's retry. kafkajs
 * counts a TypeError as final and stops the consumer without a restart.
 */
class BrokenBookkeeping extends MetricsRegistry {
  override histogram<L extends string>(name: string, help: string, labelNames: readonly L[] = [], buckets?: number[]): Histogram<L> {
    const histogram = super.histogram(name, help, labelNames, buckets);
    if (name === 'holdfast_event_handle_seconds') {
      histogram.observe = () => {
        throw new TypeError(BUG);
      };
    }
    return histogram;
  }
}

describe('readiness and liveness of a service whose consumer kafkajs stopped for good, against the real broker and PostgreSQL', () => {
  let bed: MessagingTestBed;
  let runtime: MessagingRuntime;
  const errors: Record<string, unknown>[] = [];
  const logger: LoggerService = { log() {}, warn() {}, debug() {}, error: (fields: unknown) => void errors.push(fields as Record<string, unknown>) };

  beforeAll(async () => {
    bed = await createMessagingTestBed('consumer-crash', [Topics.trafficSamples]);
    Logger.overrideLogger(logger);
    runtime = new MessagingRuntime({ kafka: bed.settings, topics: [] }, bed.dataSource, new BrokenBookkeeping('consumer-crash-spec', false));
    await runtime.publisher.connect();
  });

  afterAll(async () => {
    await runtime?.beforeApplicationShutdown();
    await runtime?.onApplicationShutdown();
    Logger.overrideLogger(false);
    await bed?.close();
  });

  it('goes down naming the topic, the group and the error once a TypeError thrown from eachBatch stops the consumer for good', async () => {
    const group = 'crashing-bookkeeping';
    const record = recordEffect(group);
    const consumer = runtime.consumer({
      topic: Topics.trafficSamples,
      group,
      batch: {
        handler: async (events, transaction) => {
          for (const event of events) await record(event, transaction);
        },
      },
    });
    const readiness = new KafkaReadinessCheck(runtime, new HealthIndicatorService());
    await consumer.start();
    expect((await readiness.check()).kafka).toMatchObject({ status: 'up' });
    expect((await readiness.alive())['kafka-consumers']).toEqual({ status: 'up' });

    const sample = sampleEvent('NO', 1, 'consumer-crash-spec');
    await bed.publisher.publish(sample);
    await expectEventually(async () => expect((await readiness.check()).kafka.status).toBe('down'), {
      timeoutMs: 30_000,
      message: 'readiness reports the consumer kafkajs stopped for good',
    });
    expect((await readiness.check()).kafka).toEqual({
      status: 'down',
      message: `the consumer of ${Topics.trafficSamples} (group ${consumer.groupId}) stopped for good after TypeError: ${BUG}. kafkajs does not restart a consumer after such an error: restart the service`,
    });
    // Only a restart brings it back: liveness says so, for an orchestrator to restart the service.
    expect((await readiness.alive())['kafka-consumers']).toMatchObject({ status: 'down', message: expect.stringContaining(`stopped for good after TypeError: ${BUG}`) });
    // The slice was applied before its bookkeeping failed; the consumer says so itself too.
    expect(await effectCount(bed.dataSource, [sample.id])).toBe(1);
    expect(errors).toContainEqual(expect.objectContaining({ topic: Topics.trafficSamples, group: consumer.groupId, msg: expect.stringMatching(/^consumer stopped for good/) }));
  });
});
