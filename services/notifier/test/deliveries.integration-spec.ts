import { createEvent, type HoldfastEvent } from '@holdfast/contracts';
import { createKafka, EventPublisher, silentLogger } from '@holdfast/messaging';
import { expectEventually, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifierService } from '../src/app.module';

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
  let service: ServiceUnderTest;
  let publisher: EventPublisher;

  const deliveries = async (correlationId: string): Promise<DeliveryView[]> =>
    ((await (await service.fetch(`/v1/deliveries?correlationId=${correlationId}`)).json()) as { items: DeliveryView[] }).items;

  beforeAll(async () => {
    service = await startServiceUnderTest(notifierService);
    publisher = new EventPublisher(createKafka(service.config.kafka, silentLogger), service.config.kafka);
    await publisher.connect();
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await service?.close();
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
