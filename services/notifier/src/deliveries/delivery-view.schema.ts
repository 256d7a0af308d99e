import { EntityIdSchema, InstantSchema } from '@holdfast/contracts';
import { zodAnswerSchema, zodPageSchema } from '@holdfast/service-kit';
import { z } from 'zod';
import { ChannelNames } from '../channels/channel-name';
import type { OpenCircuit } from '../outbound/open-circuits';
import type { DeliveryAttemptEntity } from './delivery-attempt.entity';
import type { DeliveryEntity } from './delivery.entity';

/** A delivery's status, as the API shows it and a list filters by it. */
export const DeliveryStatusSchema = z.enum(['pending', 'sending', 'delivered', 'dead', 'cancelled']);

const DeliveryAttemptSchema = z
  .strictObject({
    id: EntityIdSchema,
    deliveryId: EntityIdSchema,
    number: z.int().min(1).meta({ description: "1, 2, ... over the delivery's whole life, replays included" }),
    startedAt: InstantSchema,
    durationMs: z.int().min(0),
    statusCode: z.int().nullable().meta({ description: 'the HTTP status that came back; null when none did (timeout, refused connection, SSRF guard)' }),
    error: z.string().nullable().meta({ description: "what went wrong; the receiver's body only for its subscription's team and admin keys" }),
    outcome: z.enum(['delivered', 'retry', 'dead', 'interrupted']).meta({
      description:
        'delivered; retry: failed, tried again later; dead: failed for good, or its last attempt; interrupted: sent, perhaps, but no answer was recorded (the notifier sending it stopped: killed, or cut off from PostgreSQL) before it was claimed again, so the receiver may have got it; startedAt is when it was claimed, durationMs the time until it was claimed again',
    }),
  })
  .meta({ id: 'DeliveryAttempt' });

const CircuitWaitSchema = z.strictObject({
  cause: z.enum(['open-circuit', 'circuit-probe']).meta({
    description:
      "open-circuit: its target's circuit opened after the receiver failed repeatedly; nothing is sent there until nextTryAt. circuit-probe: one delivery to the target is out as the probe, and the rest wait for its answer",
  }),
  openedAt: InstantSchema.meta({ description: 'when the circuit opened (first, when a failed probe opened it again)' }),
  nextTryAt: InstantSchema.meta({ description: "open-circuit: when one delivery to the target goes as a probe; taken, the circuit closes and the rest follow. circuit-probe: when the probe's answer is due at the latest" }),
  reason: z.string().meta({ description: 'the same, in a sentence' }),
});

const EarlierDeliveryWaitSchema = z.strictObject({
  cause: z.literal('earlier-delivery').meta({ description: 'an earlier delivery of its subscription and key (orderingKey) is not finished, and the deliveries of a key go in recording order' }),
  deliveryId: EntityIdSchema.meta({ description: 'the first delivery of its subscription and key still to finish' }),
  deliveryStatus: z.enum(['pending', 'sending']).meta({ description: "that delivery's status: sending, claimed by a notifier; pending, waiting for its next attempt" }),
  nextTryAt: InstantSchema.meta({
    description:
      "sending: that delivery's lease end, by which it is finished or, should the notifier sending it have stopped, claimed again (sooner by that notifier started again under the same NOTIFIER_REPLICA_ID: at once after a clean stop, within about 3 s of a kill -9 by default); pending: its next attempt",
  }),
  reason: z.string().meta({ description: 'the same, in a sentence' }),
});

const DeliveryWaitSchema = z.discriminatedUnion('cause', [CircuitWaitSchema, EarlierDeliveryWaitSchema]).meta({ id: 'DeliveryWait' });
export type DeliveryWait = z.output<typeof DeliveryWaitSchema>;

