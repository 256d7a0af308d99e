import { revertMigrations, runMigrations } from '@holdfast/database';
import { createTestDatabase, type TestDatabase } from '@holdfast/testing';
import { instantToWallClock } from '@holdfast/time';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateHoldAndAudit1764000100000 } from '../src/database/migrations/1764000100000-create-hold-and-audit';
import { CreateWindowsOccurrences1764000200000 } from '../src/database/migrations/1764000200000-create-windows-occurrences';
import { HoldMembershipKeys1764710000000 } from '../src/database/migrations/1764710000000-hold-membership-keys';
import { OccurrenceHeldFromLinks1764800000000 } from '../src/database/migrations/1764800000000-occurrence-held-from-links';
import { WindowTimesToTheMillisecond1766400000000 } from '../src/database/migrations/1766400000000-window-times-to-the-millisecond';
import { RunTurnsDated1766700000000 } from '../src/database/migrations/1766700000000-run-turns-dated';
import { HoldClearanceRecorded1767100000000 } from '../src/database/migrations/1767100000000-hold-clearance-recorded';
import { HoldChain1767600000000 } from '../src/database/migrations/1767600000000-hold-chain';
import { KeyCopyFromIssuedKeys1767700000000 } from '../src/database/migrations/1767700000000-key-copy-from-issued-keys';
import { PlannedZonesCanonical1767800000000 } from '../src/database/migrations/1767800000000-planned-zones-canonical';
import { HoldAnnouncementOneShape1767950000000 } from '../src/database/migrations/1767950000000-hold-announcement-one-shape';
import { PlannedLocalStart1768500000000 } from '../src/database/migrations/1768500000000-planned-local-start';
import { HoldClearedReason1768600000000 } from '../src/database/migrations/1768600000000-hold-cleared-reason';
import { OccurrenceHoldableByTime1768700000000 } from '../src/database/migrations/1768700000000-occurrence-holdable-by-time';
import { HoldLinksInRunOrder1769100200000 } from '../src/database/migrations/1769100200000-hold-links-in-run-order';
import { HoldStartEvidence1769100300000 } from '../src/database/migrations/1769100300000-hold-start-evidence';
import { HoldSignalLoss1769200200000 } from '../src/database/migrations/1769200200000-hold-signal-loss';
import { plannerService } from '../src/app.module';
import { fanOutHold, lockRunsBegun } from '../src/holds/hold-fanout.sql';
import { readHoldRuns } from '../src/occurrences/hold-runs.sql';
import { occurrenceStatusOf } from '../src/windows/window-record';

const SCHEMA = 'maintenance_planner';
const BEFORE = [CreateHoldAndAudit1764000100000, CreateWindowsOccurrences1764000200000, HoldMembershipKeys1764710000000];
const HOLD = '0190e0c8-0000-7000-8000-000000000001';
const AHEAD = '0190e0c8-0000-7000-8000-00000000000a';
const BEGAN = '0190e0c8-0000-7000-8000-00000000000b';
const LOOSE = '0190e0c8-0000-7000-8000-00000000000c';
const OVERTAKEN = '0190e0c8-0000-7000-8000-00000000000d';
const UNTOLD = '0190e0c8-0000-7000-8000-00000000000e';

const dataSource = (url: string, migrations: unknown[]) =>
  new DataSource({ type: 'postgres', url, schema: SCHEMA, migrations: migrations as DataSource['options']['migrations'], extra: { max: 2, options: `-c search_path=${SCHEMA}` } });

/** The service's migrations in order, up to and including `last`. */
function migrationsUpTo(last: unknown, url: string) {
  const all = plannerService.database(plannerService.configFromEnvironment({ ...process.env, DATABASE_URL: url })).migrations as unknown[];
  expect(all).toContain(last);
  return all.slice(0, all.indexOf(last) + 1);
}

describe('maintenance-planner migration: windows no longer store held', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('planner-migration-window-held');
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('gives each window stored held the status its runs give, and says in the start log how many', async () => {
    const all = migrationsUpTo(HoldMembershipKeys1764710000000, database.url);
    const before = dataSource(database.url, all.slice(0, -1));
    await before.initialize();
    await runMigrations(before, { info: () => undefined });
    // AHEAD's run is held, BEGAN's is under way, LOOSE's needs a new slot; OVERTAKEN was never held.
    for (const [id, windowStatus, runStatus] of [
      [AHEAD, 'held', 'held'],
      [BEGAN, 'held', 'in-progress'],
      [LOOSE, 'held', 'needs-reschedule'],
      [OVERTAKEN, 'scheduled', 'scheduled'],
    ]) {
      await before.query(
        `INSERT INTO maintenance_window (id, title, owner_team, footprint_global, footprint_regions, starts_at, ends_at, planned_zone, priority, surge_policy, status, expanded_until, created_at, updated_at)
         VALUES ($1, 'w', 'network-ops', false, '{IR}', '2100-06-01Z', '2100-06-01T01:00Z', 'UTC', 'routine', 'hold', $2, '2100-06-01Z', now(), now())`,
        [id, windowStatus],
      );
      await before.query(`INSERT INTO occurrence (window_id, number, starts_at, ends_at, status) VALUES ($1, 1, '2100-06-01Z', '2100-06-01T01:00Z', $2)`, [id, runStatus]);
    }
    await before.destroy();
    const after = dataSource(database.url, all);
    await after.initialize();
    try {
      const said: string[] = [];
      expect(await runMigrations(after, { info: (line) => said.push(line) })).toEqual(['HoldMembershipKeys1764710000000']);
      expect(await after.query('SELECT id, status FROM maintenance_window ORDER BY id')).toEqual([
        { id: AHEAD, status: 'scheduled' },
        { id: BEGAN, status: 'in-progress' },
        { id: LOOSE, status: 'needs-reschedule' },
        { id: OVERTAKEN, status: 'scheduled' },
      ]);
      expect(said.slice(1)).toEqual([
        'schema maintenance_planner: HoldMembershipKeys1764710000000 gave 3 window(s) stored as held the status their runs give (in progress, else needing a new slot, else scheduled): held is read from the runs now',
      ]);
    } finally {
      await after.destroy();
    }
  });
});

