import { TOPIC_RETENTION_DAYS } from '@holdfast/contracts';
import { decimalVariable } from '@holdfast/observability';
import { z } from 'zod';

/**
 * Days a record is kept that must outlive every message still in Holdfast's topics (a redelivery, a
 * late event, a replay reads it): more than TOPIC_RETENTION_DAYS, refused at start otherwise with
 * `otherwise`, what would go wrong.
 */
export function daysOutlivingTopics(defaultDays: number, otherwise: string) {
  return decimalVariable({ unit: 'days', above: TOPIC_RETENTION_DAYS, because: `(Holdfast's topics keep their messages ${TOPIC_RETENTION_DAYS} days)${otherwise}` }).default(defaultDays);
}

export const ledgerEnvironmentSchema = z.object({
  // A redelivered message is dropped only while its ledger row exists, so rows outlive the messages in the topics.
  PROCESSED_EVENT_RETENTION_DAYS: daysOutlivingTopics(7, ', or a redelivered event could be applied twice'),
});

export interface LedgerSettings {
  /** How long processed-event (and dead-letter) rows are kept before they are deleted. */
  retentionMs: number;
}

export function ledgerSettingsFrom(env: z.infer<typeof ledgerEnvironmentSchema>): LedgerSettings {
  return { retentionMs: env.PROCESSED_EVENT_RETENTION_DAYS * 86_400_000 };
}
