import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NOTIFIER_VERSION } from './notifier-version';

describe("the notifier's version", () => {
  it('is the one the root package.json has, which a release bumps', () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as { version: string };
    expect(NOTIFIER_VERSION).toBe(version);
  });
});
