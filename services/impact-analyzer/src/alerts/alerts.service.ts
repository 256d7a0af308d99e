import { createHash } from 'node:crypto';
import { withoutBidiControls, type SurgeSeverity } from '@holdfast/contracts';
import { MetricsRegistry } from '@holdfast/observability';
import { RegionCatalog } from '@holdfast/regions';
import { prepared } from '@holdfast/database';
import { Clock, DomainError, InjectServiceConfig, type FieldProblem, type ServiceConfig } from '@holdfast/service-kit';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { z } from 'zod';
import type { AlertSender, AnalyzerSettings } from '../config/analyzer-settings';
import { SurgesService, type ActiveSurges } from '../surges/surges.service';
import { readAlertTime, type AlertNotification, type AlertTime, type WebhookAlert } from './alert-payloads';
import { alertOrigin } from './firing-ended-by-hand';
import { REFUSAL_WARNING_EVERY_MS, RefusalWarnings } from './refusal-warnings';
import { TruncationEpisodes } from './truncation-episodes';

const AlertActionSchema = z.enum(['started', 'updated', 'cleared', 'duplicate', 'nothing-active', 'already-resolved', 'superseded', 'holdfast-hold-alert']);
export type AlertAction = z.infer<typeof AlertActionSchema>;

export const AlertIntakeResultSchema = z.strictObject({
  received: z.number().int().meta({ description: 'alerts in the notification' }),
  truncatedAlerts: z.number().int().meta({
    description: "alerts of the group the sender left out of the notification (Alertmanager's max_alerts, Grafana's Max alerts): their surges are not started or cleared; 0 when none",
  }),
  alerts: z
    .array(z.strictObject({ fingerprint: z.string(), region: z.string(), action: AlertActionSchema, surgeId: z.uuid().nullable() }))
    .meta({
      description:
        "each alert whose region is known, in the notification's order; holdfast-hold-alert: the notifier's own alert for a hold (MaintenanceHold), routed back here, which starts no surge",
    }),
}).meta({ id: 'AlertIntakeResult' });
export type AlertIntakeResult = z.infer<typeof AlertIntakeResultSchema>;

/**
 * Alerts a notification locks one by one (sender/fingerprint), each under the sender's lock held shared: PostgreSQL
 * keeps every lock in one table shared by all sessions (6,400 entries by default), which a group of thousands of
 * alerts, one lock each, would run out of. A notification of more holds the sender's lock alone instead.
 */
const ALERT_LOCKS_PER_NOTIFICATION = 100;
// Both apart from every other advisory lock by their first key; the alerts in sorted order, so two notifications never wait on each other.
const LOCK_ALERTS = prepared(`WITH sender AS MATERIALIZED (SELECT pg_advisory_xact_lock_shared(hashtext('impact_analyzer/alert-sender'), hashtext($1)))
  SELECT count(pg_advisory_xact_lock(hashtext('impact_analyzer/alert'), hashtext(origin))) FROM sender, unnest($2::text[]) AS origin`);
const LOCK_SENDER = prepared(`SELECT pg_advisory_xact_lock(hashtext('impact_analyzer/alert-sender'), hashtext($1))`);

/** A notification's alerts as the statements below read them: one array parameter per column, from $`first` on (applyRound's columns). */
const alertsFrom = (first: number): string =>
  `unnest($${first}::text[], $${first + 1}::text[], $${first + 2}::timestamptz[], $${first + 3}::text[], $${first + 4}::text[], $${first + 5}::timestamptz[])
    AS alert (fingerprint, status, starts_at, content_hash, region, ends_at)`;
/** Logs the notification's alerts; answers those logged now, which were not logged before in this group. */
const LOG_NOTIFICATIONS = prepared(`INSERT INTO alert_notification (sender, group_key, fingerprint, status, starts_at, content_hash, region, ends_at, received_at)
  SELECT $1, $2, fingerprint, status, starts_at, content_hash, region, ends_at, $9 FROM ${alertsFrom(3)} ON CONFLICT DO NOTHING RETURNING fingerprint`);
