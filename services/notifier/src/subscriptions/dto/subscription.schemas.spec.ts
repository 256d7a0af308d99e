import { describe, expect, it } from 'vitest';
import { CreateSubscriptionSchema, UpdateSubscriptionSchema } from './subscription.schemas';

describe("a subscription's description", () => {
  const subscription = { channel: 'webhook', target: 'https://hooks.example.com/holdfast', ownerTeam: 'network-ops' };
  const issues = (result: { error?: { issues: { path: PropertyKey[]; message: string }[] } }) => result.error?.issues.map((issue) => [issue.path.join('.'), issue.message]);

  it('refuses a bidirectional override or an isolate left open, naming the character and where it is', () => {
    expect(issues(CreateSubscriptionSchema.safeParse({ ...subscription, description: 'pager for \u202eBD' }))).toEqual([
      ['description', expect.stringMatching(/^holds U\+202E \(right-to-left override\) at character 11, .*remove it/)],
    ]);
    expect(issues(UpdateSubscriptionSchema.safeParse({ description: 'on-call \u2068rota' }))).toEqual([
      ['description', expect.stringMatching(/^holds U\+2068 \(first strong isolate\) at character 9 that no U\+2069 closes/)],
    ]);
  });

  it('takes Persian with its marks, and null to clear it', () => {
    expect(CreateSubscriptionSchema.parse({ ...subscription, description: '\u200fهشدار برای تیم شبکه\u200f' }).description).toBe('\u200fهشدار برای تیم شبکه\u200f');
    expect(UpdateSubscriptionSchema.parse({ description: null })).toEqual({ description: null });
  });
});