describe('maintenance-planner migration: occurrences no longer store held', () => {
  let database: TestDatabase;
  let db: DataSource;
  const quiet = { info: () => undefined };
  const said: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('planner-migration');
    const before = dataSource(database.url, BEFORE);
    await before.initialize();
    await runMigrations(before, quiet);
    // Stored as the previous code left them: one held occurrence an active hold links, ahead; two held with no link, one begun and one ahead.
    await before.query(`INSERT INTO hold (id, regions, reason, source, cause_id, placed_at, from_at, until_at) VALUES ($1, '{IR}', 'Exams in IR', 'manual', 'm1', '2000-01-01Z', '2000-01-01Z', '2100-01-01Z')`, [HOLD]);
    for (const [id, startsAt] of [
      [AHEAD, '2100-06-15T00:00:00Z'],
      [BEGAN, '2000-06-15T00:00:00Z'],
      [LOOSE, '2100-06-16T00:00:00Z'],
    ]) {
      await before.query(
        `INSERT INTO maintenance_window (id, title, owner_team, footprint_global, footprint_regions, starts_at, ends_at, planned_zone, priority, surge_policy, status, expanded_until, created_at, updated_at)
         VALUES ($1, 'w', 'network-ops', false, '{IR}', $2, $2::timestamptz + interval '1 hour', 'UTC', 'routine', 'hold', 'scheduled', $2, now(), now())`,
        [id, startsAt],
      );
      await before.query(`INSERT INTO occurrence (window_id, number, starts_at, ends_at, status) VALUES ($1, 1, $2, $2::timestamptz + interval '1 hour', 'held')`, [id, startsAt]);
    }
    await before.query(`INSERT INTO hold_occurrence (hold_id, window_id, number, kind, held_at) VALUES ($1, $2, 1, 'held', now())`, [HOLD, AHEAD]);
    await before.destroy();
    db = dataSource(database.url, [...BEFORE, OccurrenceHeldFromLinks1764800000000]);
    await db.initialize();
    expect(await runMigrations(db, { info: (line) => said.push(line) })).toEqual(['OccurrenceHeldFromLinks1764800000000']);
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  const occurrences = async () =>
    Object.fromEntries(
      ((await db.query(`SELECT o.window_id, o.status AS stored, ${occurrenceStatusOf('o')} AS read, w.status AS window FROM occurrence o JOIN maintenance_window w ON w.id = o.window_id`)) as {
        window_id: string;
        stored: string;
        read: string;
        window: string;
      }[]).map((row) => [row.window_id, { stored: row.stored, read: row.read, window: row.window }]),
    );

  it('stores scheduled where held was, reads held where an active hold links it, settles the ones nothing held, and refuses held from then on', async () => {
    expect(await occurrences()).toEqual({
      [AHEAD]: { stored: 'scheduled', read: 'held', window: 'scheduled' },
      [BEGAN]: { stored: 'needs-reschedule', read: 'needs-reschedule', window: 'needs-reschedule' },
      [LOOSE]: { stored: 'scheduled', read: 'scheduled', window: 'scheduled' },
    });
    await expect(db.query(`UPDATE occurrence SET status = 'held' WHERE window_id = $1`, [AHEAD])).rejects.toThrow(/occurrence_status_check/);
  });

  it('says in the start log how many runs it stored scheduled, and how many it settled as a release would', () => {
    expect(said.slice(1)).toEqual([
      'schema maintenance_planner: OccurrenceHeldFromLinks1764800000000 stored as scheduled 1 held run(s) an active hold links (read as held from its links now); settled as a release would 2 held run(s) no active hold linked: 1 scheduled, 1 needing a new slot as its time had begun, with 1 window(s)',
    ]);
  });

  it('reverts: an occurrence an active hold links is stored held again', async () => {
    await db.undoLastMigration({ transaction: 'each' });
    expect((await occurrences())[AHEAD]).toMatchObject({ stored: 'held' });
    await db.query(`UPDATE occurrence SET status = 'held' WHERE window_id = $1`, [LOOSE]);
  });
});

describe('maintenance-planner migration: window times to the millisecond', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('planner-migration-ms');
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('cuts a window planned with microseconds to its millisecond, and leaves the others as they were', async () => {
    const all = migrationsUpTo(WindowTimesToTheMillisecond1766400000000, database.url);
    const before = dataSource(database.url, all.slice(0, -1));
    await before.initialize();
    await runMigrations(before, { info: () => undefined });
    for (const [id, startsAt, endsAt] of [
      [AHEAD, '2100-06-15T00:00:00.000500Z', '2100-06-15T01:00:00.123456Z'],
      [LOOSE, '2100-06-16T00:00:00.007Z', '2100-06-16T01:00:00Z'],
    ]) {
      await before.query(
        `INSERT INTO maintenance_window (id, title, owner_team, footprint_global, footprint_regions, starts_at, ends_at, planned_zone, priority, surge_policy, status, expanded_until, created_at, updated_at)
         VALUES ($1, 'w', 'network-ops', false, '{IR}', $2, $3, 'UTC', 'routine', 'hold', 'scheduled', $2, now(), now())`,
        [id, startsAt, endsAt],
      );
    }
    await before.destroy();
    const after = dataSource(database.url, all);
    await after.initialize();
    try {
      const said: string[] = [];
      expect(await runMigrations(after, { info: (line) => said.push(line) })).toEqual(['WindowTimesToTheMillisecond1766400000000']);
      expect(said.slice(1)).toEqual(['schema maintenance_planner: WindowTimesToTheMillisecond1766400000000 cut the start or end of 1 window(s) planned with microseconds to the millisecond']);
      const rows = (await after.query(
        `SELECT id, to_char(starts_at AT TIME ZONE 'UTC', 'HH24:MI:SS.US') AS starts, to_char(ends_at AT TIME ZONE 'UTC', 'HH24:MI:SS.US') AS ends FROM maintenance_window ORDER BY starts_at`,
      )) as { id: string; starts: string; ends: string }[];
      expect(rows).toEqual([
        { id: AHEAD, starts: '00:00:00.000000', ends: '01:00:00.123000' },
        { id: LOOSE, starts: '00:00:00.007000', ends: '01:00:00.000000' },
      ]);
    } finally {
      await after.destroy();
    }
  });
});