/** The alerts whose same notification (status, start and content) was logged under another group than $2. */
const LOGGED_IN_ANOTHER_GROUP = prepared(`SELECT alert.fingerprint FROM ${alertsFrom(3)} WHERE EXISTS (SELECT 1 FROM alert_notification logged
  WHERE logged.sender = $1 AND logged.fingerprint = alert.fingerprint AND logged.status = alert.status AND logged.starts_at = alert.starts_at
    AND logged.content_hash = alert.content_hash AND logged.group_key <> $2)`);
/**
 * The alerts overtaken by a notification logged before them. A firing and a resolved are of one firing of the alert
 * when the resolved started at the firing's start or later, or ended after it: Alertmanager keeps the earliest start
 * it was sent (an HA Prometheus pair sends an alert with two), so a resolved may carry an earlier start than the
 * firings before it. So a firing is over when such a resolved is logged; a resolved is of an earlier firing when
 * a firing logged started later than it and at or after its end (without an end it can read, later alone tells).
 */
const OVERTAKEN = prepared(`SELECT alert.fingerprint FROM ${alertsFrom(2)} WHERE EXISTS (SELECT 1 FROM alert_notification logged
  WHERE logged.sender = $1 AND logged.fingerprint = alert.fingerprint AND logged.status <> alert.status
    AND CASE alert.status
      WHEN 'firing' THEN logged.starts_at >= alert.starts_at OR logged.ends_at > alert.starts_at
      ELSE logged.starts_at > alert.starts_at AND logged.starts_at >= coalesce(alert.ends_at, logged.starts_at) END)`);

/**
 * How far ahead of Holdfast's clock an alert's time may be, the senders' clocks drifting: further, a
 * firing's surge starts when the notification is received and a resolved one's clears then, as a
 * hold from a start still to come would leave the region's windows running now.
 */
const ALERT_CLOCK_SKEW_MS = 5 * 60_000;

const hash = (value: unknown): string => createHash('sha256').update(JSON.stringify(value)).digest('hex');

/** Labels in a stable order, so a fingerprint computed here is the same for the same labels. */
const sortedEntries = (record: Record<string, string>): [string, string][] => Object.entries(record).sort(([a], [b]) => a.localeCompare(b));

/** Alert severities as teams label them, onto the contract's three. */
function severityOf(labels: Record<string, string>): SurgeSeverity {
  const label = (labels.severity ?? labels.priority ?? '').toLowerCase();
  if (['critical', 'page', 'p1', 'emergency'].includes(label)) return 'critical';
  if (['major', 'error', 'high', 'p2'].includes(label)) return 'major';
  return 'minor';
}

/**
 * Alerts become surges with source "alert": a firing alert starts one (or updates it when its
 * content changed, or its start moved earlier), a resolved one clears it unless it ended by the time
 * the alert fired again (a later startsAt), and a firing after the resolved of the same firing (one
 * that started then or later, or ended after it) starts nothing. Each notification is recorded in the
 * intake log keyed by group, fingerprint, status, start and content, so a re-sent notification is
 * dropped, as is the same one sent in another group.
 */
@Injectable()
export class AlertsService {
  private readonly logger = new Logger(AlertsService.name);
  private readonly received;
  private readonly truncated;
  private readonly truncations = new TruncationEpisodes();
  private readonly refusalWarnings = new RefusalWarnings();

  constructor(
    @InjectServiceConfig() private readonly config: ServiceConfig<AnalyzerSettings>,
    private readonly catalog: RegionCatalog,
    private readonly surges: SurgesService,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    metrics: MetricsRegistry,
  ) {
    this.received = metrics.counter('holdfast_analyzer_alerts_total', 'Alerts received from webhooks, by sender and action', ['sender', 'action']);
    this.truncated = metrics.counter(
      'holdfast_analyzer_alerts_truncated_total',
      "Alerts senders left out of their notifications (truncatedAlerts: the receiver's max_alerts), by sender; a group's cut counted once, not again as its notification is re-sent (repeat_interval, retries), and again when its count changes",
      ['sender'],
    );
  }

