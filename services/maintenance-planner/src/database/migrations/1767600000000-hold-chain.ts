import type { HoldfastMigration } from '@holdfast/database';
import type { QueryRunner } from 'typeorm';

/**
 * A hold's later events continue the chain it was placed under: its window events are caused by
 * its hold.placed (`placed_event_id`), and its release by the surge.cleared that set the release due
 * (`cleared_event_id`), else by its hold.placed. A hold cleared and not yet released gets the
 * surge.cleared remembered for its surge when that overtook the surge's start (whose audit row names
 * the surge.started instead), else the event its audit row says cleared it; the hold.placed of holds placed before this was not kept, so
 * their releases continue their correlation with no causation (a manual one's start a chain, as before).
 */
export class HoldChain1767600000000 implements HoldfastMigration {
  name = 'HoldChain1767600000000';
  report?: string;

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE hold ADD COLUMN placed_event_id uuid, ADD COLUMN cleared_event_id uuid');
    // The report only counts what the landed statements wrote; they are unchanged (docs/upgrading.md, "Migrations changed on main after they landed").
    const [, cooling] = (await queryRunner.query(`
      UPDATE hold h SET cleared_event_id = COALESCE(
          (SELECT c.event_id FROM surge_clearance c WHERE c.surge_id = h.cause_id),
          (SELECT a.cause_event_id FROM audit_entry a
            WHERE a.subject_type = 'hold' AND a.subject_id = h.id AND a.action = 'cleared' ORDER BY a.at DESC LIMIT 1))
        WHERE h.cleared_at IS NOT NULL AND h.released_at IS NULL`)) as [unknown, number];
    const [{ chained }] = (await queryRunner.query('SELECT count(*)::int AS chained FROM hold WHERE cleared_event_id IS NOT NULL')) as [{ chained: number }];
    if (cooling > 0) {
      this.report =
        `gave ${chained} of ${cooling} hold(s) cleared and not yet released the surge.cleared their release continues` +
        (cooling > chained ? `; ${cooling - chained} release(s) with no causation (no surge.cleared remembered)` : '');
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE hold DROP COLUMN placed_event_id, DROP COLUMN cleared_event_id');
  }
}