describe('maintenance-planner migration: runs marked missed and links overridden are dated', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('planner-migration-turns');
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('dates a missed run at its end, an override at its audit row (of that run, or of every run) or else at its link, and nothing else', async () => {
    const all = migrationsUpTo(RunTurnsDated1766700000000, database.url);
    const before = dataSource(database.url, all.slice(0, -1));
    await before.initialize();
    await runMigrations(before, { info: () => undefined });
    await before.query(`INSERT INTO hold (id, regions, reason, source, cause_id, placed_at, from_at) VALUES ($1, '{IR}', 'Exams in IR', 'manual', 'm1', '2100-01-01Z', '2100-01-01Z')`, [HOLD]);
    for (const id of [AHEAD, BEGAN, LOOSE]) {
      await before.query(
        `INSERT INTO maintenance_window (id, title, owner_team, footprint_global, footprint_regions, starts_at, ends_at, planned_zone, priority, surge_policy, status, expanded_until, created_at, updated_at)
         VALUES ($1, 'w', 'network-ops', false, '{IR}', '2100-06-01Z', '2100-06-01T01:00Z', 'UTC', 'routine', 'hold', 'scheduled', '2100-06-01Z', now(), now())`,
        [id],
      );
      await before.query(
        `INSERT INTO occurrence (window_id, number, starts_at, ends_at, status) VALUES ($1, 1, '2100-06-01Z', '2100-06-01T01:00Z', 'missed'), ($1, 2, '2100-06-02Z', '2100-06-02T01:00Z', 'scheduled')`,
        [id],
      );
    }
    // AHEAD: run 1 overridden alone at 10:00, and every run at 11:00; BEGAN: no audit row; LOOSE: held, not overridden.
    await before.query(
      `INSERT INTO hold_occurrence (hold_id, window_id, number, kind, held_at, overridden_by, override_reason) VALUES
         ($1, $2, 1, 'held', '2100-01-01T09:00Z', 'ops', 'urgent'), ($1, $2, 2, 'held', '2100-01-01T09:00Z', 'ops', 'urgent'),
         ($1, $3, 2, 'held', '2100-01-01T09:30Z', 'ops', 'urgent'), ($1, $4, 2, 'held', '2100-01-01T09:45Z', NULL, NULL)`,
      [HOLD, AHEAD, BEGAN, LOOSE],
    );
    await before.query(
      `INSERT INTO audit_entry (subject_type, subject_id, action, actor, at, details) VALUES
         ('window', $2, 'overridden', 'ops', '2100-01-01T10:00Z', jsonb_build_object('holdId', $1::text, 'occurrence', 2, 'reason', 'urgent')),
         ('window', $2, 'overridden', 'ops', '2100-01-01T11:00Z', jsonb_build_object('holdId', $1::text, 'occurrence', 1, 'reason', 'urgent')),
         ('window', $2, 'overridden', 'ops', '2100-01-01T08:00Z', jsonb_build_object('holdId', $1::text, 'occurrence', null, 'reason', 'urgent'))`,
      [HOLD, AHEAD],
    );
    await before.destroy();
    const after = dataSource(database.url, all);
    await after.initialize();
    try {
      const said: string[] = [];
      expect(await runMigrations(after, { info: (line) => said.push(line) })).toEqual(['RunTurnsDated1766700000000']);
      expect(said.slice(1)).toEqual([
        'schema maintenance_planner: RunTurnsDated1766700000000 dated 3 missed run(s) at their end and 3 overridden hold link(s) at their audit row, else when they were held: calendar feeds revise those runs',
      ]);
      const missed = (await after.query(`SELECT window_id, number, missed_at FROM occurrence WHERE missed_at IS NOT NULL ORDER BY window_id`)) as { window_id: string; number: number; missed_at: Date }[];
      expect(missed).toEqual([AHEAD, BEGAN, LOOSE].sort().map((id) => ({ window_id: id, number: 1, missed_at: new Date('2100-06-01T01:00Z') })));
      const overridden = (await after.query(`SELECT window_id, number, overridden_at FROM hold_occurrence ORDER BY window_id, number`)) as { window_id: string; number: number; overridden_at: Date | null }[];
      expect(overridden).toEqual(
        expect.arrayContaining([
          { window_id: AHEAD, number: 1, overridden_at: new Date('2100-01-01T11:00Z') },
          { window_id: AHEAD, number: 2, overridden_at: new Date('2100-01-01T10:00Z') },
          { window_id: BEGAN, number: 2, overridden_at: new Date('2100-01-01T09:30Z') },
          { window_id: LOOSE, number: 2, overridden_at: null },
        ]),
      );
      expect(overridden).toHaveLength(4);
      await after.undoLastMigration({ transaction: 'each' });
      expect(await after.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND column_name IN ('missed_at', 'overridden_at')`, [SCHEMA])).toEqual([]);
    } finally {
      await after.destroy();
    }
  });
});

describe('maintenance-planner migration: a surge clearance dated when the planner recorded it', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('planner-migration-clearance');
  });

  afterAll(async () => {
    await database?.drop();
  });

  it("dates a cleared hold at its audit row's time, else at its clearance, and leaves the holds not cleared undated", async () => {
    const all = migrationsUpTo(HoldClearanceRecorded1767100000000, database.url);
    const before = dataSource(database.url, all.slice(0, -1));
    await before.initialize();
    await runMigrations(before, { info: () => undefined });
    // AHEAD's clearance was recorded ten minutes after it happened; BEGAN's left no audit row; LOOSE never cleared.
    for (const [id, clearedAt] of [
      [AHEAD, '2100-01-01T10:00Z'],
      [BEGAN, '2100-01-01T11:00Z'],
      [LOOSE, null],
    ]) {
      await before.query(
        `INSERT INTO hold (id, regions, reason, source, cause_id, placed_at, from_at, cleared_at, release_due_at) VALUES ($1::uuid, '{IR}', 'surge', 'detector', $1::text, '2100-01-01Z', '2100-01-01Z', $2::timestamptz, $2::timestamptz + interval '30 minutes')`,
        [id, clearedAt],
      );
    }
    await before.query(`INSERT INTO audit_entry (subject_type, subject_id, action, actor, at, details) VALUES ('hold', $1, 'cleared', 'detector:s', '2100-01-01T10:10Z', '{}')`, [AHEAD]);
    await before.destroy();
    const after = dataSource(database.url, all);
    await after.initialize();
    try {
      const said: string[] = [];
      expect(await runMigrations(after, { info: (line) => said.push(line) })).toEqual(['HoldClearanceRecorded1767100000000']);
      expect(said.slice(1)).toEqual(['schema maintenance_planner: HoldClearanceRecorded1767100000000 dated the clearance of 2 cleared hold(s) at its audit row, else at the surge\'s clearance']);
      const dated = (await after.query('SELECT id, clearance_recorded_at FROM hold ORDER BY id')) as { id: string; clearance_recorded_at: Date | null }[];
      expect(dated).toEqual(
        [
          { id: AHEAD, clearance_recorded_at: new Date('2100-01-01T10:10Z') },
          { id: BEGAN, clearance_recorded_at: new Date('2100-01-01T11:00Z') },
          { id: LOOSE, clearance_recorded_at: null },
        ].sort((a, b) => a.id.localeCompare(b.id)),
      );
      await after.undoLastMigration({ transaction: 'each' });
      expect(await after.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND column_name = 'clearance_recorded_at'`, [SCHEMA])).toEqual([]);
    } finally {
      await after.destroy();
    }
  });
});

