import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateDelivery1764000100000 implements MigrationInterface {
  name = 'CreateDelivery1764000100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE delivery (
        id uuid PRIMARY KEY,
        event_id uuid NOT NULL,
        event_type text NOT NULL,
        correlation_id text NOT NULL,
        channel text NOT NULL,
        status text NOT NULL CHECK (status IN ('recorded', 'delivered', 'failed')),
        summary text NOT NULL,
        recorded_at timestamptz NOT NULL,
        payload jsonb NOT NULL,
        UNIQUE (event_id, channel)
      )`);
    await queryRunner.query('CREATE INDEX delivery_correlation ON delivery (correlation_id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE delivery');
  }
}
