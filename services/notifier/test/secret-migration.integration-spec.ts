import type { TestDatabase } from '@holdfast/testing';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeepEverySecretStillSigning1767300000000 } from '../src/database/migrations/1767300000000-keep-every-secret-still-signing';
import { migratedThrough } from './support/migration-bed';

const ROTATED = '0190e0c8-0000-7000-8000-000000000001';
const PLAIN = '0190e0c8-0000-7000-8000-000000000002';

describe('notifier migration: every replaced secret kept with its own end', () => {
  let database: TestDatabase;
  let db: DataSource;
  let reported: string[];

  beforeAll(async () => {
    ({ database, db, reported } = await migratedThrough('notifier-secret-migration', KeepEverySecretStillSigning1767300000000, async (before) => {
      // As the previous code left them: one subscription in a rotation's overlap, one not.
      for (const [id, previous, until] of [
        [ROTATED, 'sealed-old', '2026-06-15T21:00:10.250Z'],
        [PLAIN, null, null],
      ]) {
        await before.query(
          `INSERT INTO subscription (id, owner_team, channel, target, sealed_secret, sealed_previous_secret, previous_secret_until, filters, enabled, created_by, created_at, updated_at)
           VALUES ($1, 'edge', 'webhook', 'https://hooks.example.org', 'sealed-current', $2, $3, '{}', true, 'spec', now(), now())`,
          [id, previous, until],
        );
      }
    }));
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  const stored = async (id: string) => ((await db.query('SELECT previous_secrets FROM subscription WHERE id = $1', [id])) as { previous_secrets: unknown }[])[0];

  it('keeps the secret a rotation replaced, with its end, and at most three', async () => {
    expect(await stored(ROTATED)).toEqual({ previous_secrets: [{ sealed: 'sealed-old', until: '2026-06-15T21:00:10.250Z' }] });
    expect(await stored(PLAIN)).toEqual({ previous_secrets: [] });
    expect(reported).toEqual([
      "schema notifier: KeepEverySecretStillSigning1767300000000 moved the replaced secret of 1 subscription(s) in a rotation's overlap to previous_secrets, with the end of its overlap",
    ]);

    const four = JSON.stringify(Array.from({ length: 4 }, () => ({ sealed: 'x', until: '2026-06-15T21:00:00.000Z' })));
    await expect(db.query('UPDATE subscription SET previous_secrets = $2 WHERE id = $1', [PLAIN, four])).rejects.toThrow(/subscription_previous_secrets_bounded/);
  });

  it('goes back to one kept secret, the newest, when reverted', async () => {
    const kept = [
      { sealed: 'sealed-newest', until: '2026-06-15T23:00:00.000Z' },
      { sealed: 'sealed-older', until: '2026-06-16T21:00:00.000Z' },
    ];
    await db.query('UPDATE subscription SET previous_secrets = $2 WHERE id = $1', [ROTATED, JSON.stringify(kept)]);
    await db.undoLastMigration({ transaction: 'each' });
    const rows = (await db.query('SELECT id, sealed_previous_secret, previous_secret_until FROM subscription ORDER BY id')) as { id: string; sealed_previous_secret: string | null; previous_secret_until: Date | null }[];
    expect(rows).toEqual([
      { id: ROTATED, sealed_previous_secret: 'sealed-newest', previous_secret_until: new Date('2026-06-15T23:00:00.000Z') },
      { id: PLAIN, sealed_previous_secret: null, previous_secret_until: null },
    ]);
  });
});
