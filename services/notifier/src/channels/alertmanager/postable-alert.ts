import type { NotificationMessage } from '../notification-message';

/** Alertmanager's API v2 PostableAlert (POST /api/v2/alerts takes an array of them). */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorURL: string;
}

export const HOLD_ALERT_NAME = 'MaintenanceHold';

/** An alert's identity in Alertmanager: its label set. */
const alertKey = (alert: PostableAlert): string => JSON.stringify(Object.entries(alert.labels).sort(([a], [b]) => a.localeCompare(b)));

/**
 * The alerts just posted, and beside them those posted before under other labels: an extension may list other windows
 * (or only some, past the event's list limit), and every alert once posted is refreshed until the release resolves it.
 */
export const keptBeside = (posted: PostableAlert[], before: PostableAlert[]): PostableAlert[] => [...posted, ...notAmong(before, posted)];

/** Those of `alerts` whose label set none of `others` has: alerts Alertmanager does not have from them. */
export const notAmong = (alerts: PostableAlert[], others: PostableAlert[]): PostableAlert[] => {
  const keys = new Set(others.map(alertKey));
  return alerts.filter((alert) => !keys.has(alertKey(alert)));
};

/**
 * The endsAt that keeps an alert firing a TTL past `now`, or past its start when that is later: a hold
 * placed ahead of its period starts its alerts then, and an endsAt before startsAt Alertmanager refuses.
 */
export const firingUntil = (alert: PostableAlert, now: Date, ttlMs: number): string => new Date(Math.max(now.getTime(), Date.parse(alert.startsAt)) + ttlMs).toISOString();

/** The endsAt that resolves an alert at `at`: never before it starts, which Alertmanager refuses (a hold released before its declared start). */
export const endedAt = (alert: PostableAlert, at: string): string => (Date.parse(at) >= Date.parse(alert.startsAt) ? at : alert.startsAt);

/**
 * One alert per affected region and held window (labels region, team, window, hold), so routes
 * and silences can pick one region or one team. A label with no value is left out, as
 * Alertmanager treats an empty label as absent. Each window's alert links that window's page
 * (`pageOf`); one with no window, the message's.
 */
export function holdAlerts(
  message: NotificationMessage,
  startsAt: string,
  teamOf: (windowId: string) => string | undefined,
  pageOf: (windowId: string) => string,
): PostableAlert[] {
  const windows = message.windowIds.length > 0 ? message.windowIds : [undefined];
  return message.regions.flatMap((region) =>
    windows.map((windowId) => {
      const team = windowId ? teamOf(windowId) : undefined;
      const labels: Record<string, string> = { alertname: HOLD_ALERT_NAME, region, hold: message.holdId ?? '' };
      if (windowId) labels.window = windowId;
      if (team) labels.team = team;
      const link = windowId ? pageOf(windowId) : message.link;
      return {
        labels,
        annotations: { summary: message.title, description: `${message.what}. Why: ${message.why} (${message.until}).`, explanation: link },
        startsAt,
        generatorURL: link,
      };
    }),
  );
}
