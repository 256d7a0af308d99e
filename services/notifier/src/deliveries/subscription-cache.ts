/**
 * The delivery worker's copies of subscriptions (with their opened secrets), each read afresh
 * once it is older than `maxAgeMs`. `sweep` drops the copies past that age, which nothing uses
 * any more: without it the cache kept one entry, secrets included, for every subscription ever
 * sent to, deleted ones too, for the life of the process. Times are the caller's monotonic clock.
 */
export class SubscriptionCache<T> {
  private readonly entries = new Map<string, { value: T; loadedAt: number }>();

  constructor(private readonly maxAgeMs: number) {}

  /** The copy of `id`, if one was read less than `maxAgeMs` before `now`. */
  fresh(id: string, now: number): T | undefined {
    const entry = this.entries.get(id);
    return entry && now - entry.loadedAt < this.maxAgeMs ? entry.value : undefined;
  }

  set(id: string, value: T, now: number): void {
    this.entries.set(id, { value, loadedAt: now });
  }

  delete(id: string): void {
    this.entries.delete(id);
  }

  /** Drops every copy `fresh` would no longer answer with. */
  sweep(now: number): void {
    for (const [id, entry] of this.entries) if (now - entry.loadedAt >= this.maxAgeMs) this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }
}
