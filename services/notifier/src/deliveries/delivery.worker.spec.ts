import { MetricsRegistry } from '@holdfast/observability';
import type { ServiceConfig } from '@holdfast/service-kit';
import { expectEventually, ManualClock } from '@holdfast/testing';
import { describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { notifierService } from '../app.module';
import type { ChannelRegistry } from '../channels/channel.registry';
import type { NotifierSettings } from '../config/notifier-settings';
import { OpenCircuits } from '../outbound/open-circuits';
import type { SubscriptionsService } from '../subscriptions/subscriptions.service';
import { DeliveryMetrics } from './delivery-metrics';
import { DeliveryWorker } from './delivery.worker';

/** PostgreSQL as the worker's pump sees it: no delivery is due, and the dead deliveries' count answers when the spec says. */
function quietDatabase() {
  let answerDeadCount: (() => void) | undefined;
  const database = {
    claims: 0,
    deadCountAsked: false,
    answerDeadCount: () => answerDeadCount?.(),
    driver: { master: { options: {} } },
    query: async (sql: string) => {
      if (sql.startsWith('WITH RECURSIVE targets')) {
        database.claims += 1;
        return [{ id: null, backlog: false }];
      }
      if (sql.includes("status = 'dead'")) {
        database.deadCountAsked = true;
        await new Promise<void>((resolve) => (answerDeadCount = resolve));
        return [{ count: 0 }];
      }
      return [];
    },
  };
  return database;
}

describe('the delivery worker', () => {
  it('claims again when woken while its pump was finishing, instead of waiting for the next poll', async () => {
    const database = quietDatabase();
    const config = notifierService.configFromEnvironment({}) as ServiceConfig<NotifierSettings>;
    // Never bootstrapped: no poll timer and no LISTEN, so only wake-ups make it claim.
    const worker = new DeliveryWorker(
      database as unknown as DataSource,
      new ManualClock('2026-06-14T21:00:00Z'),
      {} as ChannelRegistry,
      {} as SubscriptionsService,
      new DeliveryMetrics(new MetricsRegistry('notifier', false)),
      new OpenCircuits(database as unknown as DataSource),
      config,
    );
    worker.wake();
    // The first pump has claimed nothing and is counting dead deliveries, which runs after its claims.
    await expectEventually(() => expect(database.deadCountAsked).toBe(true));
    expect(database.claims).toBe(1);
    worker.wake();
    // The wake-up has reached the pump (on the event loop's next turn) and found it busy.
    await expectEventually(() => expect((worker as unknown as { pumpAgain: boolean }).pumpAgain).toBe(true));
    database.answerDeadCount();
    await expectEventually(() => expect(database.claims).toBe(2), { timeoutMs: 2_000 });
  });
});
