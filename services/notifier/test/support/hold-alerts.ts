import type { DataSource } from 'typeorm';
import type { HttpReceiver } from './http-receiver';

/** An alert as Alertmanager's API v2 answers it. */
export interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  status: { state: string };
}

/** The alerts of a hold an Alertmanager holds now, by its `hold` label. */
export async function holdAlertsIn(alertmanagerUrl: string, holdId: string, headers?: Record<string, string>): Promise<GettableAlert[]> {
  return (await (await fetch(`${alertmanagerUrl}/api/v2/alerts?filter=${encodeURIComponent(`hold="${holdId}"`)}`, { headers })).json()) as GettableAlert[];
}

/** The posts of the hold's alerts a receiver standing in for Alertmanager took, each as the alerts' windows. */
export function windowsPosted(receiver: HttpReceiver, holdId: string): string[][] {
  return receiver.requests
    .filter((request) => request.path === '/api/v2/alerts')
    .map((request) => JSON.parse(request.body) as { labels: Record<string, string> }[])
    .filter((alerts) => alerts.some((alert) => alert.labels.hold === holdId))
    .map((alerts) => alerts.map((alert) => alert.labels.window).sort());
}

/** The windows of the alerts the notifier keeps for the hold (hold_alert), to re-post. */
export async function windowsKept(database: DataSource, holdId: string): Promise<string[]> {
  const [kept] = (await database.query('SELECT alerts FROM hold_alert WHERE hold_id = $1', [holdId])) as { alerts: { labels: Record<string, string> }[] }[];
  return (kept?.alerts ?? []).map((alert) => alert.labels.window).sort();
}
