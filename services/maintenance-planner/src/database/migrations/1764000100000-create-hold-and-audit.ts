import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateHoldAndAudit1764000100000 implements MigrationInterface {
  name = 'CreateHoldAndAudit1764000100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE hold (
        id uuid PRIMARY KEY,
        regions text[] NOT NULL CHECK (cardinality(regions) > 0),
        reason text NOT NULL,
        source text NOT NULL CHECK (source IN ('detector', 'alert', 'declaration', 'manual')),
        cause_id text NOT NULL,
        placed_at timestamptz NOT NULL,
        from_at timestamptz NOT NULL,
        until_at timestamptz,
        released_at timestamptz,
        window_ids uuid[] NOT NULL DEFAULT '{}',
        UNIQUE (source, cause_id)
      )`);
    await queryRunner.query('CREATE INDEX hold_active_regions ON hold USING gin (regions) WHERE released_at IS NULL');
    await queryRunner.query(`
      CREATE TABLE audit_entry (
        id bigserial PRIMARY KEY,
        subject_type text NOT NULL CHECK (subject_type IN ('hold', 'window')),
        subject_id uuid NOT NULL,
        action text NOT NULL,
        actor text NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        cause_event_id uuid,
        details jsonb NOT NULL DEFAULT '{}'
      )`);
    await queryRunner.query('CREATE INDEX audit_entry_subject ON audit_entry (subject_type, subject_id, at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE audit_entry');
    await queryRunner.query('DROP TABLE hold');
  }
}
