import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The planner issues the keys, so from now on its copy (what its requests are checked against) is
 * written in the transaction that creates or revokes a key, and it no longer takes key states from
 * api.keys.v1. The copy becomes exactly the keys table: a key whose event was not yet consumed is
 * added, and a row no issued key accounts for (a state written to the topic by anyone else) goes.
 * Last uses are kept.
 */
export class KeyCopyFromIssuedKeys1767700000000 implements MigrationInterface {
  name = 'KeyCopyFromIssuedKeys1767700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DELETE FROM api_key_copy c WHERE NOT EXISTS (
        SELECT 1 FROM api_key k WHERE k.key_id = c.key_id AND (k.prefix, k.hash, k.team, k.scopes) = (c.prefix, c.hash, c.team, c.scopes))`);
    await queryRunner.query(`
      INSERT INTO api_key_copy (key_id, prefix, hash, team, scopes, created_at, revoked_at)
      SELECT key_id, prefix, hash, team, scopes, created_at, revoked_at FROM api_key
      ON CONFLICT (key_id) DO UPDATE SET revoked_at = EXCLUDED.revoked_at`);
  }

  async down(): Promise<void> {
    // The copy is already what the keys consumer would have made of the planner's own events.
  }
}
