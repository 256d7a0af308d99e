import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The keys the planner issues (hashes only); every service learns them from api.keys.v1. */
export class CreateApiKey1764000300000 implements MigrationInterface {
  name = 'CreateApiKey1764000300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE api_key (
        key_id text PRIMARY KEY,
        prefix text NOT NULL,
        hash text NOT NULL,
        team text NOT NULL,
        scopes text[] NOT NULL,
        name text NOT NULL,
        created_at timestamptz NOT NULL,
        created_by text NOT NULL,
        revoked_at timestamptz,
        revoked_by text,
        revoke_reason text
      )`);
    await queryRunner.query('CREATE INDEX api_key_team ON api_key (team, created_at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE api_key');
  }
}
