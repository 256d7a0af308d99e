import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Where a hold's Grafana annotation starts, so a release before that start never ends it before it begins (null for rows made before). */
export class RememberAnnotationStarts1766400000000 implements MigrationInterface {
  name = 'RememberAnnotationStarts1766400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE grafana_annotation ADD COLUMN starts_at timestamptz');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE grafana_annotation DROP COLUMN starts_at');
  }
}
