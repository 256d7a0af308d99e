import type { HoldfastMigration } from '@holdfast/database';
import type { QueryRunner } from 'typeorm';

/**
 * The planner issues the keys, so from now on its copy (what its requests are checked against) is
 * written in the transaction that creates or revokes a key, and it no longer takes key states from
 * api.keys.v1. The copy becomes exactly the keys table: a key whose event was not yet consumed is
 * added, and a row no issued key accounts for (a state written to the topic by anyone else) goes.
 * Last uses are kept.
 */
export class KeyCopyFromIssuedKeys1767700000000 implements HoldfastMigration {
  name = 'KeyCopyFromIssuedKeys1767700000000';
  report?: string;

  async up(queryRunner: QueryRunner): Promise<void> {
    const [removed] = (await queryRunner.query(`
      DELETE FROM api_key_copy c WHERE NOT EXISTS (
        SELECT 1 FROM api_key k WHERE k.key_id = c.key_id AND (k.prefix, k.hash, k.team, k.scopes) = (c.prefix, c.hash, c.team, c.scopes))
      RETURNING c.key_id, c.team`)) as [{ key_id: string; team: string }[], number];
    const added = (await queryRunner.query(`
      INSERT INTO api_key_copy (key_id, prefix, hash, team, scopes, created_at, revoked_at)
      SELECT key_id, prefix, hash, team, scopes, created_at, revoked_at FROM api_key
      ON CONFLICT (key_id) DO UPDATE SET revoked_at = EXCLUDED.revoked_at WHERE api_key_copy.revoked_at IS DISTINCT FROM EXCLUDED.revoked_at
      RETURNING key_id`)) as { key_id: string }[];
    // A removed row was a key state the planner never issued: someone else wrote api.keys.v1, which the operator should hear of.
    const said = [
      removed.length > 0 ? `removed ${removed.length} key state(s) no issued key accounts for (written to api.keys.v1 by another producer; see docs/security.md): ${removed.map((row) => `${row.team}/${row.key_id}`).sort().join(', ')}` : '',
      added.length > 0 ? `took ${added.length} key state(s) from the keys table that the copy lacked or had unrevoked: ${added.map((row) => row.key_id).sort().join(', ')}` : '',
    ].filter(Boolean);
    if (said.length > 0) this.report = said.join('; ');
  }

  async down(): Promise<void> {
    // The copy is already what the keys consumer would have made of the planner's own events.
  }
}