describe("maintenance-planner migration: a hold keeps the events its release is caused by", () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('planner-migration-hold-chain');
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('gives a hold in its cool-down the surge.cleared that cleared it (remembered when it overtook the start, else named by its audit row), and nothing to a hold released or not cleared', async () => {
    const all = migrationsUpTo(HoldChain1767600000000, database.url);
    const before = dataSource(database.url, all.slice(0, -1));
    await before.initialize();
    await runMigrations(before, { info: () => undefined });
    const clearedEvent = '0190e0c8-0000-7000-8000-0000000000c1';
    // AHEAD is cooling down, BEGAN was released after its clearance, LOOSE never cleared.
    for (const [id, clearedAt, releasedAt] of [
      [AHEAD, '2100-01-01T10:00Z', null],
      [BEGAN, '2100-01-01T10:00Z', '2100-01-01T10:30Z'],
      [LOOSE, null, null],
    ]) {
      await before.query(
        `INSERT INTO hold (id, regions, reason, source, cause_id, placed_at, from_at, cleared_at, release_due_at, released_at)
         VALUES ($1::uuid, '{IR}', 'surge', 'detector', $1::text, '2100-01-01Z', '2100-01-01Z', $2::timestamptz, $2::timestamptz + interval '30 minutes', $3)`,
        [id, clearedAt, releasedAt],
      );
    }
    for (const id of [AHEAD, BEGAN]) {
      await before.query(`INSERT INTO audit_entry (subject_type, subject_id, action, actor, at, cause_event_id, details) VALUES ('hold', $1, 'cleared', 'detector:s', '2100-01-01T10:00Z', $2, '{}')`, [id, clearedEvent]);
    }
    // OVERTAKEN's surge.cleared came before its surge.started, which its audit row names: the clearance remembered says which cleared it.
    const startedEvent = '0190e0c8-0000-7000-8000-0000000000d1';
    const overtakingEvent = '0190e0c8-0000-7000-8000-0000000000d2';
    await before.query(
      `INSERT INTO hold (id, regions, reason, source, cause_id, placed_at, from_at, cleared_at, release_due_at)
       VALUES ($1::uuid, '{NP}', 'surge', 'detector', 'surge-np', '2100-01-01Z', '2100-01-01Z', '2100-01-01T10:00Z', '2100-01-01T10:30Z')`,
      [OVERTAKEN],
    );
    await before.query(`INSERT INTO audit_entry (subject_type, subject_id, action, actor, at, cause_event_id, details) VALUES ('hold', $1, 'cleared', 'detector:surge-np', '2100-01-01T10:00Z', $2, '{}')`, [OVERTAKEN, startedEvent]);
    await before.query(`INSERT INTO surge_clearance (surge_id, cleared_at, reason, event_id) VALUES ('surge-np', '2100-01-01T10:00Z', 'calm', $1)`, [overtakingEvent]);
    // UNTOLD cooled down with neither: its release continues its correlation with no causation.
    await before.query(
      `INSERT INTO hold (id, regions, reason, source, cause_id, placed_at, from_at, cleared_at, release_due_at)
       VALUES ($1::uuid, '{DE}', 'surge', 'detector', 'surge-de', '2100-01-01Z', '2100-01-01Z', '2100-01-01T10:00Z', '2100-01-01T10:30Z')`,
      [UNTOLD],
    );
    await before.destroy();
    const after = dataSource(database.url, all);
    await after.initialize();
    try {
      const said: string[] = [];
      expect(await runMigrations(after, { info: (line) => said.push(line) })).toEqual(['HoldChain1767600000000']);
      expect(said.slice(1)).toEqual([
        'schema maintenance_planner: HoldChain1767600000000 gave 2 of 3 hold(s) cleared and not yet released the surge.cleared their release continues; 1 release(s) with no causation (no surge.cleared remembered)',
      ]);
      const chains = (await after.query('SELECT id, placed_event_id, cleared_event_id FROM hold ORDER BY id')) as { id: string }[];
      expect(chains).toEqual(
        [
          { id: AHEAD, placed_event_id: null, cleared_event_id: clearedEvent },
          { id: BEGAN, placed_event_id: null, cleared_event_id: null },
          { id: LOOSE, placed_event_id: null, cleared_event_id: null },
          { id: OVERTAKEN, placed_event_id: null, cleared_event_id: overtakingEvent },
          { id: UNTOLD, placed_event_id: null, cleared_event_id: null },
        ].sort((a, b) => a.id.localeCompare(b.id)),
      );
      await after.undoLastMigration({ transaction: 'each' });
      expect(await after.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND column_name IN ('placed_event_id', 'cleared_event_id')`, [SCHEMA])).toEqual([]);
    } finally {
      await after.destroy();
    }
  });
});

describe('maintenance-planner migration: the key copy becomes the keys the planner issued', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('planner-migration-key-copy');
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('adds an issued key whose event was not yet consumed, takes its revocation, drops a copy no issued key accounts for, and keeps last uses', async () => {
    const all = migrationsUpTo(KeyCopyFromIssuedKeys1767700000000, database.url);
    const before = dataSource(database.url, all.slice(0, -1));
    await before.initialize();
    await runMigrations(before, { info: () => undefined });
    const issue = (keyId: string, revokedAt: string | null) =>
      before.query(`INSERT INTO api_key (key_id, prefix, hash, team, scopes, name, created_at, created_by, revoked_at) VALUES ($1, 'hf_' || $1, 'h-' || $1, 'network', '{read}', $1, '2026-12-01Z', 'platform/bootstrap', $2)`, [keyId, revokedAt]);
    const copy = (keyId: string, team: string, scopes: string) =>
      before.query(`INSERT INTO api_key_copy (key_id, prefix, hash, team, scopes, created_at, last_used_at) VALUES ($1, 'hf_' || $1, 'h-' || $1, $2, $3, '2026-12-01Z', '2026-12-02Z')`, [keyId, team, scopes]);
    await issue('00000000000000a1', null);
    await copy('00000000000000a1', 'network', '{read}');
    await issue('00000000000000a2', '2026-12-03Z');
    await copy('00000000000000a2', 'network', '{read}');
    await issue('00000000000000a3', null);
    await issue('00000000000000a4', null);
    await copy('00000000000000a4', 'network', '{admin}');
    await copy('00000000000000f0', 'mallory', '{admin}');
    await before.destroy();

    const after = dataSource(database.url, all);
    await after.initialize();
    const said: string[] = [];
    try {
      expect(await runMigrations(after, { info: (line) => said.push(line) })).toEqual(['KeyCopyFromIssuedKeys1767700000000']);
      // The operator hears of a key state someone else wrote to api.keys.v1, and of what the copy took.
      expect(said.slice(1)).toEqual([
        'schema maintenance_planner: KeyCopyFromIssuedKeys1767700000000 removed 2 key state(s) no issued key accounts for (written to api.keys.v1 by another producer; see docs/security.md): mallory/00000000000000f0, network/00000000000000a4; took 3 key state(s) from the keys table that the copy lacked or had unrevoked: 00000000000000a2, 00000000000000a3, 00000000000000a4',
      ]);
      expect(await after.query('SELECT key_id, team, scopes, revoked_at, last_used_at FROM api_key_copy ORDER BY key_id')).toEqual([
        { key_id: '00000000000000a1', team: 'network', scopes: ['read'], revoked_at: null, last_used_at: new Date('2026-12-02Z') },
        { key_id: '00000000000000a2', team: 'network', scopes: ['read'], revoked_at: new Date('2026-12-03Z'), last_used_at: new Date('2026-12-02Z') },
        { key_id: '00000000000000a3', team: 'network', scopes: ['read'], revoked_at: null, last_used_at: null },
        { key_id: '00000000000000a4', team: 'network', scopes: ['read'], revoked_at: null, last_used_at: null },
      ]);
    } finally {
      await after.destroy();
    }
  });
});

describe('maintenance-planner migration: planned zones under their tzdb names', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('planner-migration-zones');
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('renames each stored spelling to the tzdb name, and leaves canonical names and merged zones as they are', async () => {
    const all = migrationsUpTo(PlannedZonesCanonical1767800000000, database.url);
    const before = dataSource(database.url, all.slice(0, -1));
    await before.initialize();
    await runMigrations(before, { info: () => undefined });
    const given = ['Asia/Calcutta', 'europe/berlin', 'US/Pacific', 'Europe/Amsterdam', 'Asia/Tehran'];
    for (const [index, zone] of given.entries()) {
      await before.query(
        `INSERT INTO maintenance_window (id, title, owner_team, footprint_global, footprint_regions, starts_at, ends_at, planned_zone, priority, surge_policy, status, expanded_until, created_at, updated_at)
         VALUES ($1, $2, 'network', false, '{IR}', '2100-01-01Z', '2100-01-01T01:00Z', $2, 'routine', 'hold', 'scheduled', '2100-01-02Z', '2026-12-01Z', '2026-12-01Z')`,
        [`0190e0c8-0000-7000-8000-0000000000e${index}`, zone],
      );
    }
    await before.destroy();
    const after = dataSource(database.url, all);
    await after.initialize();
    const said: string[] = [];
    try {
      expect(await runMigrations(after, { info: (line) => said.push(line) })).toEqual(['PlannedZonesCanonical1767800000000']);
      // Neither window events nor the audit trail carry the rename: the start's log does.
      expect(said.slice(1)).toEqual([
        'schema maintenance_planner: PlannedZonesCanonical1767800000000 stored planned zones under their tzdb names, no run moving: Asia/Calcutta as Asia/Kolkata (1 window), US/Pacific as America/Los_Angeles (1 window), europe/berlin as Europe/Berlin (1 window)',
      ]);
      const stored = (await after.query('SELECT title, planned_zone FROM maintenance_window ORDER BY id')) as { title: string; planned_zone: string }[];
      expect(stored.map((row) => [row.title, row.planned_zone])).toEqual([
        ['Asia/Calcutta', 'Asia/Kolkata'],
        ['europe/berlin', 'Europe/Berlin'],
        ['US/Pacific', 'America/Los_Angeles'],
        ['Europe/Amsterdam', 'Europe/Amsterdam'],
        ['Asia/Tehran', 'Asia/Tehran'],
      ]);
    } finally {
      await after.destroy();
    }
  });
});

describe('maintenance-planner migration: hold announcements in one shape', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('planner-migration-announcement');
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('makes the table main had on 2026-12-02 10:20-11:00 UTC again, keeping what it owed, so a hold over more than 100 windows can owe its events', async () => {
    const all = migrationsUpTo(HoldAnnouncementOneShape1767950000000, database.url);
    const before = dataSource(database.url, all.slice(0, -1));
    await before.initialize();
    await runMigrations(before, { info: () => undefined });
    // As HoldAnnouncement1765900000000 made it then: one row a hold, window.held only.
    await before.query('DROP TABLE hold_announcement');
    await before.query('CREATE TABLE hold_announcement (hold_id uuid PRIMARY KEY REFERENCES hold (id) ON DELETE CASCADE, announced_through uuid, owed_since timestamptz NOT NULL)');
    await before.query(`INSERT INTO hold (id, regions, reason, source, cause_id, placed_at, from_at) VALUES ($1, '{IR}', 'Surge in IR', 'detector', 's1', '2026-12-02T10:30Z', '2026-12-02T10:30Z')`, [HOLD]);
    await before.query("INSERT INTO hold_announcement (hold_id, announced_through, owed_since) VALUES ($1, $2, '2026-12-02T10:30Z')", [HOLD, AHEAD]);
    await before.destroy();
    const after = dataSource(database.url, all);
    await after.initialize();
    const said: string[] = [];
    try {
      expect(await runMigrations(after, { info: (line) => said.push(line) })).toEqual(['HoldAnnouncementOneShape1767950000000']);
      expect(await after.query('SELECT hold_id, kind, announced_through FROM hold_announcement')).toEqual([{ hold_id: HOLD, kind: 'held', announced_through: AHEAD }]);
      // What a hold over more than 100 windows writes (holds.service.ts), refused on the table before.
      await after.query("INSERT INTO hold_announcement (hold_id, kind, owed_since) VALUES ($1, 'released', now())", [HOLD]);
      expect(said.slice(1)).toEqual([
        "schema maintenance_planner: HoldAnnouncementOneShape1767950000000 made hold_announcement again in this release's shape (a build of 2026-12-02 10:20-11:00 UTC made it with one row a hold, on which a hold over more than 100 windows failed), keeping the 1 window.held announcement(s) it owed",
      ]);
    } finally {
      await after.destroy();
    }
  });
});

describe('maintenance-planner migration: the local time each window was planned to start at', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('planner-migration-local-start');
  });

  afterAll(async () => {
    await database?.drop();
  });

  it("records every window's start as the rules in force read it in its zone, a page of windows at a time, and drops it again going down", async () => {
    const all = migrationsUpTo(PlannedLocalStart1768500000000, database.url);
    const before = dataSource(database.url, all.slice(0, -1));
    await before.initialize();
    await runMigrations(before, { info: () => undefined });
    // More windows than a page holds: the last ones are read on the second page.
    const windows = Array.from({ length: 1_005 }, (_, index) => ({
      id: `0190e0c8-0000-7000-8000-${String(index).padStart(12, '0')}`,
      zone: ['Asia/Tehran', 'America/Vancouver', 'Asia/Kathmandu'][index % 3],
      startsAt: new Date(Date.parse('2026-11-01T09:30:00Z') + index * 3_600_000),
    }));
    // And 22 in a zone no tz data knows (stored by hand): their windows keep no local start, and the migration goes on.
    const unknown = Array.from({ length: 22 }, (_, index) => `0190e0c8-0000-7000-8000-ffffffffff${String(index).padStart(2, '0')}`);
    const planned = [...windows, ...unknown.map((id) => ({ id, zone: 'Mars/Olympus_Mons', startsAt: new Date('2026-11-01T09:30:00Z') }))];
    await before.query(
      `INSERT INTO maintenance_window (id, title, owner_team, footprint_global, footprint_regions, starts_at, ends_at, planned_zone, priority, surge_policy, status, expanded_until, created_at, updated_at)
       SELECT id, 'patch', 'network', false, '{IR}', s, s + interval '1 hour', zone, 'routine', 'hold', 'scheduled', s + interval '1 day', '2026-12-01Z', '2026-12-01Z'
         FROM unnest($1::uuid[], $2::timestamptz[], $3::text[]) AS t(id, s, zone)`,
      [planned.map((window) => window.id), planned.map((window) => window.startsAt), planned.map((window) => window.zone)],
    );
    await before.destroy();
    const after = dataSource(database.url, all);
    await after.initialize();
    const said: string[] = [];
    try {
      expect(await runMigrations(after, { info: (line) => said.push(line) })).toEqual(['PlannedLocalStart1768500000000']);
      const stored = (await after.query('SELECT id, planned_local_start FROM maintenance_window ORDER BY id')) as { id: string; planned_local_start: string | null }[];
      expect(stored.map((row) => row.planned_local_start)).toEqual([...windows.map((window) => instantToWallClock(window.startsAt, window.zone)), ...unknown.map(() => null)]);
      // The first 20 named, then how many more: an installation with thousands gets a line an operator reads.
      expect(said.slice(1)).toEqual([
        `schema maintenance_planner: PlannedLocalStart1768500000000 recorded no planned local start for 22 window(s) whose zone this Node's time zone data does not know, anchored on their start instant as before: ${unknown
          .slice(0, 20)
          .map((id) => `${id} (Mars/Olympus_Mons)`)
          .join(', ')} and 2 more`,
      ]);
      expect(stored[1].planned_local_start).toMatch(/^2026-11-01T0[23]:30$/);
      await after.undoLastMigration();
      expect(await after.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = '${SCHEMA}' AND table_name = 'maintenance_window' AND column_name = 'planned_local_start'`)).toEqual([]);
    } finally {
      await after.destroy();
    }
  });
});

