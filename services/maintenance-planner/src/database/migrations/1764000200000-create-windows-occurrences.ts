import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Windows, their occurrences, which hold holds which occurrence, the baseline copy, and richer holds and audit. */
export class CreateWindowsOccurrences1764000200000 implements MigrationInterface {
  name = 'CreateWindowsOccurrences1764000200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE maintenance_window (
        id uuid PRIMARY KEY,
        version integer NOT NULL DEFAULT 1,
        title text NOT NULL,
        owner_team text NOT NULL,
        footprint_global boolean NOT NULL,
        footprint_regions text[] NOT NULL,
        footprint_shares jsonb,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL CHECK (ends_at > starts_at),
        planned_zone text NOT NULL,
        recurrence text,
        exdates text[] NOT NULL DEFAULT '{}',
        priority text NOT NULL CHECK (priority IN ('routine', 'important', 'emergency')),
        surge_policy text NOT NULL CHECK (surge_policy IN ('hold', 'notify-only', 'exempt')),
        flexibility jsonb,
        status text NOT NULL,
        expanded_until timestamptz NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      ) WITH (fillfactor = 80)`);
    await queryRunner.query('CREATE INDEX maintenance_window_page ON maintenance_window (starts_at, id)');
    await queryRunner.query('CREATE INDEX maintenance_window_regions ON maintenance_window USING gin (footprint_regions)');
    await queryRunner.query('CREATE INDEX maintenance_window_team ON maintenance_window (owner_team)');
    await queryRunner.query(`
      CREATE TABLE occurrence (
        window_id uuid NOT NULL REFERENCES maintenance_window (id),
        number integer NOT NULL,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL CHECK (ends_at > starts_at),
        status text NOT NULL CHECK (status IN ('scheduled', 'held', 'needs-reschedule', 'in-progress', 'completed', 'missed', 'cancelled')),
        started_at timestamptz,
        completed_at timestamptz,
        proposed_slot jsonb,
        PRIMARY KEY (window_id, number)
      ) WITH (fillfactor = 80)`);
    await queryRunner.query('CREATE INDEX occurrence_time ON occurrence (starts_at, ends_at)');
    // No index reads status, and pages keep room (fillfactor): a fan-out's status changes are HOT updates, no index writes.
    await queryRunner.query(`
      ALTER TABLE hold
        ADD COLUMN placed_by text,
        ADD COLUMN severity text,
        ADD COLUMN cause_event_id uuid,
        ADD COLUMN correlation_id text,
        ADD COLUMN evidence jsonb,
        ADD COLUMN surge_reason text,
        ADD COLUMN covered_until timestamptz,
        ADD COLUMN cleared_at timestamptz,
        ADD COLUMN release_due_at timestamptz,
        ADD COLUMN released_by text,
        ADD COLUMN release_reason text`);
    await queryRunner.query(`
      CREATE TABLE hold_occurrence (
        hold_id uuid NOT NULL,
        window_id uuid NOT NULL,
        number integer NOT NULL,
        kind text NOT NULL CHECK (kind IN ('held', 'notify-only')),
        in_progress boolean NOT NULL DEFAULT false,
        held_at timestamptz NOT NULL,
        released_at timestamptz,
        overridden_by text,
        override_reason text,
        PRIMARY KEY (hold_id, window_id, number)
      )`);
    // No foreign keys here: a surge links 100k rows at once, and per-row FK triggers doubled that cost. Rows are only
    // written from occurrence and hold rows in the same transaction, and the sweep's repair reports any that dangle.
    await queryRunner.query('CREATE INDEX hold_occurrence_occurrence ON hold_occurrence (window_id, number) WHERE released_at IS NULL');
    // A surge.cleared that overtook its surge.started: remembered so the late start ends released.
    await queryRunner.query(`
      CREATE TABLE surge_clearance (
        surge_id text PRIMARY KEY,
        cleared_at timestamptz NOT NULL,
        reason text NOT NULL,
        event_id uuid NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE region_baseline (
        region text NOT NULL,
        metric text NOT NULL,
        zone text NOT NULL,
        hourly jsonb NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (region, metric)
      )`);
    await queryRunner.query('ALTER TABLE audit_entry DROP CONSTRAINT audit_entry_subject_type_check');
    await queryRunner.query(`ALTER TABLE audit_entry ADD CONSTRAINT audit_entry_subject_type_check CHECK (subject_type IN ('hold', 'window', 'occurrence'))`);
    await queryRunner.query('CREATE INDEX audit_entry_at ON audit_entry (at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX audit_entry_at');
    await queryRunner.query(`DELETE FROM audit_entry WHERE subject_type = 'occurrence'`);
    await queryRunner.query('ALTER TABLE audit_entry DROP CONSTRAINT audit_entry_subject_type_check');
    await queryRunner.query(`ALTER TABLE audit_entry ADD CONSTRAINT audit_entry_subject_type_check CHECK (subject_type IN ('hold', 'window'))`);
    await queryRunner.query('DROP TABLE region_baseline');
    await queryRunner.query('DROP TABLE surge_clearance');
    await queryRunner.query('DROP TABLE hold_occurrence');
    await queryRunner.query(`
      ALTER TABLE hold
        DROP COLUMN placed_by, DROP COLUMN severity, DROP COLUMN cause_event_id, DROP COLUMN correlation_id,
        DROP COLUMN evidence, DROP COLUMN surge_reason, DROP COLUMN covered_until, DROP COLUMN cleared_at,
        DROP COLUMN release_due_at, DROP COLUMN released_by, DROP COLUMN release_reason`);
    await queryRunner.query('DROP TABLE occurrence');
    await queryRunner.query('DROP TABLE maintenance_window');
  }
}