  /**
   * Applies every alert whose region and start it can tell; the others are refused after the rest
   * commit, with a 422 naming each and saying what became of the applied ones. Alertmanager groups
   * alerts by the labels a team chose, so one alert without a region label must not cost another
   * region its surge (a sender retries no 4xx, and a retry would not help it).
   */
  async receive(sender: AlertSender, notification: AlertNotification): Promise<AlertIntakeResult> {
    const { truncatedAlerts } = notification;
    const receivedAt = this.clock.now();
    this.truncated.inc({ sender }, this.truncations.newlyLeftOut(sender, notification.groupKey, truncatedAlerts));
    if (truncatedAlerts > 0) this.warnTruncated(sender, notification);
    // The notifier's own alerts for its holds, routed back here (an Alertmanager route sending every alert to the analyzer):
    // taken, each would start a surge holding its own hold, and the notifier re-posts them as long as the hold lasts.
    const own: WebhookAlert[] = [];
    const checked: (ApplicableAlert | AlertRefusal[])[] = [];
    // Each checked at its own index in the notification, which a refusal names.
    notification.alerts.forEach((alert, index) => (isHoldfastHoldAlert(alert) ? own.push(alert) : checked.push(this.check(alert, index))));
    if (own.length > 0) this.warnOwnAlerts(sender, notification, own.length);
    const applicable = checked.filter((one): one is ApplicableAlert => !Array.isArray(one));
    const refused = checked.filter((one) => Array.isArray(one));
    const refusals = refused.flat();
    const results = await this.dataSource.transaction(async (transaction) => {
      // One alert's notifications in turn, though they come in separate requests (a firing and its
      // resolved at once from HA peers): each would miss the other's uncommitted row and leave a
      // surge nothing clears. The alert surges of their regions are locked after, in one order.
      const origins = [...new Set(applicable.map(({ fingerprint }) => alertOrigin(sender, fingerprint)))].sort();
      const [, active] = await Promise.all([
        origins.length > ALERT_LOCKS_PER_NOTIFICATION ? transaction.query(LOCK_SENDER, [sender]) : transaction.query(LOCK_ALERTS, [sender, origins]),
        this.surges.activeIn(transaction, [...new Set(applicable.map(({ region }) => region))], 'alert'),
      ]);
      const outcomes: AlertIntakeResult['alerts'] = own.map((alert) => ({
        fingerprint: alert.fingerprint ?? hash(sortedEntries(alert.labels)).slice(0, 16),
        region: alert.labels.region ?? '',
        action: 'holdfast-hold-alert',
        surgeId: null,
      }));
      const applied = new Array<AlertIntakeResult['alerts'][number]>(applicable.length);
      for (const round of inRounds(applicable)) {
        const done = await this.applyRound(transaction, sender, notification.groupKey, round.map((index) => applicable[index]), active, receivedAt);
        round.forEach((index, at) => (applied[index] = done[at]));
      }
      return [...outcomes, ...applied];
    });
    for (const result of results) this.received.inc({ sender, action: result.action });
    if (refusals.length === 0) return { received: notification.alerts.length, truncatedAlerts, alerts: results };
    for (const refusal of refusals) this.warnRefused(sender, refusal);
    this.received.inc({ sender, action: 'refused' }, refused.length);
    const applied = results.length === 0 ? '' : ` The other ${results.length} alert(s) of the notification were taken (alerts says what became of each).`;
    const cut = truncatedAlerts === 0 ? '' : ` ${sender} left ${truncatedAlerts} more alert(s) out of the notification (truncatedAlerts): raise the receiver's max_alerts, or set it to 0.`;
    throw new DomainError(refusals[0].code, 422, `${refusals.map((refusal) => refusal.detail).join(' ')}${applied}${cut}`, {
      labelsLookedFor: this.config.settings.alertRegionLabels,
      errors: refusals.map((refusal) => refusal.problem),
      received: notification.alerts.length,
      truncatedAlerts,
      alerts: results,
    });
  }

