import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The evidence of the surge.started that placed a hold (start_evidence), kept as it came: `evidence` follows the surge's
 * updates, and its samples, the last few judged, no longer reach back to the sample that started the surge once it has
 * been updated past them, so a window's explanation lost its startSample. Holds placed before, or from a surge.updated
 * whose start the planner never saw, have none: their startSample is looked for in their latest evidence, as before.
 */
export class HoldStartEvidence1769100300000 implements MigrationInterface {
  name = 'HoldStartEvidence1769100300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE hold ADD COLUMN start_evidence jsonb');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE hold DROP COLUMN start_evidence');
  }
}
