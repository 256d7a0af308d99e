import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Every service's POSTs sent with an Idempotency-Key: the request's fingerprint and, once answered, the answer a retry gets. */
export class CreateIdempotentRequest1767500000000 implements MigrationInterface {
  name = 'CreateIdempotentRequest1767500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE idempotent_request (
        principal_id text NOT NULL,
        key text NOT NULL,
        fingerprint text NOT NULL,
        path text NOT NULL,
        claimed_at timestamptz NOT NULL,
        alive_at timestamptz NOT NULL,
        status integer,
        headers jsonb,
        body text,
        PRIMARY KEY (principal_id, key)
      )`);
    await queryRunner.query('CREATE INDEX idempotent_request_claimed_at ON idempotent_request (claimed_at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE idempotent_request');
  }
}
