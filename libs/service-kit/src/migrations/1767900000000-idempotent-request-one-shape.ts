import type { HoldfastMigration } from '@holdfast/database';
import type { QueryRunner } from 'typeorm';

/**
 * CreateIdempotentRequest1767500000000 was changed on main after it landed (2026-12-05 04:34-05:43
 * UTC: answer headers as content_type and location, then as headers; alive_at added; method
 * dropped). A schema an installation from then migrated keeps the shape it got, on which every POST
 * with an Idempotency-Key was a 500 (method NOT NULL, or no alive_at): it is brought to this one,
 * the keys it kept still answering as they did. Nothing to undo: the shape is
 * CreateIdempotentRequest's.
 */
export class IdempotentRequestOneShape1767900000000 implements HoldfastMigration {
  name = 'IdempotentRequestOneShape1767900000000';
  report?: string;

  async up(queryRunner: QueryRunner): Promise<void> {
    const columns = new Set(
      ((await queryRunner.query("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'idempotent_request'")) as { column_name: string }[]).map(
        ({ column_name }) => column_name,
      ),
    );
    const earlier = ['method', 'content_type', 'location'].filter((name) => columns.has(name));
    if (earlier.length === 0 && columns.has('alive_at') && columns.has('headers')) return;
    await queryRunner.query('ALTER TABLE idempotent_request ADD COLUMN IF NOT EXISTS alive_at timestamptz, ADD COLUMN IF NOT EXISTS headers jsonb');
    await queryRunner.query('UPDATE idempotent_request SET alive_at = claimed_at WHERE alive_at IS NULL');
    await queryRunner.query('ALTER TABLE idempotent_request ALTER COLUMN alive_at SET NOT NULL');
    if (columns.has('content_type')) {
      await queryRunner.query(
        "UPDATE idempotent_request SET headers = jsonb_strip_nulls(jsonb_build_object('content-type', content_type, 'location', location)) WHERE status IS NOT NULL AND headers IS NULL",
      );
    }
    await queryRunner.query('ALTER TABLE idempotent_request DROP COLUMN IF EXISTS method, DROP COLUMN IF EXISTS content_type, DROP COLUMN IF EXISTS location');
    this.report = `brought idempotent_request, as a build of 2026-12-05 04:34-05:43 UTC left it (${earlier.join(', ') || 'no alive_at'}), to this release's shape: every POST with an Idempotency-Key was a 500 on it`;
  }

  async down(): Promise<void> {}
}
