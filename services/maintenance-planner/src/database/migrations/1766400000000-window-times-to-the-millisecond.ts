import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Windows are kept to the millisecond, as the list's cursor keeps them (windows.service.ts,
 * toMillisecond): one planned with microseconds before that is cut to its millisecond, so its page
 * no longer starts with it again. Nothing to undo: the digits cut were never shown.
 */
export class WindowTimesToTheMillisecond1766400000000 implements MigrationInterface {
  name = 'WindowTimesToTheMillisecond1766400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`UPDATE maintenance_window SET starts_at = date_trunc('milliseconds', starts_at), ends_at = date_trunc('milliseconds', ends_at)
      WHERE starts_at <> date_trunc('milliseconds', starts_at) OR ends_at <> date_trunc('milliseconds', ends_at)`);
  }

  async down(): Promise<void> {}
}
