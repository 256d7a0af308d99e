import { createEvent, type HoldfastEvent } from '@holdfast/contracts';
import { createKafka, EventPublisher, silentLogger } from '@holdfast/messaging';
import { createTestDatabase, expectEventually, startServiceApp, testEnvironment, uniqueTestId, type ServiceUnderTest, type TestDatabase } from '@holdfast/testing';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppModule } from '../src/app.module';
import { notifierConfigFromEnvironment, SERVICE_NAME } from '../src/config/notifier.config';

interface DeliveryView {
  eventId: string;
  eventType: string;
  correlationId: string;
  channel: string;
  summary: string;
}

function holdPlaced(regions: string[]): HoldfastEvent<'hold.placed'> {
  return createEvent(
    'hold.placed',
    {
      holdId: uuidv7(),
      regions,
      reason: 'Surge in IR: requests surged',
      source: 'detector',
      causeId: uuidv7(),
      placedAt: '2026-06-14T21:00:06Z',
      from: '2026-06-14T21:00:00Z',
      until: null,
      windowIds: [],
    },
    { source: 'notifier-spec' },
  );
}

describe('notifier: a delivery per placed hold, against the real broker and PostgreSQL', () => {
  let database: TestDatabase;
  let service: ServiceUnderTest;
  let publisher: EventPublisher;

  const deliveries = async (correlationId: string): Promise<DeliveryView[]> =>
    ((await (await fetch(`${service.baseUrl}/v1/deliveries?correlationId=${correlationId}`)).json()) as { items: DeliveryView[] }).items;

  beforeAll(async () => {
    const environment = testEnvironment();
    database = await createTestDatabase('notifier-deliveries');
    // Through the service's own parser, so every setting not named here takes its documented default.
    const config = notifierConfigFromEnvironment({
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: '3',
      KAFKA_BROKERS: environment.kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: `${uniqueTestId('notifier')}.`,
      LOG_LEVEL: 'silent',
    });
    const { kafka } = config;
    service = await startServiceApp(
      AppModule.forRoot({ ...config, port: 0 }),
      SERVICE_NAME,
    );
    publisher = new EventPublisher(createKafka(kafka, silentLogger), kafka);
    await publisher.connect();
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await service?.close();
    await database?.drop();
  });

  it('records one delivery for a hold.placed delivered twice', async () => {
    const hold = holdPlaced(['IR', 'eu-west']);
    const after = holdPlaced(['IR']);
    // Both are keyed by the hold's first region, so `after` comes behind both copies.
    await publisher.publish(hold, hold, after);
    await expectEventually(async () => expect(await deliveries(after.correlationid)).toHaveLength(1));
    const recorded = await deliveries(hold.correlationid);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ eventId: hold.id, eventType: 'hold.placed', channel: 'log' });
    expect(recorded[0].summary).toContain('IR, eu-west');
  });
});
