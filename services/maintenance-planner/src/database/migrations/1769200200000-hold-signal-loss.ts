import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a lost signal's hold came from (signal_loss): the series gone silent (its metric) and the surge's signalLoss, its last
 * sample's time and the silence then. Such a surge carries no sample, and a window's explanation printed its chain's id where
 * the sample goes. Holds placed before have none: their explanation says only that their surge carried no sample.
 */
export class HoldSignalLoss1769200200000 implements MigrationInterface {
  name = 'HoldSignalLoss1769200200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE hold ADD COLUMN signal_loss jsonb');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE hold DROP COLUMN signal_loss');
  }
}
