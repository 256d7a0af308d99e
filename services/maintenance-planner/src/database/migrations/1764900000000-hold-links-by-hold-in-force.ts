import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Released links are kept (a released hold still counts what it held), so hold_occurrence grows
 * with every surge while the links in force stay few. The index on the hold gains released_at: a
 * hold's links in force are one range of it (`hold_id = $1 AND released_at IS NULL`), which the
 * release, the sweep's repair and marking missed read instead of scanning every link ever kept,
 * and a hold's count of everything it held is still its prefix. It replaces the plain index, so a
 * surge's fan-out still writes two indexes.
 */
export class HoldLinksByHoldInForce1764900000000 implements MigrationInterface {
  name = 'HoldLinksByHoldInForce1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX hold_occurrence_hold');
    await queryRunner.query('CREATE INDEX hold_occurrence_hold ON hold_occurrence (hold_id, released_at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX hold_occurrence_hold');
    await queryRunner.query('CREATE INDEX hold_occurrence_hold ON hold_occurrence (hold_id)');
  }
}