/** A delivery as the API shows it: the event it owes a subscription and every attempt at sending it. */
export const DeliveryViewSchema = z
  .strictObject({
    id: EntityIdSchema.meta({ description: 'the webhook-id a webhook receiver sees, kept by a replay' }),
    seq: z.string().regex(/^\d+$/).meta({ description: 'recording order (a 64-bit integer as text)' }),
    subscriptionId: EntityIdSchema,
    channel: z.enum(ChannelNames),
    targetKey: z.string().meta({ description: 'scheme://host:port of the target: the unit of concurrency limits and circuit breaking' }),
    eventId: EntityIdSchema,
    eventType: z.string(),
    eventTime: InstantSchema,
    correlationId: z.string().meta({ description: 'shared by every event descended from the same sample or alert' }),
    orderingKey: z.string().meta({ description: 'deliveries of one key are sent in recording order' }),
    status: DeliveryStatusSchema.meta({
      description:
        "pending: due at nextAttemptAt (waitingOn says what holds it past that); sending: claimed until leaseUntil (a notifier that stopped while sending it leaves it so until then, and it is claimed again with an interrupted attempt); delivered; dead: out of attempts or refused for good; cancelled: never to be sent (its subscription was deleted, its hold was released first, or, a dead Alertmanager placement, the alert refresh posted its hold's alerts instead: lastError says which)",
    }),
    attempts: z.int().min(0).meta({ description: 'attempts since it was recorded or last replayed, an interrupted one (claimed again after the notifier sending it stopped) included' }),
    nextAttemptAt: InstantSchema,
    waitingOn: DeliveryWaitSchema.nullable().meta({
      description:
        "why a pending delivery is not sent though due, and until when: its target's circuit, else the first earlier delivery of its key still to finish; null when nothing holds it but what every delivery waits for (its nextAttemptAt, its target's share)",
    }),
    leaseUntil: InstantSchema.nullable(),
    recordedAt: InstantSchema,
    deliveredAt: InstantSchema.nullable(),
    finishedAt: InstantSchema.nullable().meta({ description: 'when it was delivered, died or was cancelled; its retention counts from here' }),
    lastError: z.string().nullable(),
    attemptLog: z.array(DeliveryAttemptSchema),
  })
  .meta({ id: 'Delivery' });
export type DeliveryView = z.output<typeof DeliveryViewSchema>;

/** One delivery as reading it alone answers it: with the event it carries (CloudEvents attributes and data). */
const DeliveryDetailSchema = DeliveryViewSchema.extend({
  // Loose: a CloudEvents extension attribute the event carried is shown as it came.
  event: z
    .looseObject({
      specversion: z.literal('1.0'),
      id: z.string(),
      type: z.string(),
      source: z.string(),
      time: z.string(),
      subject: z.string().optional(),
      datacontenttype: z.literal('application/json'),
      dataschema: z.string().optional(),
      correlationid: z.string(),
      causationid: z.string().optional(),
      data: z.looseObject({}),
    })
    .meta({ description: 'the event as consumed (CloudEvents attributes and data), or a notifier.test message' }),
}).meta({ id: 'DeliveryDetail' });

const DeliveriesReplayedSchema = z.strictObject({ replayed: z.int().min(0).meta({ description: 'deliveries queued to be sent again' }) }).meta({ id: 'DeliveriesReplayed' });
export type DeliveriesReplayed = z.output<typeof DeliveriesReplayedSchema>;

/** The answers' schemas for the OpenAPI document (one definition with the views' types; each view once, under its id). */
export const DELIVERY_ANSWER = zodAnswerSchema(DeliveryViewSchema);
export const DELIVERY_PAGE = zodPageSchema(DeliveryViewSchema);
export const DELIVERY_DETAIL_ANSWER = zodAnswerSchema(DeliveryDetailSchema);
export const DELIVERIES_REPLAYED_ANSWER = zodAnswerSchema(DeliveriesReplayedSchema);

const iso = (at: Date | null): string | null => (at === null ? null : at.toISOString());

/** The first delivery of a pending one's subscription and key still to finish, which it waits for; when it is tried next. */
export interface EarlierOpenDelivery {
  id: string;
  status: 'pending' | 'sending';
  /** Its lease end while sending, its next attempt while pending. */
  nextTryAt: Date;
}

