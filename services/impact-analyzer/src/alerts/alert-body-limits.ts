import type { RouteBodyLimit, ServiceConfig } from '@holdfast/service-kit';
import type { AlertSender, AnalyzerSettings } from '../config/analyzer-settings';

const SENDERS: readonly AlertSender[] = ['alertmanager', 'grafana'];

/**
 * The alert webhooks' own body limit (ALERT_MAX_BODY_BYTES), over the other routes': a sender posts a
 * receiver a group's every alert in one notification, and a refused one is lost with its region's
 * surge, as a sender retries no 4xx.
 */
export const alertBodyLimits = ({ settings }: ServiceConfig<AnalyzerSettings>): RouteBodyLimit[] =>
  SENDERS.map((sender) => ({
    path: `/v1/alerts/${sender}`,
    maxBytes: settings.alertMaxBodyBytes,
    variable: 'ALERT_MAX_BODY_BYTES',
    remedy: `None of its alerts were taken, and ${sender} does not retry a 413: raise ALERT_MAX_BODY_BYTES on the impact-analyzer, or split the group (group_by region on the route of the receiver that sends to Holdfast).`,
  }));