  /**
   * Applies alerts of one notification, each of another alert (fingerprint), in a few statements
   * whatever their number: a notification of a whole group (thousands of alerts) took five round
   * trips an alert, 10 s for 2,000 alerts, past the sender's timeout. Their surges' changes are
   * issued together, so the connection sends them as one (BatchingClient).
   */
  private async applyRound(
    transaction: EntityManager,
    sender: AlertSender,
    groupKey: string,
    alerts: ApplicableAlert[],
    active: ActiveSurges,
    receivedAt: Date,
  ): Promise<AlertIntakeResult['alerts']> {
    const contents = alerts.map(({ alert }) => hash({ annotations: sortedEntries(alert.annotations), severity: severityOf(alert.labels) }));
    const columns = [
      alerts.map(({ fingerprint }) => fingerprint),
      alerts.map(({ alert }) => alert.status),
      alerts.map(({ startsAt }) => startsAt),
      contents,
      alerts.map(({ region }) => region),
      alerts.map(({ alert }) => endOf(alert, receivedAt)),
    ];
    const fingerprintsOf = (rows: { fingerprint: string }[]) => new Set(rows.map(({ fingerprint }) => fingerprint));
    const [logged, elsewhere, overtaken] = (
      await Promise.all([
        transaction.query(LOG_NOTIFICATIONS, [sender, groupKey, ...columns, receivedAt]),
        transaction.query(LOGGED_IN_ANOTHER_GROUP, [sender, groupKey, ...columns]),
        transaction.query(OVERTAKEN, [sender, ...columns]),
      ])
    ).map(fingerprintsOf);
    return Promise.all(
      alerts.map(async ({ alert, fingerprint, region, startsAt }) => {
        // Alertmanager sends an alert in every group it falls in (a second route, a regrouping after a reload): no news the second time.
        if (!logged.has(fingerprint) || elsewhere.has(fingerprint)) return { fingerprint, region, action: 'duplicate' as const, surgeId: null };
        // A firing that arrives after the resolved of the same alert (from an HA peer, or retried) would
        // start a surge nothing clears: that resolved is logged already, so sent again it is a duplicate.
        if (alert.status === 'firing' && overtaken.has(fingerprint)) return { fingerprint, region, action: 'already-resolved' as const, surgeId: null };
        const origin = alertOrigin(sender, fingerprint);
        const surge = active.get(region, origin);
        const trace = { correlationId: `${sender}:${fingerprint}` };
        const name = alert.labels.alertname ?? 'an alert';
        if (alert.status === 'resolved') {
          // Alertmanager gives an alert firing again after it ended a later startsAt: the resolved that ended by
          // then, late from an HA peer or a retry, is of the earlier firing and must not clear the surge the later keeps.
          if (surge && overtaken.has(fingerprint)) return { fingerprint, region, action: 'superseded' as const, surgeId: surge.id };
          if (!surge) return { fingerprint, region, action: 'nothing-active' as const, surgeId: null };
          active.cleared(surge);
          const [endedAt, why] = this.resolution(sender, name, fingerprint, alert.endsAt, receivedAt);
          await this.surges.clear(transaction, surge, endedAt, withoutBidiControls(why), trace);
          return { fingerprint, region, action: 'cleared' as const, surgeId: surge.id };
        }
        // An alert applied had a startsAt to read: its text, as the sender wrote it, names it in the warning.
        const started = this.surgeStart(sender, name, fingerprint, alert.startsAt ?? startsAt.toISOString(), startsAt, receivedAt);
        // The alert's own text is taken as sent (refused, the alert would hold nothing), but shown without controls that reorder it.
        const reason = withoutBidiControls(
          `${name} firing in ${sender}${started.note}${alert.annotations.summary ? `: ${alert.annotations.summary}` : alert.annotations.description ? `: ${alert.annotations.description}` : ''}`,
        );
        if (surge) {
          active.set(await this.surges.update(transaction, surge, { severity: severityOf(alert.labels), reason }, trace));
          return { fingerprint, region, action: 'updated' as const, surgeId: surge.id };
        }
        const opened = await this.surges.open(transaction, { region, metric: null, source: 'alert', origin, severity: severityOf(alert.labels), startedAt: started.at, reason }, trace);
        active.set(opened);
        return { fingerprint, region, action: 'started' as const, surgeId: opened.id };
      }),
    );
  }

