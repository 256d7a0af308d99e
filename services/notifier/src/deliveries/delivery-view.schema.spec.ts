import { describe, expect, it } from 'vitest';
import { DeliveryViewSchema, deliveryView, waitingOn } from './delivery-view.schema';
import type { DeliveryEntity } from './delivery.entity';

const circuit = { openedAt: new Date('2026-06-14T21:00:00Z'), nextTryAt: new Date('2026-06-14T21:00:30Z'), probing: false };
const delivery = (status: DeliveryEntity['status'], nextAttemptAt: string): Omit<DeliveryEntity, 'event'> => ({
  id: '0197a1b2-0000-7000-8000-000000000001',
  seq: '7',
  subscriptionId: '0197a1b2-0000-7000-8000-000000000002',
  channel: 'webhook',
  targetKey: 'https://hooks.example.com:443',
  eventId: '0197a1b2-0000-7000-8000-000000000003',
  eventType: 'hold.placed',
  eventTime: new Date('2026-06-14T20:59:00Z'),
  correlationId: 'c',
  orderingKey: 'hold:0197a1b2-0000-7000-8000-000000000004',
  status,
  attempts: 2,
  nextAttemptAt: new Date(nextAttemptAt),
  leaseUntil: null,
  claimedAt: null,
  claimedBy: null,
  recordedAt: new Date('2026-06-14T20:59:01Z'),
  deliveredAt: null,
  finishedAt: null,
  lastError: 'webhook receiver answered 503',
});

describe("a delivery's waitingOn", () => {
  it('names the open circuit a pending delivery waits on, and when its probe goes, in the view the API documents', () => {
    const view = deliveryView(delivery('pending', '2026-06-14T21:00:02Z'), [], circuit);
    expect(view.waitingOn).toEqual({
      cause: 'open-circuit',
      openedAt: '2026-06-14T21:00:00.000Z',
      nextTryAt: '2026-06-14T21:00:30.000Z',
      reason:
        'waits on the open circuit of https://hooks.example.com:443, opened at 2026-06-14T21:00:00.000Z after the receiver failed repeatedly: nothing is sent there until 2026-06-14T21:00:30.000Z, when one delivery goes as a probe',
    });
    expect(DeliveryViewSchema.parse(view)).toEqual(view);
  });

  it('says a pending delivery waits for the probe while one is out (half-open), until its answer is due', () => {
    const probing = { openedAt: circuit.openedAt, nextTryAt: new Date('2026-06-14T21:00:35Z'), probing: true };
    expect(waitingOn(delivery('pending', '2026-06-14T21:00:30Z'), probing)).toEqual({
      cause: 'circuit-probe',
      openedAt: '2026-06-14T21:00:00.000Z',
      nextTryAt: '2026-06-14T21:00:35.000Z',
      reason:
        'waits while one delivery to https://hooks.example.com:443, whose circuit opened at 2026-06-14T21:00:00.000Z, goes as the probe: taken, the circuit closes and the rest follow; its answer is due by 2026-06-14T21:00:35.000Z',
    });
  });

  it('names it for one the open circuit refused, which is due with the probe', () => {
    expect(waitingOn(delivery('pending', '2026-06-14T21:00:30Z'), circuit)).toMatchObject({ cause: 'open-circuit' });
  });

  it('is null for a retry due after the probe, for one not pending, and where no circuit is open', () => {
    expect(waitingOn(delivery('pending', '2026-06-14T21:00:31Z'), circuit)).toBeNull();
    expect(waitingOn(delivery('sending', '2026-06-14T21:00:02Z'), circuit)).toBeNull();
    expect(waitingOn(delivery('dead', '2026-06-14T21:00:02Z'), circuit)).toBeNull();
    expect(waitingOn(delivery('pending', '2026-06-14T21:00:02Z'), undefined)).toBeNull();
    expect(DeliveryViewSchema.parse(deliveryView(delivery('pending', '2026-06-14T21:00:02Z'), []))).toMatchObject({ waitingOn: null });
  });

  const earlierSending = { id: '0197a1b2-0000-7000-8000-000000000009', status: 'sending' as const, nextTryAt: new Date('2026-06-14T21:01:00Z') };

  it('names the earlier delivery of its key a pending one waits for, being sent until its lease end, in the view the API documents', () => {
    const view = deliveryView(delivery('pending', '2026-06-14T21:00:02Z'), [], undefined, earlierSending);
    expect(view.waitingOn).toEqual({
      cause: 'earlier-delivery',
      deliveryId: '0197a1b2-0000-7000-8000-000000000009',
      deliveryStatus: 'sending',
      nextTryAt: '2026-06-14T21:01:00.000Z',
      reason:
        "waits for delivery 0197a1b2-0000-7000-8000-000000000009, the first of its subscription and key still to finish, which a notifier claimed to send: a key's deliveries go in order, so this one goes once that one is finished, or, should the notifier sending it have stopped, once it is claimed again at its lease end, 2026-06-14T21:01:00.000Z",
    });
    expect(DeliveryViewSchema.parse(view)).toEqual(view);
  });

  it('names an earlier one waiting for its own retry, until that retry', () => {
    const retried = { ...earlierSending, status: 'pending' as const, nextTryAt: new Date('2026-06-14T21:00:20Z') };
    expect(waitingOn(delivery('pending', '2026-06-14T21:00:02Z'), undefined, retried)).toMatchObject({
      cause: 'earlier-delivery',
      deliveryStatus: 'pending',
      nextTryAt: '2026-06-14T21:00:20.000Z',
      reason: expect.stringContaining('whose next attempt is due at 2026-06-14T21:00:20.000Z'),
    });
  });

  it("says the open circuit first, which holds the earlier one too, and nothing for a retry of its own due after the earlier one's next try", () => {
    expect(waitingOn(delivery('pending', '2026-06-14T21:00:02Z'), circuit, earlierSending)).toMatchObject({ cause: 'open-circuit' });
    expect(waitingOn(delivery('pending', '2026-06-14T21:00:40Z'), circuit, earlierSending)).toMatchObject({ cause: 'earlier-delivery' });
    expect(waitingOn(delivery('pending', '2026-06-14T21:01:01Z'), undefined, earlierSending)).toBeNull();
    expect(waitingOn(delivery('sending', '2026-06-14T21:00:02Z'), undefined, earlierSending)).toBeNull();
  });
});
