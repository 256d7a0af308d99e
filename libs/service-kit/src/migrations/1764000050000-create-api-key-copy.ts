import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Every service's local copy of the API keys' state (hashes only), fed from api.keys.v1. */
export class CreateApiKeyCopy1764000050000 implements MigrationInterface {
  name = 'CreateApiKeyCopy1764000050000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE api_key_copy (
        key_id text PRIMARY KEY,
        prefix text NOT NULL,
        hash text NOT NULL,
        team text NOT NULL,
        scopes text[] NOT NULL,
        created_at timestamptz NOT NULL,
        revoked_at timestamptz,
        last_used_at timestamptz
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE api_key_copy');
  }
}