  private warnOwnAlerts(sender: AlertSender, { receiver, groupKey }: AlertNotification, count: number): void {
    this.logger.warn(
      { sender, receiver, groupKey, alerts: count },
      `${sender} sent ${count} of Holdfast's own hold alert(s) (MaintenanceHold, posted by the notifier's alertmanager subscriptions) to the analyzer: they start no surge. Route alertname=~"MaintenanceHold|MaintenanceHoldTest" to another receiver (deploy/alertmanager/alertmanager.yml does).`,
    );
  }

  /**
   * A refused alert starts no surge and clears none, and its sender does not retry it: only the
   * 422 in the sender's log, and a metric, would say so. Each alert's refusal for each reason is
   * warned of once every REFUSAL_WARNING_EVERY_MS, as its group is notified again and again.
   */
  private warnRefused(sender: AlertSender, { alert, fingerprint, code, why, fields }: AlertRefusal): void {
    const { warn, refusals } = this.refusalWarnings.refused(sender, fingerprint, code);
    if (!warn) return;
    const since = refusals > 1 ? ` (refused ${refusals} times since the last warning)` : '';
    this.logger.warn(
      { sender, status: alert.status, alertname: alert.labels.alertname, fingerprint, reason: code, ...fields, refusals },
      `Refused ${alert.status} alert ${alert.labels.alertname ?? 'unnamed'} (fingerprint ${fingerprint}) from ${sender}${since}: it ${why}. It starts no surge and clears none (answered 422, which ${sender} does not retry); warned of once every ${REFUSAL_WARNING_EVERY_MS / 60_000} minutes for this alert and reason`,
    );
  }

  /**
   * A notification cut by the sender's max_alerts may leave out a region's firing alert (no surge
   * starts) or resolved one (its surge stays), and nothing in the alerts received shows it.
   */
  private warnTruncated(sender: AlertSender, { receiver, groupKey, truncatedAlerts, alerts }: AlertNotification): void {
    const setting = sender === 'alertmanager' ? `max_alerts of receiver ${receiver ?? '(unnamed)'}` : `Max alerts of contact point ${receiver ?? '(unnamed)'}`;
    this.logger.warn(
      { sender, receiver, groupKey, truncatedAlerts, received: alerts.length },
      `${sender} left ${truncatedAlerts} alert(s) of group ${groupKey} out of its notification (it carried ${alerts.length}): a region's firing or resolved alert may be among them, and Holdfast cannot start or clear its surge. Set ${setting} to 0 (no limit) for Holdfast, or group alerts by region.`,
    );
  }

