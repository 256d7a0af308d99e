import type { HoldfastMigration } from '@holdfast/database';
import type { QueryRunner } from 'typeorm';

/**
 * A surge's `cleared_reason`, why it ended, apart from its `reason`, why it surged: before, clearing a
 * surge wrote why it ended over its reason. A cleared row's reason is therefore why it ended (every clear
 * since the column exists wrote it; 'surge' is the placeholder of rows cleared before it, left alone), and
 * moves to cleared_reason; its reason is taken back from its last surge.started or surge.updated still in
 * the outbox (kept OUTBOX_RETENTION_HOURS, 24 by default), else left saying why it ended.
 */
export class SurgeClearedReason1768700000000 implements HoldfastMigration {
  name = 'SurgeClearedReason1768700000000';
  report?: string;

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE surge ADD COLUMN cleared_reason text');
    // The report only counts what the landed statements wrote; they are unchanged (docs/upgrading.md, "Migrations changed on main after they landed").
    const [, moved] = (await queryRunner.query(`UPDATE surge SET cleared_reason = reason WHERE status = 'cleared' AND reason <> 'surge'`)) as [unknown, number];
    const [, told] = (await queryRunner.query(`
      UPDATE surge SET reason = told.reason
        FROM (SELECT DISTINCT ON (payload->>'surgeId') payload->>'surgeId' AS surge_id, payload->>'reason' AS reason FROM outbox_message
               WHERE event_type IN ('surge.started', 'surge.updated') ORDER BY payload->>'surgeId', id DESC) AS told
       WHERE surge.cleared_reason IS NOT NULL AND surge.id::text = told.surge_id`)) as [unknown, number];
    if (moved > 0) {
      this.report =
        `moved why ${moved} cleared surge(s) ended from reason to clearedReason; ${told} took back why it surged from its last surge.started or surge.updated in the outbox, ` +
        `${moved - told} (those events pruned from the outbox) keep why they ended as their reason too`;
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('UPDATE surge SET reason = cleared_reason WHERE cleared_reason IS NOT NULL');
    await queryRunner.query('ALTER TABLE surge DROP COLUMN cleared_reason');
  }
}
