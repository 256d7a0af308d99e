import { describe, expect, it } from 'vitest';
import { AlertmanagerPayloadSchema, GrafanaPayloadSchema, readAlertTime } from './alert-payloads';

describe('alert times', () => {
  it("reads Alertmanager's nanoseconds and Grafana's microseconds with an offset", () => {
    expect(readAlertTime('2026-06-14T21:00:00.123456789Z')).toEqual({ kind: 'instant', at: new Date('2026-06-14T21:00:00.123Z') });
    expect(readAlertTime('2021-10-12T09:51:03.157076+02:00')).toEqual({ kind: 'instant', at: new Date('2021-10-12T07:51:03.157Z') });
    expect(readAlertTime('2026-06-14T23:30:00+03:30')).toEqual({ kind: 'instant', at: new Date('2026-06-14T20:00:00Z') });
  });

  it('takes an absent time and Go\'s zero time, written for an endsAt not reached yet, as unset', () => {
    expect(readAlertTime('0001-01-01T00:00:00Z')).toEqual({ kind: 'unset' });
    expect(readAlertTime(undefined)).toEqual({ kind: 'unset' });
    expect(readAlertTime('')).toEqual({ kind: 'unset' });
  });

  it('tells a time before Go\'s zero time (year 0000 in UTC, which PostgreSQL cannot be given as text) from one it can keep', () => {
    expect(readAlertTime('0000-06-01T00:00:00Z')).toEqual({ kind: 'before-year-one' });
    expect(readAlertTime('0001-01-01T00:30:00+01:00')).toEqual({ kind: 'before-year-one' });
    expect(readAlertTime('0000-12-31T23:30:00-01:00')).toEqual({ kind: 'instant', at: new Date('0001-01-01T00:30:00Z') });
  });

  it('reads nothing into text that is no RFC 3339 instant with its offset, which Date.parse would take', () => {
    for (const text of ['yesterday', 'June 14 2026 21:00', '2026-06-14 21:00:00Z', '2026-06-14T21:00:00', '2026-06-14', '2026-02-30T21:00:00Z', '1781470800']) {
      expect(readAlertTime(text), text).toEqual({ kind: 'unreadable' });
    }
  });
});

describe('alert notifications', () => {
  it("take a group's every alert, however many: a sender posts them all at once (max_alerts: 0) and retries no refusal", () => {
    const alerts = Array.from({ length: 2_000 }, (_, index) => ({ status: 'firing', labels: { alertname: 'EdgeErrorRateHigh', region: 'KE', instance: `edge-${index}` }, startsAt: '2026-06-14T21:00:00Z' }));
    const notification = { groupKey: '{}:{alertname="EdgeErrorRateHigh"}', status: 'firing', alerts };
    expect(AlertmanagerPayloadSchema.safeParse({ ...notification, version: '4' }).data?.alerts).toHaveLength(2_000);
    expect(GrafanaPayloadSchema.safeParse(notification).data?.alerts).toHaveLength(2_000);
  });
});
