import { describe, expect, it } from 'vitest';
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
