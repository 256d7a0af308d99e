import { z } from 'zod';

/** One alert as Alertmanager (webhook version 4) and Grafana's webhook contact point both send it. */
const WebhookAlertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()).default({}),
  // Both senders always write it; an alert without it is refused on its own (unreadable-starts-at), not with its notification.
  startsAt: z.string().optional(),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().min(1).optional(),
});
export type WebhookAlert = z.infer<typeof WebhookAlertSchema>;

/**
 * How many alerts of the group the sender left out of this notification: Alertmanager's receiver
 * `max_alerts` and Grafana's webhook "Max alerts" cut the list and say so here. Older senders omit it.
 */
const TruncatedAlertsSchema = z.number().int().nonnegative().default(0);

/** Alertmanager's webhook payload, version 4 (fields the analyzer reads; the rest are tolerated). */
export const AlertmanagerPayloadSchema = z.object({
  version: z.literal('4', { error: 'only Alertmanager webhook payload version 4 is understood' }),
  groupKey: z.string().min(1),
  truncatedAlerts: TruncatedAlertsSchema,
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().optional(),
  // As many as the group holds, within the body's limit: refused (400), the whole group would be lost, as a sender retries no 4xx.
  alerts: z.array(WebhookAlertSchema),
});

/** Grafana's webhook contact point payload (Grafana 9+ unified alerting). */
export const GrafanaPayloadSchema = z.object({
  groupKey: z.string().min(1),
  truncatedAlerts: TruncatedAlertsSchema,
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().optional(),
  orgId: z.number().optional(),
  alerts: z.array(WebhookAlertSchema),
});

export interface AlertNotification {
  groupKey: string;
  receiver?: string;
  truncatedAlerts: number;
  alerts: WebhookAlert[];
}

/** RFC 3339 with its offset, as Go writes a time.Time (Alertmanager to the nanosecond, Grafana to the microsecond). */
const Rfc3339Schema = z.iso.datetime({ offset: true });
/** Go's zero time.Time, which both senders write for an endsAt not reached yet. */
const GO_ZERO_TIME_MS = Date.parse('0001-01-01T00:00:00Z');

/**
 * An alert's startsAt or endsAt as read: an instant, unset (absent, or Go's zero time), text that is
 * no RFC 3339 instant, or one before Go's zero time (year 0000 in UTC), which no instant Holdfast keeps can be.
 */
export type AlertTime = { kind: 'instant'; at: Date } | { kind: 'unset' } | { kind: 'unreadable' } | { kind: 'before-year-one' };

export function readAlertTime(text: string | undefined): AlertTime {
  if (!text) return { kind: 'unset' };
  // Date.parse alone would take "2026-06-14 21:00" (local time), "June 14" and more; digits past the
  // milliseconds are its own to take or leave, so they are cut.
  const ms = Rfc3339Schema.safeParse(text).success ? Date.parse(text.replace(/(\.\d{3})\d+/, '$1')) : Number.NaN;
  if (!Number.isFinite(ms)) return { kind: 'unreadable' };
  if (ms === GO_ZERO_TIME_MS) return { kind: 'unset' };
  return ms < GO_ZERO_TIME_MS ? { kind: 'before-year-one' } : { kind: 'instant', at: new Date(ms) };
}
