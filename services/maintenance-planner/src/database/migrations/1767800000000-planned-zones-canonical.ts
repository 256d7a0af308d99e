import { canonicalZoneName } from '@holdfast/regions';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Windows are stored under their zone's tzdb name since 2026-12-05 (`asia/calcutta` as
 * Asia/Kolkata); those planned before keep the spelling they were sent with, which lookups by name,
 * the feeds' TZID and the slot proposer's country of a zone do not read. The same clock either way,
 * so no run moves. Not undone: the spellings before are not kept.
 */
export class PlannedZonesCanonical1767800000000 implements MigrationInterface {
  name = 'PlannedZonesCanonical1767800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const zones = (await queryRunner.query('SELECT DISTINCT planned_zone FROM maintenance_window')) as { planned_zone: string }[];
    for (const { planned_zone: given } of zones) {
      const canonical = canonicalZoneName(given);
      if (canonical !== given) await queryRunner.query('UPDATE maintenance_window SET planned_zone = $2 WHERE planned_zone = $1', [given, canonical]);
    }
  }

  async down(): Promise<void> {
    // Nothing to undo that the code before cannot read: it took any spelling Intl accepts.
  }
}
