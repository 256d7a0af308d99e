import { decimalVariable } from '@holdfast/observability';
import { z } from 'zod';

export const outboxEnvironmentSchema = z.object({
  // Published rows are kept this long for inspection ("what did we send?"), then deleted.
  OUTBOX_RETENTION_HOURS: decimalVariable({ unit: 'hours', above: 0 }).default(24),
});

export interface OutboxSettings {
  retentionMs: number;
}

export function outboxSettingsFrom(env: z.infer<typeof outboxEnvironmentSchema>): OutboxSettings {
  return { retentionMs: env.OUTBOX_RETENTION_HOURS * 3_600_000 };
}
