import { expectEventually, startServiceUnderTest, type ManualClock, type ServiceUnderTest, type TestDatabase } from '@holdfast/testing';
import { createEvent, type HoldfastEvent } from '@holdfast/contracts';
import { createKafka, EventPublisher, silentLogger, type KafkaSettings } from '@holdfast/messaging';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, expect } from 'vitest';
import { notifierService } from '../../src/app.module';
import { HttpReceiver } from './http-receiver';

/** What every request the notifier makes to a receiver names itself: the notifier and the version the root package.json has. */
export const NOTIFIER_USER_AGENT = `Holdfast-Notifier/${(JSON.parse(readFileSync(join(__dirname, '../../../../package.json'), 'utf8')) as { version: string }).version}`;

export function holdPlaced(regions: string[], overrides: Partial<HoldfastEvent<'hold.placed'>['data']> = {}): HoldfastEvent<'hold.placed'> {
  return createEvent(
    'hold.placed',
    {
      holdId: uuidv7(),
      regions,
      reason: `Surge in ${regions.join(', ')}: requests at 5x the usual Sunday evening`,
      source: 'detector',
      causeId: uuidv7(),
      placedAt: '2026-06-14T21:00:06Z',
      from: '2026-06-14T21:00:00Z',
      until: null,
      windowIds: [uuidv7()],
      ...overrides,
    },
    { source: 'notifier-spec' },
  );
}

export function holdReleased(placed: HoldfastEvent<'hold.placed'>, releasedAt = '2026-06-14T23:30:00Z'): HoldfastEvent<'hold.released'> {
  return createEvent(
    'hold.released',
    { holdId: placed.data.holdId, regions: placed.data.regions, releasedAt, reason: 'The surge cleared and the cool-down passed', windowIds: placed.data.windowIds },
    { source: 'notifier-spec' },
  );
}

export async function connectPublisher(kafka: KafkaSettings): Promise<EventPublisher> {
  const publisher = new EventPublisher(createKafka(kafka, silentLogger), kafka);
  await publisher.connect();
  return publisher;
}

export interface DeliveryView {
  id: string;
  seq: string;
  subscriptionId: string;
  eventId: string;
  eventType: string;
  status: string;
  attempts: number;
  nextAttemptAt: string;
  waitingOn: { cause: string; openedAt: string; nextTryAt: string; reason: string } | null;
  lastError: string | null;
  attemptLog: { number: number; statusCode: number | null; error: string | null; outcome: string; durationMs: number; startedAt: string }[];
}

export async function json<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

export function api(service: Pick<ServiceUnderTest, 'fetch'>) {
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    service.fetch(path, { method, headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  return {
    call,
    subscribe: async (body: Record<string, unknown>) => {
      const response = await call('POST', '/v1/subscriptions', { ownerTeam: 'edge', ...body });
      if (response.status !== 201) throw new Error(`subscribe answered ${response.status}: ${await response.text()}`);
      return json<{ id: string; secret?: string }>(response);
    },
    deliveries: async (query: string) => (await json<{ items: DeliveryView[] }>(await call('GET', `/v1/deliveries?${query}`))).items,
  };
}

/**
 * Waits until no delivery attempt is in flight or about to start, in the whole notifier (earlier specs' deliveries included):
 * none is being sent, and each pending one waits for a later time or for something else (an earlier delivery, a circuit).
 * Call before moving a manual clock: moved past the lease of an attempt in flight, the delivery is claimed again, sent a
 * second time, and that attempt recorded as interrupted. Not for a spec that holds an attempt in flight on purpose.
 */
export async function attemptsSettled(notifier: Pick<ReturnType<typeof api>, 'deliveries'>, clock: ManualClock): Promise<void> {
  await expectEventually(async () => {
    // One list, so no delivery moves from pending to sending between two reads unseen.
    const open = (await notifier.deliveries('limit=1000')).filter((delivery) => delivery.status === 'sending' || delivery.status === 'pending');
    const inFlight = open.filter((delivery) => delivery.status === 'sending' || (delivery.waitingOn === null && Date.parse(delivery.nextAttemptAt) <= clock.nowMs()));
    expect(inFlight.map(({ id, status, eventType }) => ({ id, status, eventType })), 'deliveries in flight or due').toEqual([]);
  });
}

export interface NotifierWithReceivers {
  notifier: ReturnType<typeof api>;
  /** The service's own providers, for a spec that holds or watches what it does inside. */
  app: ServiceUnderTest['app'];
  publisher: EventPublisher;
  receivers: Record<string, HttpReceiver>;
  database: TestDatabase;
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * startNotifierWithReceivers for a whole describe block: started before its first spec, closed
 * after its last; the returned object is filled in once started.
 */
export function notifierWithReceiversForSuite(names: readonly string[], clock: ManualClock, environment: Record<string, string>): NotifierWithReceivers {
  const suite = {} as NotifierWithReceivers;
  beforeAll(async () => {
    Object.assign(suite, await startNotifierWithReceivers(names, clock, environment));
  });
  afterAll(async () => {
    await suite.close?.();
  });
  return suite;
}

/**
 * The notifier on the test's clock, allowed to reach exactly the named loopback receivers, and a
 * publisher to feed it. Deliveries get 20 s before timing out and a 60 s lease, so a receiver a spec
 * holds on purpose is neither timed out nor taken over unless the spec's environment says otherwise.
 */
export async function startNotifierWithReceivers(names: readonly string[], clock: ManualClock, environment: Record<string, string>): Promise<NotifierWithReceivers> {
  const receivers: Record<string, HttpReceiver> = {};
  for (const name of names) receivers[name] = await HttpReceiver.start();
  const service = await startServiceUnderTest(notifierService, {
    clock,
    environment: {
      NOTIFIER_OUTBOUND_ALLOW: Object.values(receivers)
        .map((receiver) => receiver.allowEntry)
        .join(','),
      NOTIFIER_DELIVERY_TIMEOUT_MS: '20000',
      NOTIFIER_DELIVERY_LEASE_MS: '60000',
      ...environment,
    },
  });
  const publisher = await connectPublisher(service.config.kafka);
  return {
    notifier: api(service),
    app: service.app,
    publisher,
    receivers,
    database: service.database,
    baseUrl: service.baseUrl,
    close: async () => {
      await publisher.disconnect();
      await service.close();
      await Promise.all(Object.values(receivers).map((receiver) => receiver.close()));
    },
  };
}
