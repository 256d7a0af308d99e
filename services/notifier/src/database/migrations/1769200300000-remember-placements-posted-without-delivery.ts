import type { HoldfastMigration } from '@holdfast/database';
import type { QueryRunner } from 'typeorm';

/**
 * Which placements of a hold an alert record's posts carried that its subscription has no delivery of (hold_alert
 * posted_without_delivery): placed before the subscription, or taken only by filters widened since. The alert refresher
 * posts a placement the filters take that is neither delivered nor listed; before, one taken only once a subscription's
 * filters were widened was never posted to it while it kept other alerts of the hold. A record is filled with the
 * placements whose every alert (one per region and window it names, or per region when it names none) it keeps: so one
 * that filters widened before the upgrade left out is posted at the refresher's next run. The placement's alerts and the
 * record's are matched as sets (EXCEPT, which takes a missing window as equal to a missing window), not each against every
 * kept alert: a hold of a thousand windows keeps thousands of alerts, and the table is locked until the migration commits.
 */
export class RememberPlacementsPostedWithoutDelivery1769200300000 implements HoldfastMigration {
  name = 'RememberPlacementsPostedWithoutDelivery1769200300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE hold_alert ADD COLUMN posted_without_delivery uuid[] NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`UPDATE hold_alert a SET posted_without_delivery = ARRAY(
        SELECT p.event_id FROM hold_placement p
        WHERE p.hold_id = a.hold_id
          AND NOT EXISTS (SELECT 1 FROM delivery d WHERE d.event_id = p.event_id AND d.subscription_id = a.subscription_id)
          AND NOT EXISTS (
            SELECT region.code, held.window_id FROM jsonb_array_elements_text(p.event->'data'->'regions') AS region(code),
              LATERAL (SELECT jsonb_array_elements_text(p.event->'data'->'windowIds') UNION ALL SELECT NULL WHERE p.event->'data'->'windowIds' = '[]'::jsonb) AS held(window_id)
            EXCEPT SELECT kept.alert->'labels'->>'region', kept.alert->'labels'->>'window' FROM jsonb_array_elements(a.alerts) AS kept(alert))
        ORDER BY p.seq)
      WHERE EXISTS (SELECT 1 FROM hold_placement p WHERE p.hold_id = a.hold_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE hold_alert DROP COLUMN posted_without_delivery');
  }
}
