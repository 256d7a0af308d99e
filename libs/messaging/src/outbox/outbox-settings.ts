import { z } from 'zod';

export const outboxEnvironmentSchema = z.object({
  // Published rows are kept this long for inspection ("what did we send?"), then deleted.
  OUTBOX_RETENTION_HOURS: z.coerce.number().positive().default(24),
});

export interface OutboxSettings {
  retentionMs: number;
}

export function outboxSettingsFrom(env: z.infer<typeof outboxEnvironmentSchema>): OutboxSettings {
  return { retentionMs: env.OUTBOX_RETENTION_HOURS * 3_600_000 };
}