  /**
   * When an alert's surge starts: its startsAt, or the receipt when startsAt is ahead of it (within
   * the senders' clock skew, a fast clock: the alert fired by the time it was sent). More than the
   * skew ahead, the note (for its reason) says so. The alert keeps its startsAt for telling its
   * notifications apart.
   */
  private surgeStart(sender: AlertSender, name: string, fingerprint: string, text: string, startsAt: Date, receivedAt: Date): { at: Date; note: string } {
    const aheadMs = startsAt.getTime() - receivedAt.getTime();
    if (aheadMs <= 0) return { at: startsAt, note: '' };
    if (aheadMs <= ALERT_CLOCK_SKEW_MS) return { at: receivedAt, note: '' };
    const given = `its startsAt ${text} is ${minutesOf(aheadMs)} ahead of Holdfast's clock`;
    this.logger.warn(
      { sender, fingerprint, startsAt: text },
      `${name} firing in ${sender}, but ${given}: its surge starts as of the notification's receipt. Check the clocks of ${sender} and of what evaluates its rules.`,
    );
    return { at: receivedAt, note: ` (${given}: started when the notification was received)` };
  }

  /**
   * The alert with its fingerprint, region and start, or why it cannot be applied. Its start tells its
   * firings and resolveds apart; taken as "now", each repeat of a firing would be news, and a resolved
   * would mark as over every firing that started before it arrived.
   */
  private check(alert: WebhookAlert, index: number): ApplicableAlert | AlertRefusal[] {
    const fingerprint = alert.fingerprint ?? hash(sortedEntries(alert.labels)).slice(0, 16);
    const region = this.regionOf(alert, index, fingerprint);
    const start = readAlertTime(alert.startsAt);
    const refusals = typeof region === 'string' ? [] : [region];
    if (start.kind !== 'instant') refusals.push(startRefusal(alert, index, fingerprint, start));
    return typeof region === 'string' && start.kind === 'instant' ? { alert, fingerprint, region, startsAt: start.at } : refusals;
  }

  /**
   * When a resolved alert's surge ends, and the reason it ends: at its endsAt (the receipt when that
   * is ahead of it within the senders' clock skew: a resolved alert is over when it is sent), or,
   * when it gave none that can be read, when the notification was received, saying so. The alert is
   * over either way, and refusing it would hold the region for ever.
   */
  private resolution(sender: AlertSender, name: string, fingerprint: string, endsAt: string | undefined, receivedAt: Date): [Date, string] {
    const end = readAlertTime(endsAt);
    const reason = `${name} resolved in ${sender}`;
    const aheadMs = end.kind === 'instant' ? end.at.getTime() - receivedAt.getTime() : 0;
    if (end.kind === 'instant' && aheadMs <= 0) return [end.at, reason];
    if (end.kind === 'instant' && aheadMs <= ALERT_CLOCK_SKEW_MS) return [receivedAt, reason];
    const given =
      end.kind === 'unset'
        ? 'it gave no endsAt'
        : end.kind === 'unreadable'
          ? `its endsAt "${endsAt}" is not an RFC 3339 instant`
          : end.kind === 'before-year-one'
            ? `its endsAt "${endsAt}" falls before the year 0001`
            : `its endsAt ${endsAt} is ${minutesOf(aheadMs)} ahead of Holdfast's clock`;
    this.logger.warn({ sender, fingerprint, endsAt }, `${reason}, but ${given}: its surge is cleared as of the notification's receipt`);
    return [receivedAt, `${reason} (${given}: cleared when the notification was received)`];
  }

  /** The alert's region from the first configured label it carries, or why it has none Holdfast knows. */
  private regionOf(alert: WebhookAlert, index: number, fingerprint: string): string | AlertRefusal {
    const names = this.config.settings.alertRegionLabels;
    const label = names.find((name) => alert.labels[name]?.trim());
    if (!label) {
      const why = `carries none of the region labels looked for (${names.join(', ')}): add one to the alert rule, or name the label you use in ALERT_REGION_LABELS`;
      return {
        code: 'missing-region-label',
        detail: `Alert ${index} (${alert.labels.alertname ?? 'unnamed'}) ${why}.`,
        problem: { path: `alerts.${index}.labels`, message: `needs one of ${names.join(', ')}` },
        alert,
        fingerprint,
        why,
        fields: { labelsLookedFor: names },
      };
    }
    const region = this.catalog.find(alert.labels[label].trim());
    if (!region) {
      const why = `names region "${alert.labels[label]}" in label ${label}, which is not an ISO 3166-1 alpha-2 code or a custom region from HOLDFAST_CUSTOM_REGIONS`;
      return {
        code: 'unknown-region',
        detail: `Alert ${index} ${why}.`,
        problem: { path: `alerts.${index}.labels.${label}`, message: 'unknown region' },
        alert,
        fingerprint,
        why,
        fields: { label, value: alert.labels[label] },
      };
    }
    return region.code;
  }
}