describe('maintenance-planner migration: a hold keeps why its surge cleared', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('planner-migration-cleared-reason');
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('gives a hold cleared before it no reason (its release reads as before), keeps one written after it, and drops it going down', async () => {
    const all = migrationsUpTo(HoldClearedReason1768600000000, database.url);
    const before = dataSource(database.url, all.slice(0, -1));
    await before.initialize();
    await runMigrations(before, { info: () => undefined });
    await before.query(
      `INSERT INTO hold (id, regions, reason, source, cause_id, placed_at, from_at, cleared_at, release_due_at) VALUES ($1::uuid, '{BR}', 'surge', 'detector', $1::text, '2100-01-01Z', '2100-01-01Z', '2100-01-01T10:00Z', '2100-01-01T10:30Z')`,
      [AHEAD],
    );
    await before.destroy();
    const after = dataSource(database.url, all);
    await after.initialize();
    try {
      expect(await runMigrations(after, { info: () => undefined })).toEqual(['HoldClearedReason1768600000000']);
      expect(await after.query('SELECT cleared_reason FROM hold WHERE id = $1', [AHEAD])).toEqual([{ cleared_reason: null }]);
      await after.query(`UPDATE hold SET cleared_reason = 'signal lost' WHERE id = $1`, [AHEAD]);
      expect(await after.query('SELECT cleared_reason FROM hold WHERE id = $1', [AHEAD])).toEqual([{ cleared_reason: 'signal lost' }]);
      await after.undoLastMigration({ transaction: 'each' });
      expect(await after.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'hold' AND column_name = 'cleared_reason'`, [SCHEMA])).toEqual([]);
    } finally {
      await after.destroy();
    }
  });
});

describe('maintenance-planner migration: runs scheduled or in progress indexed by their time', () => {
  let database: TestDatabase;
  const NOW = new Date('2100-06-01T12:00:00Z');
  const at = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);
  const HELD = '0190e0c8-0000-7000-8000-0000000000f1';
  const FLAGGED = '0190e0c8-0000-7000-8000-0000000000f2';
  const ELSEWHERE = '0190e0c8-0000-7000-8000-0000000000f3';
  const EVERYWHERE = '0190e0c8-0000-7000-8000-0000000000f4';

  beforeAll(async () => {
    database = await createTestDatabase('planner-migration-holdable-time');
  });

  afterAll(async () => {
    await database?.drop();
  });

  it("indexes the runs a hold can hold by start and end, the begun runs' lock and the fan-out take the runs they took before, and going down drops the index", async () => {
    const all = migrationsUpTo(OccurrenceHoldableByTime1768700000000, database.url);
    const before = dataSource(database.url, all.slice(0, -1));
    await before.initialize();
    await runMigrations(before, { info: () => undefined });
    await before.destroy();
    // Every migration since as well: the fan-out is this build's, and writes the links as its schema has them.
    const after = dataSource(database.url, migrationsUpTo(HoldLinksInRunOrder1769100200000, database.url));
    await after.initialize();
    const locker = after.createQueryRunner();
    try {
      expect((await runMigrations(after, { info: () => undefined }))[0]).toBe('OccurrenceHoldableByTime1768700000000');
      const index = `SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = 'occurrence_holdable_time'`;
      expect(await after.query(index, [SCHEMA])).toEqual([
        { indexdef: `CREATE INDEX occurrence_holdable_time ON ${SCHEMA}.occurrence USING btree (starts_at, ends_at) WHERE (status = ANY (ARRAY['scheduled'::text, 'in-progress'::text]))` },
      ]);

      for (const [id, global, region, policy] of [
        [HELD, false, 'IR', 'hold'],
        [FLAGGED, false, 'IR', 'notify-only'],
        [ELSEWHERE, false, 'BR', 'hold'],
        [EVERYWHERE, true, null, 'hold'],
      ] as const) {
        await after.query(
          `INSERT INTO maintenance_window (id, title, owner_team, footprint_global, footprint_regions, starts_at, ends_at, planned_zone, priority, surge_policy, status, expanded_until, created_at, updated_at)
           VALUES ($1, 'patch', 'network-ops', $2, $3, $4, $5, 'UTC', 'routine', $6, 'scheduled', $5, $4, $4)`,
          [id, global, region ? [region] : [], at(-60 * 24 * 400), at(60 * 24), policy],
        );
      }
      // HELD's runs: 1 begun, 2 begun ten days ago and still going, 3 starting within the margin: locked. Not 4 started,
      // 5 to come, 6 ended, 7 done a year ago, 8 started 400 days ago and never completed (the first run the index holds),
      // 9 ending as the hold starts, nor 10 starting as it ends. The others' begun runs: only the global window's is locked.
      const runs: [string, number, number, number, string][] = [
        [HELD, 1, -10, 50, 'scheduled'],
        [HELD, 2, -60 * 24 * 10, 60 * 24, 'scheduled'],
        [HELD, 3, 0.5, 60, 'scheduled'],
        [HELD, 4, -20, 40, 'in-progress'],
        [HELD, 5, 120, 180, 'scheduled'],
        [HELD, 6, -120, -60, 'scheduled'],
        [HELD, 7, -60 * 24 * 365, -60 * 24 * 365 + 60, 'completed'],
        [HELD, 8, -60 * 24 * 400, -60 * 24 * 400 + 60, 'in-progress'],
        [HELD, 9, -60, 0, 'scheduled'],
        [HELD, 10, 60 * 24, 60 * 24 + 60, 'scheduled'],
        [FLAGGED, 1, -10, 50, 'scheduled'],
        [ELSEWHERE, 1, -10, 50, 'scheduled'],
        [EVERYWHERE, 1, -5, 55, 'scheduled'],
      ];
      for (const [windowId, number, starts, ends, status] of runs) {
        await after.query('INSERT INTO occurrence (window_id, number, starts_at, ends_at, status) VALUES ($1, $2, $3, $4, $5)', [windowId, number, at(starts), at(ends), status]);
      }
      const request = { holdId: HOLD, regions: ['IR'], from: NOW, until: at(60 * 24), now: NOW };

      await locker.connect();
      const lockedBegun = async () => {
        await locker.startTransaction();
        await lockRunsBegun(locker, request);
        // What another transaction cannot lock for update is what the lock holds.
        const free = (await after.query('SELECT window_id, number FROM occurrence ORDER BY window_id, number FOR UPDATE SKIP LOCKED')) as { window_id: string; number: number }[];
        await locker.rollbackTransaction();
        return runs.map(([windowId, number]) => ({ window_id: windowId, number })).filter((run) => !free.some((row) => row.window_id === run.window_id && row.number === run.number));
      };
      const begun = [
        { window_id: HELD, number: 1 },
        { window_id: HELD, number: 2 },
        { window_id: HELD, number: 3 },
        { window_id: EVERYWHERE, number: 1 },
      ];
      expect(await lockedBegun()).toEqual(begun);
      // Completed at last: the first run the index holds is HELD's second, which the lock reads from.
      await after.query(`UPDATE occurrence SET status = 'completed' WHERE window_id = $1 AND number = 8`, [HELD]);
      expect(await lockedBegun()).toEqual(begun);

      await locker.startTransaction();
      await locker.query(`INSERT INTO hold (id, regions, reason, source, cause_id, placed_at, from_at, until_at) VALUES ($1, '{IR}', 'Exams in IR', 'manual', 'holdable', $2, $2, $3)`, [
        HOLD,
        NOW,
        request.until,
      ]);
      expect(await fanOutHold(locker, { ...request, fresh: true })).toEqual([
        { window_id: HELD, number: 1, kind: 'held', in_progress: false },
        { window_id: HELD, number: 2, kind: 'held', in_progress: false },
        { window_id: HELD, number: 3, kind: 'held', in_progress: false },
        { window_id: HELD, number: 4, kind: 'held', in_progress: true },
        { window_id: HELD, number: 5, kind: 'held', in_progress: false },
        { window_id: FLAGGED, number: 1, kind: 'notify-only', in_progress: false },
        { window_id: EVERYWHERE, number: 1, kind: 'held', in_progress: false },
      ]);
      await locker.rollbackTransaction();
      // Its connection back to the pool of two: reverting takes one for the lock and one for the work.
      await locker.release();

      await revertMigrations(after, { info: () => undefined }, (all.at(-2) as { name: string }).name);
      expect(await after.query(index, [SCHEMA])).toEqual([]);
    } finally {
      if (!locker.isReleased) await locker.release();
      await after.destroy();
    }
  });
});

describe("maintenance-planner migration: a hold's links in the order of their runs' starts", () => {
  let database: TestDatabase;
  const HELD = '0190e0c8-0000-7000-8000-0000000001f1';
  const OTHER = '0190e0c8-0000-7000-8000-0000000001f2';
  const GONE = '0190e0c8-0000-7000-8000-0000000001f3';
  const LATER = '0190e0c8-0000-7000-8000-0000000001f4';
  const say: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('planner-migration-hold-run-order');
  });

  afterAll(async () => {
    await database?.drop();
  });

  /** Every plan node of an EXPLAIN (FORMAT JSON). */
  const nodesOf = (plan: Record<string, unknown>): Record<string, unknown>[] => [plan, ...((plan.Plans as Record<string, unknown>[] | undefined) ?? []).flatMap(nodesOf)];

  it("gives every link its run's start, indexes a hold's links by it, lists a page of a hold's runs from that index reading as many links as it shows, and moves a link's start with its run", async () => {
    const all = migrationsUpTo(HoldLinksInRunOrder1769100200000, database.url);
    const before = dataSource(database.url, all.slice(0, -1));
    await before.initialize();
    await runMigrations(before, { info: () => undefined });
    for (const id of [HOLD, AHEAD]) {
      await before.query(`INSERT INTO hold (id, regions, reason, source, cause_id, placed_at, from_at) VALUES ($1::uuid, '{IR}', 'Exams in IR', 'manual', $1::text, '2100-01-01Z', '2100-01-01Z')`, [id]);
    }
    // 44 windows of 100 daily runs, in an order of starts that is not their windows' order; HOLD links every run, AHEAD
    // every other, both as the code before wrote them; LATER's last run was deleted without its two links.
    const windows = Array.from({ length: 40 }, (_, index) => `0190e0c8-0000-7000-8000-${String(1000 + ((index * 17) % 40)).padStart(12, '0')}`);
    await before.query(
      `INSERT INTO maintenance_window (id, title, owner_team, footprint_global, footprint_regions, starts_at, ends_at, planned_zone, priority, surge_policy, status, expanded_until, created_at, updated_at)
       SELECT id, 'patch', 'network-ops', false, '{IR}', '2100-06-01Z'::timestamptz + k * interval '7 minutes', '2100-06-01T01:00Z'::timestamptz + k * interval '7 minutes', 'UTC', 'routine', 'hold', 'scheduled', '2100-09-01Z', now(), now()
         FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, k)`,
      [[...windows, HELD, OTHER, GONE, LATER]],
    );
    await before.query(`INSERT INTO occurrence (window_id, number, starts_at, ends_at, status) SELECT id, n, starts_at + (n - 1) * interval '1 day', ends_at + (n - 1) * interval '1 day', 'scheduled' FROM maintenance_window, generate_series(1, 100) AS n`);
    await before.query(`INSERT INTO hold_occurrence (hold_id, window_id, number, kind, held_at) SELECT $1, window_id, number, 'held', '2100-01-01Z' FROM occurrence`, [HOLD]);
    await before.query(`INSERT INTO hold_occurrence (hold_id, window_id, number, kind, held_at, released_at) SELECT $1, window_id, number, 'held', '2100-01-01Z', '2100-01-02Z' FROM occurrence WHERE number % 2 = 0`, [AHEAD]);
    await before.query(`DELETE FROM occurrence WHERE window_id = $1 AND number = 100`, [LATER]);
    await before.destroy();

    const after = dataSource(database.url, all);
    await after.initialize();
    try {
      expect(await runMigrations(after, { info: (line) => say.push(line) })).toEqual(['HoldLinksInRunOrder1769100200000']);
      expect(say.slice(1)).toEqual([
        'schema maintenance_planner: HoldLinksInRunOrder1769100200000 found 2 hold link(s) whose run no longer exists: kept (a hold\'s counts include them), dated -infinity; no list shows them, as before',
      ]);
      const wrong = `SELECT count(*)::int AS wrong FROM hold_occurrence l LEFT JOIN occurrence o ON o.window_id = l.window_id AND o.number = l.number
                      WHERE l.run_starts_at IS DISTINCT FROM COALESCE(o.starts_at, '-infinity')`;
      expect(await after.query(wrong)).toEqual([{ wrong: 0 }]);
      const index = `SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = 'hold_occurrence_hold_run_start'`;
      expect(await after.query(index, [SCHEMA])).toEqual([
        { indexdef: `CREATE INDEX hold_occurrence_hold_run_start ON ${SCHEMA}.hold_occurrence USING btree (hold_id, run_starts_at, window_id, number)` },
      ]);
      await expect(after.query(`INSERT INTO hold_occurrence (hold_id, window_id, number, kind, held_at) VALUES ($1, $2, 1, 'held', now())`, [AHEAD, HELD])).rejects.toThrow(/run_starts_at/);
      await after.query('ANALYZE');

      // A page of HOLD's 4,399 runs, first and after a cursor, in the order of the runs' starts: read on the index, 51 links
      // each (the page and one to tell another follows), no run or link read beyond them.
      const inOrder = (await after.query(
        `SELECT o.window_id, o.number FROM hold_occurrence l JOIN occurrence o ON o.window_id = l.window_id AND o.number = l.number WHERE l.hold_id = $1 ORDER BY o.starts_at, o.window_id, o.number`,
        [HOLD],
      )) as { window_id: string; number: number }[];
      expect(inOrder).toHaveLength(4_399);
      for (const offset of [0, 2_000]) {
        const cursor = offset === 0 ? undefined : (await after.query('SELECT starts_at AS "startsAt", window_id AS "windowId", number FROM occurrence WHERE window_id = $1 AND number = $2', [inOrder[offset - 1].window_id, inOrder[offset - 1].number]))[0];
        const asked = { holdId: HOLD, limit: 51, after: cursor };
        const page = await readHoldRuns(after, asked);
        expect(page.map((run) => ({ window_id: run.window_id, number: run.number }))).toEqual(inOrder.slice(offset, offset + 51));
        const [{ 'QUERY PLAN': [plan] }] = (await readHoldRuns({ query: (sql: string, values: unknown[]) => after.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, values) } as unknown as DataSource, asked)) as unknown as {
          'QUERY PLAN': { Plan: Record<string, unknown> }[];
        }[];
        const scans = nodesOf(plan.Plan).filter((node) => node['Relation Name'] === 'hold_occurrence' || node['Relation Name'] === 'occurrence');
        expect(scans.filter((node) => node['Node Type'] === 'Seq Scan')).toEqual([]);
        // The first page reads the runless link as well, first at -infinity.
        expect(scans.find((node) => node['Index Name'] === 'hold_occurrence_hold_run_start')).toMatchObject({ 'Node Type': 'Index Scan', 'Actual Rows': offset === 0 ? 52 : 51 });
      }

      // A run that moves takes its links' starts with it, released ones too; setting its status leaves the links unwritten.
      const links = `SELECT hold_id, run_starts_at, xmin::text FROM hold_occurrence WHERE window_id = $1 AND number = 2 ORDER BY hold_id`;
      const [held, released] = (await after.query(links, [HELD])) as { hold_id: string; run_starts_at: Date; xmin: string }[];
      await after.query(`UPDATE occurrence SET status = 'in-progress' WHERE window_id = $1 AND number = 2`, [HELD]);
      expect(await after.query(links, [HELD])).toEqual([held, released]);
      await after.query(`UPDATE occurrence SET starts_at = '2101-01-01Z', ends_at = '2101-01-01T01:00Z' WHERE window_id = $1 AND number = 2`, [HELD]);
      expect((await after.query(links, [HELD])).map((link: { hold_id: string; run_starts_at: Date }) => [link.hold_id, link.run_starts_at])).toEqual([
        [HOLD, new Date('2101-01-01Z')],
        [AHEAD, new Date('2101-01-01Z')],
      ]);
      expect((await readHoldRuns(after, { holdId: HOLD, limit: 5_000 })).at(-1)).toMatchObject({ window_id: HELD, number: 2 });

      // The fan-out writes each link's start with it.
      await after.query(`INSERT INTO hold (id, regions, reason, source, cause_id, placed_at, from_at, until_at) VALUES ($1, '{IR}', 'Exams in IR', 'manual', 'later', '2100-06-01Z', '2100-06-01Z', '2100-06-02Z')`, [BEGAN]);
      const now = new Date('2100-06-01Z');
      expect(await fanOutHold(after, { holdId: BEGAN, regions: ['IR'], from: now, until: new Date('2100-06-02Z'), now, fresh: true })).toHaveLength(44);
      expect(await after.query(`${wrong} AND l.hold_id = $1`, [BEGAN])).toEqual([{ wrong: 0 }]);

      await after.undoLastMigration({ transaction: 'each' });
      expect(await after.query(index, [SCHEMA])).toEqual([]);
      expect(await after.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'hold_occurrence' AND column_name = 'run_starts_at'`, [SCHEMA])).toEqual([]);
      await after.query(`UPDATE occurrence SET starts_at = '2101-01-02Z', ends_at = '2101-01-02T01:00Z' WHERE window_id = $1 AND number = 2`, [HELD]);
    } finally {
      await after.destroy();
    }
  });
});

