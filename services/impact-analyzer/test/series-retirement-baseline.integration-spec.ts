import { Topics } from '@holdfast/contracts';
import { createKafka, physicalTopic, silentLogger } from '@holdfast/messaging';
import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import type { Consumer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzerService } from '../src/app.module';
import { postAll, seasonalSeries } from './support/analyzer-harness';

/** A message of region.baselines.v1 as the broker holds it: a tombstone's value is null, not empty. */
interface BaselineMessage {
  key: string | null;
  type: string | null;
  updatedAt: string | null;
}

describe("impact-analyzer: retiring a series removes its baseline from region.baselines.v1, against the real broker and PostgreSQL", () => {
  let service: ServiceUnderTest;
  let reader: Consumer;
  const messages: BaselineMessage[] = [];
  const clock = new ManualClock('2026-06-14T21:00:00Z');

  const ofSeries = () => messages.filter((message) => message.key === 'CO/r2req');
  // Five-minute samples of Bogota's daily cycle, past the 288 a series learns before its baseline is published.
  const learn = (from: string) => postAll(service, seasonalSeries({ region: 'CO', zone: 'America/Bogota', from, count: 300 }).map((sample) => ({ ...sample, metric: 'r2req' })));
  const retire = (reason = 'r2req%20renamed%20requests') => service.fetch(`/v1/regions/CO/series/r2req?reason=${reason}`, { method: 'DELETE' });

  beforeAll(async () => {
    service = await startServiceUnderTest(analyzerService, { clock });
    const { kafka } = service.config;
    reader = createKafka(kafka, silentLogger).consumer({ groupId: `${kafka.topicPrefix}baseline-reader`, maxWaitTimeInMs: 50 });
    await reader.connect();
    await reader.subscribe({ topic: physicalTopic(kafka, Topics.regionBaselines), fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) =>
        void messages.push({
          key: message.key?.toString() ?? null,
          type: message.headers?.ce_type?.toString() ?? null,
          updatedAt: message.value === null ? null : (JSON.parse(message.value.toString()) as { updatedAt: string }).updatedAt,
        }),
    });
  });

  afterAll(async () => {
    await reader?.disconnect();
    await service?.close();
  });

  it('writes the tombstone of its baseline (its key, no value) with the retirement, and publishes a baseline anew once the series is learned again', async () => {
    await learn('2026-06-13T20:00:00Z');
    await expectEventually(() => expect(ofSeries().map((message) => message.type)).toContain('region.baseline'), { timeoutMs: 30_000 });
    const published = ofSeries().length;

    expect((await retire()).status).toBe(200);
    await expectEventually(() => expect(ofSeries()).toHaveLength(published + 1));
    expect(ofSeries()[published]).toEqual({ key: 'CO/r2req', type: null, updatedAt: null });
    expect(await (await service.fetch('/v1/regions/CO/baseline')).json()).toMatchObject({ status: 404, code: 'no-baseline' });
    // Written with the retirement, in its transaction: a retirement refused writes none.
    expect((await retire('again')).status).toBe(404);
    const tombstones = await service.app.get(DataSource).query(`SELECT message_key, payload, published_at IS NOT NULL AS published FROM outbox_message WHERE topic = $1 AND event_type = 'tombstone'`, [Topics.regionBaselines]);
    expect(tombstones).toEqual([{ message_key: 'CO/r2req', payload: null, published: true }]);

    // Samples of it again: it learns afresh, and its baseline is published once it is warm, after the tombstone.
    clock.set('2026-06-16T00:00:00Z');
    await learn('2026-06-14T21:00:00Z');
    await expectEventually(() => expect(ofSeries().length).toBeGreaterThan(published + 1), { timeoutMs: 30_000 });
    expect(ofSeries()[published + 1]).toMatchObject({ key: 'CO/r2req', type: 'region.baseline' });
    expect(ofSeries().filter((message) => message.type === null)).toHaveLength(1);
  });
});
