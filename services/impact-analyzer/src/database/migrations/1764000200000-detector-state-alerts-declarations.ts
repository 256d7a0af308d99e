import type { HoldfastMigration } from '@holdfast/database';
import type { QueryRunner } from 'typeorm';

/**
 * The seasonal detector in the service: per-series state (stepped in the consumer's transaction),
 * surges from every source with their evidence, the alert intake log and declared critical periods.
 */
export class DetectorStateAlertsDeclarations1764000200000 implements HoldfastMigration {
  name = 'DetectorStateAlertsDeclarations1764000200000';
  report?: string;

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE series_state (
        region text NOT NULL,
        metric text NOT NULL,
        state jsonb NOT NULL,
        last_sample_at timestamptz,
        signal_lost_at timestamptz,
        published_baseline jsonb,
        baseline_published_at timestamptz,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (region, metric)
      )`);
    await queryRunner.query('DROP INDEX surge_one_active_per_region_metric');
    await queryRunner.query(`
      ALTER TABLE surge
        ALTER COLUMN metric DROP NOT NULL,
        ALTER COLUMN peak_value DROP NOT NULL,
        ALTER COLUMN cause_event_id DROP NOT NULL,
        -- Outside producers' CloudEvents ids are any non-empty text, not always UUIDs.
        ALTER COLUMN cause_event_id TYPE text,
        ADD COLUMN source text NOT NULL DEFAULT 'detector' CHECK (source IN ('detector', 'alert', 'declaration')),
        ADD COLUMN origin text,
        ADD COLUMN severity text NOT NULL DEFAULT 'minor' CHECK (severity IN ('minor', 'major', 'critical')),
        ADD COLUMN reason text NOT NULL DEFAULT 'surge',
        ADD COLUMN evidence jsonb,
        ADD COLUMN signal_loss jsonb,
        ADD COLUMN detected_at timestamptz,
        ADD COLUMN updated_at timestamptz,
        ADD COLUMN expected_end_at timestamptz,
        ADD COLUMN calm_samples integer NOT NULL DEFAULT 0`);
    // The report only counts what the landed statements wrote; they are unchanged (docs/upgrading.md, "Migrations changed on main after they landed").
    const [, surges] = (await queryRunner.query(
      `UPDATE surge SET origin = coalesce(metric, '') || '/' || id, detected_at = started_at, updated_at = coalesce(cleared_at, started_at)`,
    )) as [unknown, number];
    if (surges > 0) this.report = `recorded ${surges} surge(s) from before as the detector's: source detector, severity minor, reason "surge", each its own origin`;
    await queryRunner.query(`ALTER TABLE surge ALTER COLUMN origin SET NOT NULL, ALTER COLUMN detected_at SET NOT NULL, ALTER COLUMN updated_at SET NOT NULL,
      ALTER COLUMN source DROP DEFAULT, ALTER COLUMN severity DROP DEFAULT, ALTER COLUMN reason DROP DEFAULT`);
    // One active surge per region and what raised it (a detector episode, an alert, a declaration).
    await queryRunner.query(`CREATE UNIQUE INDEX surge_one_active_per_origin ON surge (region, source, origin) WHERE status = 'active'`);
    await queryRunner.query('CREATE INDEX surge_by_region_started ON surge (region, started_at DESC)');

    await queryRunner.query(`
      CREATE TABLE alert_notification (
        sender text NOT NULL,
        group_key text NOT NULL,
        fingerprint text NOT NULL,
        status text NOT NULL CHECK (status IN ('firing', 'resolved')),
        starts_at timestamptz NOT NULL,
        content_hash text NOT NULL,
        region text NOT NULL,
        received_at timestamptz NOT NULL,
        PRIMARY KEY (sender, group_key, fingerprint, status, starts_at, content_hash)
      )`);

    await queryRunner.query(`
      CREATE TABLE declaration (
        id uuid PRIMARY KEY,
        regions text[] NOT NULL,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL CHECK (ends_at > starts_at),
        reason text NOT NULL,
        severity text NOT NULL CHECK (severity IN ('minor', 'major', 'critical')),
        status text NOT NULL CHECK (status IN ('scheduled', 'active', 'ended', 'cancelled')),
        declared_by text NOT NULL,
        declared_at timestamptz NOT NULL,
        cancelled_by text,
        cancelled_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX declaration_due ON declaration (status, starts_at, ends_at) WHERE status IN ('scheduled', 'active')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE declaration');
    await queryRunner.query('DROP TABLE alert_notification');
    await queryRunner.query('DROP INDEX surge_by_region_started');
    await queryRunner.query('DROP INDEX surge_one_active_per_origin');
    await queryRunner.query(`DELETE FROM surge WHERE metric IS NULL OR peak_value IS NULL OR cause_event_id IS NULL OR cause_event_id !~* '^[0-9a-f-]{36}$'`);
    await queryRunner.query(`
      ALTER TABLE surge
        DROP COLUMN source, DROP COLUMN origin, DROP COLUMN severity, DROP COLUMN reason, DROP COLUMN evidence,
        DROP COLUMN signal_loss, DROP COLUMN detected_at, DROP COLUMN updated_at, DROP COLUMN expected_end_at, DROP COLUMN calm_samples,
        ALTER COLUMN metric SET NOT NULL, ALTER COLUMN peak_value SET NOT NULL,
        ALTER COLUMN cause_event_id TYPE uuid USING cause_event_id::uuid, ALTER COLUMN cause_event_id SET NOT NULL`);
    await queryRunner.query(`CREATE UNIQUE INDEX surge_one_active_per_region_metric ON surge (region, metric) WHERE status = 'active'`);
    await queryRunner.query('DROP TABLE series_state');
  }
}
