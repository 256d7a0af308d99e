import { describe, expect, it } from 'vitest';
import { CliError, type CliIo } from './cli-io';
import type { HoldfastApi } from './client/holdfast-api';
import type { CommandContext } from './command';
import { noteMore, readPages, type Page } from './pages';

const ROWS = Array.from({ length: 7 }, (_, n) => n + 1);

/** A list service answering pages of at most `pageMax` rows, the cursor being the index of the next row. */
const service = (pageMax: number) => {
  const asked: { limit: number; cursor?: string }[] = [];
  const fetchPage = async (query: { limit: number; cursor?: string }): Promise<Page<number>> => {
    asked.push(query);
    const from = Number(query.cursor ?? 0);
    const to = from + Math.min(query.limit, pageMax);
    return { items: ROWS.slice(from, to), nextCursor: to < ROWS.length ? String(to) : null };
  };
  return { asked, fetchPage };
};

const contextWith = (values: CommandContext['values'], json = false) => {
  const said = { out: '', err: '' };
  const io = { out: (text: string) => (said.out += text), err: (text: string) => (said.err += text) } as unknown as CliIo;
  return { context: { values, positionals: [], api: {} as HoldfastApi, io, json }, said };
};

describe('a list read page after page', () => {
  it('reads to the end of the list, in pages of the largest size the service takes', async () => {
    const { asked, fetchPage } = service(3);
    expect(await readPages(contextWith({}).context, { pageMax: 3 }, fetchPage)).toEqual({ items: ROWS, nextCursor: null });
    expect(asked).toEqual([{ limit: 3 }, { limit: 3, cursor: '3' }, { limit: 3, cursor: '6' }]);
  });

  it('stops at --limit across pages, keeps where the rest begins, and says so on stderr but not in --json', async () => {
    const { asked, fetchPage } = service(3);
    const { context, said } = contextWith({ limit: '5' });
    const listed = await readPages(context, { pageMax: 3 }, fetchPage);
    expect(listed).toEqual({ items: [1, 2, 3, 4, 5], nextCursor: '5' });
    expect(asked).toEqual([{ limit: 3 }, { limit: 2, cursor: '3' }]);
    noteMore(context, listed, 'holds');
    expect(said.err).toBe('showing the first 5 holds; more follow (a larger --limit shows them)\n');
    const quiet = contextWith({ limit: '5' }, true);
    noteMore(quiet.context, listed, 'holds');
    expect(quiet.said.err).toBe('');
    const whole = contextWith({ limit: '7' });
    noteMore(whole.context, await readPages(whole.context, { pageMax: 3 }, service(3).fetchPage), 'holds');
    expect(whole.said.err).toBe('');
  });

  it('shows a command\'s own number of rows when no --limit is given, and --limit overrides it', async () => {
    const { asked, fetchPage } = service(3);
    expect(await readPages(contextWith({}).context, { pageMax: 3, shown: 4 }, fetchPage)).toEqual({ items: [1, 2, 3, 4], nextCursor: '4' });
    expect(asked).toEqual([{ limit: 3 }, { limit: 1, cursor: '3' }]);
    expect((await readPages(contextWith({ limit: '6' }).context, { pageMax: 3, shown: 4 }, service(3).fetchPage)).items).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('refuses a --limit that is not a whole number of at least 1 before asking the service', async () => {
    for (const limit of ['0', '-2', '2.5', 'all']) {
      const { asked, fetchPage } = service(3);
      await expect(readPages(contextWith({ limit }).context, { pageMax: 3 }, fetchPage)).rejects.toThrow(CliError);
      expect(asked).toEqual([]);
    }
  });
});
