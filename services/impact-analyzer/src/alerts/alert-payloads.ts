import { z } from 'zod';

/** One alert as Alertmanager (webhook version 4) and Grafana's webhook contact point both send it. */
const WebhookAlertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()).default({}),
  startsAt: z.string(),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().min(1).optional(),
});
export type WebhookAlert = z.infer<typeof WebhookAlertSchema>;

/** Alertmanager's webhook payload, version 4 (fields the analyzer reads; the rest are tolerated). */
export const AlertmanagerPayloadSchema = z.object({
  version: z.literal('4', { error: 'only Alertmanager webhook payload version 4 is understood' }),
  groupKey: z.string().min(1),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().optional(),
  alerts: z.array(WebhookAlertSchema).max(1_000),
});

/** Grafana's webhook contact point payload (Grafana 9+ unified alerting). */
export const GrafanaPayloadSchema = z.object({
  groupKey: z.string().min(1),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().optional(),
  orgId: z.number().optional(),
  alerts: z.array(WebhookAlertSchema).max(1_000),
});

export interface AlertNotification {
  groupKey: string;
  alerts: WebhookAlert[];
}

/**
 * Both senders write RFC 3339 instants, Alertmanager with nanoseconds and Grafana with
 * 0001-01-01 for "no end yet"; null when the instant says nothing usable.
 */
export function alertInstant(text: string | undefined): Date | null {
  if (!text) return null;
  const trimmed = text.replace(/(\.\d{3})\d+/, '$1');
  const ms = Date.parse(trimmed);
  return Number.isFinite(ms) && new Date(ms).getUTCFullYear() > 1970 ? new Date(ms) : null;
}
