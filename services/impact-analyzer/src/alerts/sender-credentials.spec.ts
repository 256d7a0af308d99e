import { describe, expect, it } from 'vitest';
import { alertInstant } from './alert-payloads';
import { assertSenderCredential } from './sender-credentials';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('alert sender credentials', () => {
  it('accepts the configured bearer token or basic pair, and nothing else', () => {
    const token = { bearer: 'a-long-enough-token-0123' };
    expect(() => assertSenderCredential('alertmanager', token, 'Bearer a-long-enough-token-0123')).not.toThrow();
    expect(() => assertSenderCredential('alertmanager', token, 'bearer a-long-enough-token-0123')).not.toThrow();
    expect(() => assertSenderCredential('alertmanager', token, 'Bearer a-long-enough-token-012')).toThrow(/Authorization: Bearer/);
    expect(() => assertSenderCredential('alertmanager', token, undefined)).toThrow(/Authorization: Bearer/);
    const pair = { basic: { username: 'grafana', password: 'correct-horse' } };
    expect(() => assertSenderCredential('grafana', pair, basic('grafana', 'correct-horse'))).not.toThrow();
    expect(() => assertSenderCredential('grafana', pair, basic('grafana', 'correct-horsf'))).toThrow(/Basic/);
    expect(() => assertSenderCredential('grafana', pair, 'Bearer correct-horse')).toThrow(/Basic/);
  });

  it('refuses a sender that has no credential configured, saying where to set one', () => {
    expect(() => assertSenderCredential('grafana', undefined, 'Bearer anything')).toThrow(/ALERT_SENDERS/);
  });
});

describe('alert instants', () => {
  it("reads Alertmanager's nanoseconds and Grafana's zero time", () => {
    expect(alertInstant('2026-06-14T21:00:00.123456789Z')?.toISOString()).toBe('2026-06-14T21:00:00.123Z');
    expect(alertInstant('2026-06-14T23:30:00+03:30')?.toISOString()).toBe('2026-06-14T20:00:00.000Z');
    expect(alertInstant('0001-01-01T00:00:00Z')).toBeNull();
    expect(alertInstant(undefined)).toBeNull();
  });
});
