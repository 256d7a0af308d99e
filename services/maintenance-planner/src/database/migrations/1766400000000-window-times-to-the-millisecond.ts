import type { HoldfastMigration } from '@holdfast/database';
import type { QueryRunner } from 'typeorm';

/**
 * Windows are kept to the millisecond, as the list's cursor keeps them (windows.service.ts,
 * toMillisecond): one planned with microseconds before that is cut to its millisecond, so its page
 * no longer starts with it again. Nothing to undo: the digits cut were never shown.
 */
export class WindowTimesToTheMillisecond1766400000000 implements HoldfastMigration {
  name = 'WindowTimesToTheMillisecond1766400000000';
  report?: string;

  async up(queryRunner: QueryRunner): Promise<void> {
    // The report only counts what the landed statements wrote; they are unchanged (docs/upgrading.md, "Migrations changed on main after they landed").
    const [, windows] = (await queryRunner.query(`UPDATE maintenance_window SET starts_at = date_trunc('milliseconds', starts_at), ends_at = date_trunc('milliseconds', ends_at)
      WHERE starts_at <> date_trunc('milliseconds', starts_at) OR ends_at <> date_trunc('milliseconds', ends_at)`)) as [unknown, number];
    if (windows > 0) this.report = `cut the start or end of ${windows} window(s) planned with microseconds to the millisecond`;
  }

  async down(): Promise<void> {}
}
