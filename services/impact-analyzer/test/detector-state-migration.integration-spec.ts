import type { TestDatabase } from '@holdfast/testing';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DetectorStateAlertsDeclarations1764000200000 } from '../src/database/migrations/1764000200000-detector-state-alerts-declarations';
import { migratedThrough } from './support/migration-bed';

const ACTIVE = '01900000-0000-7000-8000-000000000001';
const CLEARED = '01900000-0000-7000-8000-000000000002';
const CAUSE = '01900000-0000-7000-8000-0000000000c1';

describe('migration 1764000200000: surges from before the detector kept its state', () => {
  let database: TestDatabase;
  let db: DataSource;
  let reported: string[];

  beforeAll(async () => {
    ({ database, db, reported } = await migratedThrough('detector-state-migration', DetectorStateAlertsDeclarations1764000200000, async (before) => {
      await before.query(
        `INSERT INTO surge (id, region, metric, status, started_at, cleared_at, peak_value, cause_event_id) VALUES
           ($1, 'IR', 'requests', 'active', '2026-12-01T10:00Z', NULL, 6100, $3),
           ($2, 'NP', 'requests', 'cleared', '2026-12-01T09:00Z', '2026-12-01T09:30Z', 900, $3)`,
        [ACTIVE, CLEARED, CAUSE],
      );
    }));
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it("takes them as the detector's, each its own origin, and says in the start log how many", async () => {
    expect(await db.query('SELECT id, source, origin, severity, reason, detected_at, updated_at FROM surge ORDER BY id')).toEqual([
      { id: ACTIVE, source: 'detector', origin: `requests/${ACTIVE}`, severity: 'minor', reason: 'surge', detected_at: new Date('2026-12-01T10:00Z'), updated_at: new Date('2026-12-01T10:00Z') },
      { id: CLEARED, source: 'detector', origin: `requests/${CLEARED}`, severity: 'minor', reason: 'surge', detected_at: new Date('2026-12-01T09:00Z'), updated_at: new Date('2026-12-01T09:30Z') },
    ]);
    expect(reported).toEqual([
      `schema impact_analyzer: DetectorStateAlertsDeclarations1764000200000 recorded 2 surge(s) from before as the detector's: source detector, severity minor, reason "surge", each its own origin`,
    ]);
  });
});
