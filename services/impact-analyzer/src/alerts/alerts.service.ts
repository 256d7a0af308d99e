import { createHash } from 'node:crypto';
import type { SurgeSeverity } from '@holdfast/contracts';
import { MetricsRegistry } from '@holdfast/observability';
import { RegionCatalog } from '@holdfast/regions';
import { Clock, DomainError, InjectServiceConfig, type ServiceConfig } from '@holdfast/service-kit';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AlertSender, AnalyzerSettings } from '../config/analyzer-settings';
import { SurgesService } from '../surges/surges.service';
import { alertInstant, type AlertNotification, type WebhookAlert } from './alert-payloads';

export type AlertAction = 'started' | 'updated' | 'cleared' | 'duplicate' | 'nothing-active';

export interface AlertIntakeResult {
  received: number;
  alerts: { fingerprint: string; region: string; action: AlertAction; surgeId: string | null }[];
}

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
 * content changed), a resolved one clears it. Each notification is recorded in the intake log
 * keyed by group, fingerprint, status and content, so a re-sent notification is dropped.
 */
@Injectable()
export class AlertsService {
  private readonly received;

  constructor(
    @InjectServiceConfig() private readonly config: ServiceConfig<AnalyzerSettings>,
    private readonly catalog: RegionCatalog,
    private readonly surges: SurgesService,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    metrics: MetricsRegistry,
  ) {
    this.received = metrics.counter('holdfast_analyzer_alerts_total', 'Alerts received from webhooks, by sender and action', ['sender', 'action']);
  }

  async receive(sender: AlertSender, notification: AlertNotification): Promise<AlertIntakeResult> {
    const regions = notification.alerts.map((alert, index) => this.regionOf(alert, index));
    const results = await this.dataSource.transaction(async (transaction) => {
      const outcomes: AlertIntakeResult['alerts'] = [];
      for (const [index, alert] of notification.alerts.entries()) {
        const region = regions[index];
        const fingerprint = alert.fingerprint ?? hash(sortedEntries(alert.labels)).slice(0, 16);
        const startsAt = alertInstant(alert.startsAt) ?? this.clock.now();
        const content = hash({ annotations: sortedEntries(alert.annotations), severity: severityOf(alert.labels) });
        const logged: unknown[] = await transaction.query(
          `INSERT INTO alert_notification (sender, group_key, fingerprint, status, starts_at, content_hash, region, received_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING fingerprint`,
          [sender, notification.groupKey, fingerprint, alert.status, startsAt, content, region, this.clock.now()],
        );
        const origin = `${sender}/${fingerprint}`;
        if (logged.length === 0) {
          outcomes.push({ fingerprint, region, action: 'duplicate', surgeId: null });
          continue;
        }
        const active = await this.surges.findActive(transaction, region, 'alert', origin);
        const trace = { correlationId: `${sender}:${fingerprint}` };
        const name = alert.labels.alertname ?? 'an alert';
        if (alert.status === 'resolved') {
          if (active) await this.surges.clear(transaction, active, alertInstant(alert.endsAt) ?? this.clock.now(), `${name} resolved in ${sender}`, trace);
          outcomes.push({ fingerprint, region, action: active ? 'cleared' : 'nothing-active', surgeId: active?.id ?? null });
          continue;
        }
        const reason = `${name} firing in ${sender}${alert.annotations.summary ? `: ${alert.annotations.summary}` : alert.annotations.description ? `: ${alert.annotations.description}` : ''}`;
        if (active) {
          await this.surges.update(transaction, active, { severity: severityOf(alert.labels), reason }, trace);
          outcomes.push({ fingerprint, region, action: 'updated', surgeId: active.id });
          continue;
        }
        const surge = await this.surges.open(
          transaction,
          { region, metric: null, source: 'alert', origin, severity: severityOf(alert.labels), startedAt: startsAt, reason },
          trace,
        );
        outcomes.push({ fingerprint, region, action: 'started', surgeId: surge.id });
      }
      return outcomes;
    });
    for (const result of results) this.received.inc({ sender, action: result.action });
    return { received: notification.alerts.length, alerts: results };
  }

  /** The alert's region from the first configured label it carries, or a problem naming the labels looked for. */
  private regionOf(alert: WebhookAlert, index: number): string {
    const names = this.config.settings.alertRegionLabels;
    const label = names.find((name) => alert.labels[name]?.trim());
    if (!label) {
      throw new DomainError(
        'missing-region-label',
        422,
        `Alert ${index} (${alert.labels.alertname ?? 'unnamed'}) carries none of the region labels looked for (${names.join(', ')}): add one to the alert rule, or name the label you use in ALERT_REGION_LABELS.`,
        { labelsLookedFor: names, errors: [{ path: `alerts.${index}.labels`, message: `needs one of ${names.join(', ')}` }] },
      );
    }
    const region = this.catalog.find(alert.labels[label].trim());
    if (!region) {
      throw new DomainError('unknown-region', 422, `Alert ${index} names region "${alert.labels[label]}" in label ${label}, which is not an ISO 3166-1 alpha-2 code or a custom region from HOLDFAST_CUSTOM_REGIONS.`, {
        errors: [{ path: `alerts.${index}.labels.${label}`, message: 'unknown region' }],
      });
    }
    return region.code;
  }
}
