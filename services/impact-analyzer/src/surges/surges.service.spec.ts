import type { HoldfastEvent } from '@holdfast/contracts';
import type { MessagingRuntime } from '@holdfast/messaging';
import { ManualClock } from '@holdfast/testing';
import type { DataSource, EntityManager } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { SurgesService } from './surges.service';

describe('SurgesService: the time of a surge event', () => {
  /** The service on a clock at 2026-06-14T21:16:00Z, over a transaction that takes every write, and the events it wrote to the outbox. */
  const surges = () => {
    const written: HoldfastEvent[] = [];
    const messaging = { outbox: { add: async (_: EntityManager, ...events: HoldfastEvent[]) => void written.push(...events) } };
    const transaction = { query: async () => [], getRepository: () => ({ update: async () => undefined }) } as unknown as EntityManager;
    const clock = new ManualClock('2026-06-14T21:16:00Z');
    return { service: new SurgesService(messaging as unknown as MessagingRuntime, {} as DataSource, clock), transaction, clock, written };
  };
  const opening = {
    region: 'IR',
    metric: 'requests',
    source: 'detector',
    origin: 'signal-loss/requests',
    severity: 'major',
    startedAt: new Date('2026-06-14T21:16:00Z'),
    signalLoss: { lastSampleAt: '2026-06-14T20:55:00.000Z', silentSeconds: 960 },
    reason: 'No requests sample from IR for 16 minutes',
  } as const;

  it('is the injected clock’s now, as the times in its payload are, when the caller gives none', async () => {
    const { service, transaction, clock, written } = surges();
    const opened = await service.open(transaction, opening, { correlationId: 'signal-loss:IR/requests' });
    clock.advance(60_000);
    const updated = await service.update(transaction, opened, { severity: 'critical' });
    clock.advance(60_000);
    await service.clear(transaction, updated, clock.now(), 'Samples of requests from IR are arriving again');
    expect(written.map((event) => [event.type, event.time])).toEqual([
      ['surge.started', '2026-06-14T21:16:00.000Z'],
      ['surge.updated', '2026-06-14T21:17:00.000Z'],
      ['surge.cleared', '2026-06-14T21:18:00.000Z'],
    ]);
    expect(written[0].data).toMatchObject({ detectedAt: written[0].time });
    expect(written[2].data).toMatchObject({ clearedAt: written[2].time });
  });

  it('never starts or clears a surge later than now: a sample stamped ahead of the clock does not put off its hold', async () => {
    const { service, transaction, written } = surges();
    // Four minutes ahead of the clock (within SAMPLE_MAX_AHEAD_SECONDS), with an end after it.
    const ahead = { ...opening, origin: 'KE/requests/2026-06-14T21:20:00.000Z', startedAt: new Date('2026-06-14T21:20:00Z'), expectedEndAt: new Date('2026-06-14T22:20:00Z') };
    const opened = await service.open(transaction, ahead);
    expect(opened).toMatchObject({ startedAt: new Date('2026-06-14T21:16:00Z'), detectedAt: new Date('2026-06-14T21:16:00Z'), expectedEndAt: new Date('2026-06-14T22:20:00Z') });
    await service.clear(transaction, opened, new Date('2026-06-14T21:19:00Z'), 'calm again');
    expect(written.map((event) => event.data)).toEqual([
      expect.objectContaining({ startedAt: '2026-06-14T21:16:00.000Z', detectedAt: '2026-06-14T21:16:00.000Z', expectedEndAt: '2026-06-14T22:20:00.000Z' }),
      expect.objectContaining({ startedAt: '2026-06-14T21:16:00.000Z', clearedAt: '2026-06-14T21:16:00.000Z' }),
    ]);
  });

  it('is the caller’s when it gives one, to come after an event it wrote before', async () => {
    const { service, transaction, written } = surges();
    await service.open(transaction, opening, { correlationId: 'signal-loss:IR/requests', time: new Date('2026-06-14T21:16:00.001Z') });
    expect(written.map((event) => event.time)).toEqual(['2026-06-14T21:16:00.001Z']);
  });
});

describe('SurgesService: a surge cleared by hand', () => {
  it("refuses a lost signal's hold, which the signal watch would put back at its next run, naming how it ends and the series' retirement", async () => {
    const written: HoldfastEvent[] = [];
    const statements: string[] = [];
    const held = {
      id: '0190a6b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b',
      region: 'IR',
      metric: 'requests',
      source: 'detector',
      origin: 'signal-loss/requests',
      status: 'active',
      signalLoss: { lastSampleAt: '2026-06-14T20:55:00.000Z', silentSeconds: 960 },
    };
    const transaction = { query: async (sql: string) => (statements.push(sql), [held]) } as unknown as EntityManager;
    const dataSource = { transaction: async (work: (manager: EntityManager) => Promise<unknown>) => work(transaction) } as unknown as DataSource;
    const messaging = { outbox: { add: async (_: EntityManager, ...events: HoldfastEvent[]) => void written.push(...events) } };
    const service = new SurgesService(messaging as unknown as MessagingRuntime, dataSource, new ManualClock('2026-06-14T21:16:00Z'));
    const refusal = await service.clearByHand(held.id, 'the pipeline was decommissioned', 'platform/bootstrap').catch((error: unknown) => error);
    expect(refusal).toMatchObject({
      code: 'surge-of-lost-signal',
      status: 409,
      message: expect.stringContaining('it clears when samples of requests arrive again; retire the series if it will not come back (DELETE /v1/regions/IR/series/requests?reason=)'),
      // Named apart, so a client can offer the retirement without reading the detail.
      extensions: { region: 'IR', metric: 'requests' },
    });
    expect(statements).toHaveLength(1);
    expect(written).toEqual([]);
  });
});
