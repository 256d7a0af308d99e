import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateSurge1764000100000 implements MigrationInterface {
  name = 'CreateSurge1764000100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE surge (
        id uuid PRIMARY KEY,
        region text NOT NULL,
        metric text NOT NULL,
        status text NOT NULL CHECK (status IN ('active', 'cleared')),
        started_at timestamptz NOT NULL,
        cleared_at timestamptz,
        peak_value double precision NOT NULL,
        cause_event_id uuid NOT NULL
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX surge_one_active_per_region_metric ON surge (region, metric) WHERE status = 'active'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE surge');
  }
}
