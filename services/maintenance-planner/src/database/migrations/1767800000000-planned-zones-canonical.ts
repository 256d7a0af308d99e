import { canonicalZoneName } from '@holdfast/regions';
import type { HoldfastMigration } from '@holdfast/database';
import type { QueryRunner } from 'typeorm';

/**
 * Windows are stored under their zone's tzdb name since 2026-12-05 (`asia/calcutta` as
 * Asia/Kolkata); those planned before keep the spelling they were sent with, which lookups by name,
 * the feeds' TZID and the slot proposer's country of a zone do not read. The same clock either way,
 * so no run moves. Not undone: the spellings before are not kept.
 */
export class PlannedZonesCanonical1767800000000 implements HoldfastMigration {
  name = 'PlannedZonesCanonical1767800000000';
  report?: string;

  async up(queryRunner: QueryRunner): Promise<void> {
    const zones = (await queryRunner.query('SELECT planned_zone FROM maintenance_window GROUP BY planned_zone ORDER BY planned_zone COLLATE "C"')) as { planned_zone: string }[];
    const renamed: string[] = [];
    for (const { planned_zone: given } of zones) {
      const canonical = canonicalZoneName(given);
      if (canonical === given) continue;
      const [, windows] = (await queryRunner.query('UPDATE maintenance_window SET planned_zone = $2 WHERE planned_zone = $1', [given, canonical])) as [unknown, number];
      renamed.push(`${given} as ${canonical} (${windows} window${windows === 1 ? '' : 's'})`);
    }
    // Window events and the audit trail do not carry the rename: the operator reads it here.
    if (renamed.length > 0) this.report = `stored planned zones under their tzdb names, no run moving: ${renamed.join(', ')}`;
  }

  async down(): Promise<void> {
    // Nothing to undo that the code before cannot read: it took any spelling Intl accepts.
  }
}
