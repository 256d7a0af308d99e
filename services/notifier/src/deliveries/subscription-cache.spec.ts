import { describe, expect, it } from 'vitest';
import { SubscriptionCache } from './subscription-cache';

describe('SubscriptionCache', () => {
  it('answers with a copy younger than its age limit only', () => {
    const cache = new SubscriptionCache<string>(1_000);
    cache.set('a', 'copy of a', 0);
    expect(cache.fresh('a', 999)).toBe('copy of a');
    expect(cache.fresh('a', 1_000)).toBeUndefined();
  });

  it('drops, when swept, every copy too old to be used, whichever subscriptions were sent to before', () => {
    const cache = new SubscriptionCache<string>(1_000);
    for (let index = 0; index < 500; index++) cache.set(`deleted-${index}`, 'a subscription since deleted', index);
    cache.set('recent', 'a subscription sent to just now', 5_000);
    cache.sweep(5_500);
    expect(cache.size).toBe(1);
    expect(cache.fresh('recent', 5_500)).toBe('a subscription sent to just now');
  });
});