describe('maintenance-planner migration: a hold keeps the evidence its surge started with', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('planner-migration-start-evidence');
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('gives a hold placed before it no start evidence (its explanation reads the latest, as before), keeps one written after it, and drops it going down', async () => {
    const all = migrationsUpTo(HoldStartEvidence1769100300000, database.url);
    const before = dataSource(database.url, all.slice(0, -1));
    await before.initialize();
    await runMigrations(before, { info: () => undefined });
    const evidence = { observed: 9000, baseline: 5783, score: 4, samples: [{ at: '2100-01-01T00:00:00.000Z', value: 9000 }] };
    await before.query(`INSERT INTO hold (id, regions, reason, source, cause_id, placed_at, from_at, evidence) VALUES ($1::uuid, '{BR}', 'surge', 'detector', $1::text, '2100-01-01Z', '2100-01-01Z', $2)`, [AHEAD, evidence]);
    await before.destroy();
    const after = dataSource(database.url, all);
    await after.initialize();
    try {
      expect(await runMigrations(after, { info: () => undefined })).toEqual(['HoldStartEvidence1769100300000']);
      expect(await after.query('SELECT evidence, start_evidence FROM hold WHERE id = $1', [AHEAD])).toEqual([{ evidence, start_evidence: null }]);
      await after.query('UPDATE hold SET start_evidence = evidence WHERE id = $1', [AHEAD]);
      expect(await after.query('SELECT start_evidence FROM hold WHERE id = $1', [AHEAD])).toEqual([{ start_evidence: evidence }]);
      await after.undoLastMigration({ transaction: 'each' });
      expect(await after.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'hold' AND column_name = 'start_evidence'`, [SCHEMA])).toEqual([]);
    } finally {
      await after.destroy();
    }
  });
});

describe("maintenance-planner migration: a lost signal's hold keeps the series and its silence", () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('planner-migration-signal-loss');
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('gives a hold placed before it no signal loss (its explanation says only that no sample started it), keeps one written after it, and drops it going down', async () => {
    const all = migrationsUpTo(HoldSignalLoss1769200200000, database.url);
    const before = dataSource(database.url, all.slice(0, -1));
    await before.initialize();
    await runMigrations(before, { info: () => undefined });
    await before.query(`INSERT INTO hold (id, regions, reason, source, cause_id, placed_at, from_at) VALUES ($1::uuid, '{UY}', 'signal lost', 'detector', $1::text, '2100-01-01Z', '2100-01-01Z')`, [AHEAD]);
    await before.destroy();
    const after = dataSource(database.url, all);
    await after.initialize();
    try {
      expect(await runMigrations(after, { info: () => undefined })).toEqual(['HoldSignalLoss1769200200000']);
      expect(await after.query('SELECT signal_loss FROM hold WHERE id = $1', [AHEAD])).toEqual([{ signal_loss: null }]);
      const lost = { metric: 'requests', lastSampleAt: '2099-12-31T23:44:00.000Z', silentSeconds: 960 };
      await after.query('UPDATE hold SET signal_loss = $2 WHERE id = $1', [AHEAD, lost]);
      expect(await after.query('SELECT signal_loss FROM hold WHERE id = $1', [AHEAD])).toEqual([{ signal_loss: lost }]);
      await after.undoLastMigration({ transaction: 'each' });
      expect(await after.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'hold' AND column_name = 'signal_loss'`, [SCHEMA])).toEqual([]);
    } finally {
      await after.destroy();
    }
  });
});
