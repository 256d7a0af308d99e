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
