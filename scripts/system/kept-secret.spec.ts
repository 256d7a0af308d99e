import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { keptSecret } from './kept-secret.mjs';

describe('keptSecret', () => {
  const folder = mkdtempSync(join(tmpdir(), 'kept-secret-'));
  afterEach(() => rmSync(join(folder, '.holdfast'), { recursive: true, force: true }));

  it('makes the secret on the first start into a file only this user may read, its folder made too', () => {
    const file = join(folder, '.holdfast/notifier-secret-key');

    expect(keptSecret(file, () => 'first')).toEqual({ value: 'first', made: true });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('gives the kept one on every later start, never making another', () => {
    const file = join(folder, '.holdfast/notifier-secret-key');
    keptSecret(file, () => 'first');

    expect(keptSecret(file, () => 'second')).toEqual({ value: 'first', made: false });
  });

  it('keeps the secret another start wrote between its look and its write, rather than failing', () => {
    const file = join(folder, '.holdfast/notifier-secret-key');
    const racing = () => {
      writeFileSync(file, 'theirs\n', { mode: 0o600 });
      return 'mine';
    };

    expect(keptSecret(file, racing)).toEqual({ value: 'theirs', made: false });
  });
});