/**
 * What holds a pending delivery past its nextAttemptAt: its target's open circuit, until the probe (a delivery
 * the open circuit refused is due then), or the probe out (half-open) until its answer; else the first earlier
 * delivery of its key still to finish, until that one is tried next (for one being sent, its lease end: a notifier
 * killed while sending it leaves it, and everything after it on the key, until then). A retry of its own due
 * after that waits on its backoff, which will have let the circuit half-open or close, or the earlier one be tried.
 */
export function waitingOn(
  delivery: Pick<DeliveryEntity, 'status' | 'targetKey' | 'nextAttemptAt'>,
  circuit: OpenCircuit | undefined,
  earlier?: EarlierOpenDelivery,
): DeliveryWait | null {
  if (delivery.status !== 'pending') return null;
  if (circuit && delivery.nextAttemptAt <= circuit.nextTryAt) return circuitWait(delivery.targetKey, circuit);
  if (!earlier || delivery.nextAttemptAt > earlier.nextTryAt) return null;
  const nextTryAt = earlier.nextTryAt.toISOString();
  return {
    cause: 'earlier-delivery',
    deliveryId: earlier.id,
    deliveryStatus: earlier.status,
    nextTryAt,
    reason:
      earlier.status === 'sending'
        ? `waits for delivery ${earlier.id}, the first of its subscription and key still to finish, which a notifier claimed to send: a key's deliveries go in order, so this one goes once that one is finished, or, should the notifier sending it have stopped, once it is claimed again at its lease end, ${nextTryAt}`
        : `waits for delivery ${earlier.id}, the first of its subscription and key still to finish, whose next attempt is due at ${nextTryAt}: a key's deliveries go in order, so this one goes once that one is finished`,
  };
}

function circuitWait(targetKey: string, circuit: OpenCircuit): DeliveryWait {
  const [openedAt, nextTryAt] = [circuit.openedAt.toISOString(), circuit.nextTryAt.toISOString()];
  if (circuit.probing) {
    return {
      cause: 'circuit-probe',
      openedAt,
      nextTryAt,
      reason: `waits while one delivery to ${targetKey}, whose circuit opened at ${openedAt}, goes as the probe: taken, the circuit closes and the rest follow; its answer is due by ${nextTryAt}`,
    };
  }
  return {
    cause: 'open-circuit',
    openedAt,
    nextTryAt,
    reason: `waits on the open circuit of ${targetKey}, opened at ${openedAt} after the receiver failed repeatedly: nothing is sent there until ${nextTryAt}, when one delivery goes as a probe`,
  };
}

/** A delivery and its attempts as the API shows them, field by field, so a column added to the table is not shown unless named here. */
export function deliveryView(delivery: Omit<DeliveryEntity, 'event'>, attempts: DeliveryAttemptEntity[], circuit?: OpenCircuit, earlier?: EarlierOpenDelivery): DeliveryView {
  return {
    id: delivery.id,
    seq: String(delivery.seq),
    subscriptionId: delivery.subscriptionId,
    channel: delivery.channel,
    targetKey: delivery.targetKey,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    eventTime: delivery.eventTime.toISOString(),
    correlationId: delivery.correlationId,
    orderingKey: delivery.orderingKey,
    status: delivery.status,
    attempts: delivery.attempts,
    nextAttemptAt: delivery.nextAttemptAt.toISOString(),
    waitingOn: waitingOn(delivery, circuit, earlier),
    leaseUntil: iso(delivery.leaseUntil),
    recordedAt: delivery.recordedAt.toISOString(),
    deliveredAt: iso(delivery.deliveredAt),
    finishedAt: iso(delivery.finishedAt),
    lastError: delivery.lastError,
    attemptLog: attempts.map((attempt) => ({
      id: attempt.id,
      deliveryId: attempt.deliveryId,
      number: attempt.number,
      startedAt: attempt.startedAt.toISOString(),
      durationMs: attempt.durationMs,
      statusCode: attempt.statusCode,
      error: attempt.error,
      outcome: attempt.outcome,
    })),
  };
}

