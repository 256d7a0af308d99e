import type { CommandContext } from './command';
import { wholeNumber } from './command';

/** One page of a list as every Holdfast list answers it. */
export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}

/**
 * A list read page after page until it ends, or until `--limit` rows (`shown` when not given;
 * undefined reads to the end): a service answers a page at a time, and a list cut at its page size
 * without a word would read as the whole of it. The cursor left over says where the rows not read
 * begin (null when none are left).
 */
export async function readPages<T>(
  context: CommandContext,
  sizes: { pageMax: number; shown?: number },
  fetchPage: (query: { limit: number; cursor?: string }) => Promise<Page<T>>,
): Promise<{ items: T[]; nextCursor: string | null }> {
  const { pageMax } = sizes;
  const wanted = wholeNumber(context.values, 'limit') ?? sizes.shown;
  const items: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await fetchPage({ limit: Math.min(pageMax, wanted === undefined ? pageMax : wanted - items.length), ...(cursor ? { cursor } : {}) });
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
    if (!cursor || (wanted !== undefined && items.length >= wanted)) return { items, nextCursor: cursor ?? null };
  }
}

/** Says on stderr that rows were left out by --limit, so a table is never taken for the whole list. */
export function noteMore(context: CommandContext, listed: { items: unknown[]; nextCursor: string | null }, what: string): void {
  if (listed.nextCursor && !context.json) context.io.err(`showing the first ${listed.items.length} ${what}; more follow (a larger --limit shows them)\n`);
}
