import type { MessagingRuntime } from '@holdfast/messaging';
import type { ServiceConfig } from '@holdfast/service-kit';
import type { Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { AnalyzerSettings } from '../config/analyzer-settings';
import type { SampleAssessmentService } from './sample-assessment.service';
import { TrafficSamplesConsumer } from './traffic-samples.consumer';

describe('TrafficSamplesConsumer.lag', () => {
  /** The consumer over admin clients whose connect fails while `brokerAway` holds; each client made, and those disconnected. */
  const consumerOver = (brokerAway: () => boolean) => {
    const made: string[] = [];
    const disconnected: string[] = [];
    const kafka = {
      admin: () => {
        const name = `admin ${made.length + 1}`;
        made.push(name);
        return {
          connect: async () => {
            if (brokerAway()) throw new Error('Connection error: connect ECONNREFUSED 127.0.0.1:19092');
          },
          disconnect: async () => void disconnected.push(name),
          fetchTopicOffsets: async () => [{ partition: 0, offset: '40', high: '40', low: '0' }],
          fetchOffsets: async () => [{ topic: 'traffic.samples.v1', partitions: [{ partition: 0, offset: '30' }] }],
        } as unknown as Admin;
      },
    };
    const messaging = { kafka, consumer: () => ({ groupId: 'impact-analyzer.samples' }) };
    const consumer = new TrafficSamplesConsumer(messaging as unknown as MessagingRuntime, {} as SampleAssessmentService, { kafka: { topicPrefix: '' } } as unknown as ServiceConfig<AnalyzerSettings>);
    consumer.onModuleInit();
    return { consumer, made, disconnected };
  };

  it('answers again once the broker is back, when its first connection failed, and shuts down cleanly either way', async () => {
    let away = true;
    const { consumer, made, disconnected } = consumerOver(() => away);
    await expect(consumer.lag()).rejects.toThrow(/ECONNREFUSED/);
    away = false;
    expect(await consumer.lag()).toEqual([{ partition: 0, messages: 10 }]);
    expect(await consumer.lag()).toEqual([{ partition: 0, messages: 10 }]);
    // One client for the failed attempt, one kept since.
    expect(made).toEqual(['admin 1', 'admin 2']);
    await consumer.onApplicationShutdown();
    expect(disconnected).toEqual(['admin 2']);
  });

  it('shuts down without failing while its only connection attempt failed', async () => {
    const { consumer, disconnected } = consumerOver(() => true);
    await expect(consumer.lag()).rejects.toThrow(/ECONNREFUSED/);
    await expect(consumer.onApplicationShutdown()).resolves.toBeUndefined();
    expect(disconnected).toEqual([]);
  });
});
