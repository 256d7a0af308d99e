import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When a partition's offset fence advanced before the advance that is being made: a message below
 * the fence appended after that time cannot have been applied, so the log is a new life of the
 * topic (deleted and created again), however far it has been refilled.
 */
export class RememberWhenFencesAdvanced1766500000000 implements MigrationInterface {
  name = 'RememberWhenFencesAdvanced1766500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE consumed_offset ADD COLUMN prior_updated_at timestamptz');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE consumed_offset DROP COLUMN prior_updated_at');
  }
}
