import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The time zone database release (tzdata) the planner last checked the recurring windows' stored
 * runs against: one row. A planner on a newer release checks them again and records its own
 * (ZoneRulesCheck); an installation older than this table is checked once at its first sweep.
 */
export class ZoneRulesRelease1768400000000 implements MigrationInterface {
  name = 'ZoneRulesRelease1768400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE zone_rules_release (
        single boolean PRIMARY KEY DEFAULT true CHECK (single),
        release text NOT NULL,
        recorded_at timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE zone_rules_release');
  }
}
