import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A hold's release is kept while a window.held of the hold is kept as a delivery, as it is for a
 * hold.placed: the worker reads it before sending either to a subscription that takes no release.
 * A window.held is on its window's key, so the prune (HoldReleases) finds it by its hold's id.
 */
export class HoldReleasesKeptForHeldWindows1768600000000 implements MigrationInterface {
  name = 'HoldReleasesKeptForHeldWindows1768600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE INDEX delivery_held_window_hold ON delivery ((event->'data'->>'holdId')) WHERE event_type = 'window.held'");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX delivery_held_window_hold');
  }
}
