import { describe, expect, it } from 'vitest';
import { chooseDatabase, DEFAULT_DATABASE_URL } from './embedded-postgres.mjs';

const answering = (...urls: string[]) => (url: string) => Promise.resolve(urls.includes(url));

describe('which PostgreSQL npm start uses', () => {
  it('uses DATABASE_URL when set, and refuses one that does not answer with the fix', async () => {
    const url = 'postgres://app:secret@db.internal:5432/holdfast';
    expect(await chooseDatabase({ env: { DATABASE_URL: url }, answers: answering(url) })).toEqual({ kind: 'configured', url });
    await expect(chooseDatabase({ env: { DATABASE_URL: url }, answers: answering() })).rejects.toThrow(/PostgreSQL at postgres:\/\/app:\*\*\*@db.internal:5432\/holdfast is not reachable.*set DATABASE_URL/);
  });

  it('uses the local server on the default address when one answers', async () => {
    expect(await chooseDatabase({ env: {}, answers: answering(DEFAULT_DATABASE_URL) })).toEqual({ kind: 'local', url: DEFAULT_DATABASE_URL });
  });

  it('falls back to the embedded server when nothing answers, or always when asked', async () => {
    expect(await chooseDatabase({ env: {}, answers: answering() })).toEqual({ kind: 'embedded' });
    expect(await chooseDatabase({ env: { HOLDFAST_EMBEDDED_POSTGRES: 'always' }, answers: answering(DEFAULT_DATABASE_URL) })).toEqual({ kind: 'embedded' });
  });

  it('refuses to embed when told never, and a mode it does not know', async () => {
    await expect(chooseDatabase({ env: { HOLDFAST_EMBEDDED_POSTGRES: 'never' }, answers: answering() })).rejects.toThrow(/HOLDFAST_EMBEDDED_POSTGRES=never/);
    await expect(chooseDatabase({ env: { HOLDFAST_EMBEDDED_POSTGRES: 'sometimes' }, answers: answering() })).rejects.toThrow(/not one of auto, always, never/);
  });
});
