import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Every hold released, so Alertmanager alerts posted or refreshed after the release are ended, not kept firing. */
export class RememberHoldReleases1766300000000 implements MigrationInterface {
  name = 'RememberHoldReleases1766300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE TABLE hold_release (hold_id uuid PRIMARY KEY, released_at timestamptz NOT NULL)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE hold_release');
  }
}
