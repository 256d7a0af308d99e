import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The targets whose circuit a worker holds open, and until when: GET /v1/deliveries says a pending
 * delivery waits on one, where before only /metrics did (and only for the replica that opened it).
 */
export class RememberOpenCircuits1768500000000 implements MigrationInterface {
  name = 'RememberOpenCircuits1768500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE TABLE open_circuit (target_key text PRIMARY KEY, opened_at timestamptz NOT NULL, next_try_at timestamptz NOT NULL, probing boolean NOT NULL DEFAULT false)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE open_circuit');
  }
}
