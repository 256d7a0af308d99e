import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which windows a hold's release let go of (its hold.released `windowIds`): the planner sends a window.released to those
 * only, none to a window cancelled or moved out of the hold meanwhile, so a window.held of such a window sent after the
 * release would be the last its receiver hears of the hold (supersedingRelease). NULL for releases consumed before.
 */
export class HoldReleaseWindows1768800000000 implements MigrationInterface {
  name = 'HoldReleaseWindows1768800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE hold_release ADD COLUMN window_ids uuid[]');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE hold_release DROP COLUMN window_ids');
  }
}