/**
 * The notification's alerts (their indexes) in rounds that each hold one alert of a fingerprint at
 * most, in the notification's order: a fingerprint's second alert in the notification is applied
 * after its first, as it would be sent alone.
 */
function inRounds(alerts: readonly ApplicableAlert[]): number[][] {
  const rounds: number[][] = [];
  const seen = new Map<string, number>();
  alerts.forEach(({ fingerprint }, index) => {
    const round = seen.get(fingerprint) ?? 0;
    seen.set(fingerprint, round + 1);
    (rounds[round] ??= []).push(index);
  });
  return rounds;
}

interface ApplicableAlert {
  alert: WebhookAlert;
  fingerprint: string;
  region: string;
  startsAt: Date;
}

interface AlertRefusal {
  code: 'missing-region-label' | 'unknown-region' | 'unreadable-starts-at';
  /** For the 422, naming the alert by its index in the notification. */
  detail: string;
  problem: FieldProblem;
  alert: WebhookAlert;
  fingerprint: string;
  /** What is wrong with the alert and what to do, for its warning: "it <why>". */
  why: string;
  /** The label, value or time at fault, for the warning's fields. */
  fields: Record<string, unknown>;
}

const minutesOf = (ms: number): string => `${Math.round(ms / 60_000)} minutes`;

/**
 * When a resolved alert ended, as its notifications are told apart from the firings' by: its endsAt,
 * never later than its receipt (a sender's clock running fast); none for a firing alert, or for one
 * whose endsAt cannot be read, judged by its startsAt alone.
 */
function endOf(alert: WebhookAlert, receivedAt: Date): Date | null {
  const end = alert.status === 'resolved' ? readAlertTime(alert.endsAt) : undefined;
  return end?.kind === 'instant' ? new Date(Math.min(end.at.getTime(), receivedAt.getTime())) : null;
}

function startRefusal(alert: WebhookAlert, index: number, fingerprint: string, start: Exclude<AlertTime, { kind: 'instant' }>): AlertRefusal {
  const given =
    start.kind === 'unset'
      ? 'no startsAt (absent, or the zero time 0001-01-01T00:00:00Z)'
      : start.kind === 'before-year-one'
        ? `startsAt "${alert.startsAt}", which falls before the year 0001`
        : `startsAt "${alert.startsAt}", which is not an RFC 3339 instant`;
  const why = `has ${given}: send its start with its offset, such as 2026-06-14T21:00:00Z, as Alertmanager and Grafana do`;
  return {
    code: 'unreadable-starts-at',
    detail: `Alert ${index} (${alert.labels.alertname ?? 'unnamed'}, fingerprint ${fingerprint}) ${why}.`,
    alert,
    fingerprint,
    why,
    fields: { startsAt: alert.startsAt },
    problem: {
      path: `alerts.${index}.startsAt`,
      message: start.kind === 'unset' ? 'required' : start.kind === 'before-year-one' ? 'before the year 0001 once converted to UTC' : 'not an RFC 3339 instant with its offset',
    },
  };
}

/** The notifier's alert for a hold it placed, or its test alert (services/notifier, postable-alert.ts): never news of traffic. */
const isHoldfastHoldAlert = (alert: WebhookAlert): boolean => /^MaintenanceHold(?:Test)?$/.test(alert.labels.alertname ?? '');
