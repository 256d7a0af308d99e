/**
 * A list read from its first page to its last by following nextCursor, as a client would; each page
 * must answer 200. The pages come back as read, so a spec can check where they were cut.
 */
export async function everyPage<T>(fetchPage: (cursor: string | null) => Promise<Response>, maxPages = 100): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | null = null;
  do {
    if (pages.length === maxPages) throw new Error(`still a nextCursor after ${maxPages} pages: the list pages in a loop`);
    const response = await fetchPage(cursor);
    const body = (await response.json()) as { items: T[]; nextCursor: string | null };
    if (response.status !== 200) throw new Error(`page ${pages.length + 1} answered ${response.status}: ${JSON.stringify(body)}`);
    pages.push(body.items);
    cursor = body.nextCursor;
  } while (cursor);
  return pages;
}
