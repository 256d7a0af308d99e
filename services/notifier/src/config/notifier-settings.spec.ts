import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { notifierEnvironment, notifierSettings } from './notifier-settings';

const parse = (environment: Record<string, string>) => notifierSettings(z.object(notifierEnvironment).parse(environment));
const problems = (environment: Record<string, string>) => {
  const parsed = z.object(notifierEnvironment).safeParse(environment);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

describe('the notifier environment', () => {
  it('reads the outbound allow-list, empty by default', () => {
    expect(parse({}).outboundAllow).toBe('');
    expect(parse({ NOTIFIER_OUTBOUND_ALLOW: '127.0.0.1:9000, 10.0.0.0/8' }).outboundAllow).toBe('127.0.0.1:9000, 10.0.0.0/8');
  });

  it('refuses an allow-list entry that is not an address, a range or address:port at boot, naming it', () => {
    expect(problems({ NOTIFIER_OUTBOUND_ALLOW: 'localhost, 10.0.0.0/8' })).toEqual(['NOTIFIER_OUTBOUND_ALLOW: entry "localhost" is not an address, a CIDR range or address:port']);
  });
});

describe('NOTIFIER_HOLD_RELEASE_RETENTION_DAYS', () => {
  it('remembers a release 14 days by default', () => {
    expect(parse({}).holdReleaseRetentionMs).toBe(14 * 86_400_000);
    expect(parse({ NOTIFIER_HOLD_RELEASE_RETENTION_DAYS: '30' }).holdReleaseRetentionMs).toBe(30 * 86_400_000);
  });

  it('refuses a retention the topics outlive, saying why', () => {
    expect(problems({ NOTIFIER_HOLD_RELEASE_RETENTION_DAYS: '5' })).toEqual([
      "NOTIFIER_HOLD_RELEASE_RETENTION_DAYS: must be more than the 5 days Holdfast's topics keep their messages, or a late hold.placed could fire Alertmanager alerts its release no longer ends",
    ]);
  });
});
