import { TOPIC_RETENTION_DAYS } from '@holdfast/contracts';
import { z } from 'zod';

export const ledgerEnvironmentSchema = z.object({
  // A redelivered message is dropped only while its ledger row exists, so rows outlive the messages in the topics.
  PROCESSED_EVENT_RETENTION_DAYS: z.coerce
    .number()
    .positive()
    .refine((days) => days > TOPIC_RETENTION_DAYS, {
      error: `must be more than the ${TOPIC_RETENTION_DAYS} days Holdfast's topics keep their messages, or a redelivered event could be applied twice`,
    })
    .default(7),
});

export interface LedgerSettings {
  /** How long processed-event (and dead-letter) rows are kept before they are deleted. */
  retentionMs: number;
}

export function ledgerSettingsFrom(env: z.infer<typeof ledgerEnvironmentSchema>): LedgerSettings {
  return { retentionMs: env.PROCESSED_EVENT_RETENTION_DAYS * 86_400_000 };
}
