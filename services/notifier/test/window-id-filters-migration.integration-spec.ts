import type { TestDatabase } from '@holdfast/testing';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WindowIdFiltersLowerCase1768800100000 } from '../src/database/migrations/1768800100000-window-id-filters-lower-case';
import { migratedThrough } from './support/migration-bed';

const UPPER = '0190E0C8-0000-7000-8000-0000000000AB';
const LOWER = '0190e0c8-0000-7000-8000-0000000000ab';
const OTHER = '0190e0c8-0000-7000-8000-0000000000cd';
const subscriptions = {
  upper: ['0190e0c8-0000-7000-8000-000000000001', { eventTypes: ['window.held'], regions: [], teams: [], windowIds: [UPPER, OTHER] }],
  both: ['0190e0c8-0000-7000-8000-000000000002', { eventTypes: [], regions: ['IR'], teams: [], windowIds: [LOWER, UPPER] }],
  lower: ['0190e0c8-0000-7000-8000-000000000003', { eventTypes: [], regions: [], teams: ['edge'], windowIds: [OTHER, LOWER] }],
  none: ['0190e0c8-0000-7000-8000-000000000004', { eventTypes: [], regions: [], teams: [], windowIds: [] }],
} as const;
// More subscriptions written with an upper-case id than the report names one by one.
const alsoUpper = Array.from({ length: 20 }, (_, index) => `0190e0c8-0000-7000-8000-0000000001${String(index).padStart(2, '0')}`);

describe('notifier migration: window ids in subscription filters in lower case', () => {
  let database: TestDatabase;
  let db: DataSource;
  let reported: string[];

  beforeAll(async () => {
    ({ database, db, reported } = await migratedThrough('notifier-window-id-filters-migration', WindowIdFiltersLowerCase1768800100000, async (before) => {
      const upperToo = alsoUpper.map((id) => [id, { eventTypes: [], regions: [], teams: [], windowIds: [UPPER] }] as const);
      for (const [id, filters] of [...Object.values(subscriptions), ...upperToo]) {
        await before.query(
          `INSERT INTO subscription (id, owner_team, channel, target, filters, enabled, created_by, created_at, updated_at)
           VALUES ($1, 'edge', 'webhook', 'https://hooks.example.org', $2, true, 'spec', now(), now())`,
          [id, JSON.stringify(filters)],
        );
      }
    }));
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('lowers every window id, keeping an id given in both cases once, and leaves the other filters and subscriptions as they were', async () => {
    const rows = (await db.query('SELECT id, filters FROM subscription ORDER BY id')) as { id: string; filters: { windowIds: string[] } }[];
    const filtersOf = (id: string) => rows.find((row) => row.id === id)!.filters;
    expect(filtersOf(subscriptions.upper[0])).toEqual({ ...subscriptions.upper[1], windowIds: [LOWER, OTHER] });
    expect(filtersOf(subscriptions.both[0])).toEqual({ ...subscriptions.both[1], windowIds: [LOWER] });
    expect(filtersOf(subscriptions.lower[0])).toEqual(subscriptions.lower[1]);
    expect(filtersOf(subscriptions.none[0])).toEqual(subscriptions.none[1]);
  });

  it('names in the start log the subscriptions whose filters it changed, the first twenty and how many more', () => {
    const changed = [subscriptions.upper[0], subscriptions.both[0], ...alsoUpper];
    expect(reported).toEqual([
      `schema notifier: WindowIdFiltersLowerCase1768800100000 lowered the window ids in filters.windowIds of 22 subscription(s), which from now on hear of the windows those ids name (one in upper case matched none before): ${changed.slice(0, 20).join(', ')} and 2 more`,
    ]);
  });
});
