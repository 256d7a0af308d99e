import type { HoldfastMigration } from '@holdfast/database';
import type { QueryRunner } from 'typeorm';

/**
 * Every hold.placed of a hold not yet released (hold_placement), with the facts subscription filters match on, so the alert
 * refresher can post the holds in force to an Alertmanager subscribed after they were placed; before, such a subscription
 * never heard of them. Filled from the placements kept as deliveries: a hold whose placement no subscription took is not
 * known, and its alerts reach a later subscription only with its next extension.
 */
export class RememberHoldsInForce1769100100000 implements HoldfastMigration {
  name = 'RememberHoldsInForce1769100100000';
  report?: string;

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE hold_placement (
        event_id uuid PRIMARY KEY,
        hold_id uuid NOT NULL,
        seq bigserial NOT NULL UNIQUE,
        regions text[] NOT NULL,
        teams text[] NOT NULL,
        window_ids text[] NOT NULL,
        event jsonb NOT NULL,
        recorded_at timestamptz NOT NULL)`);
    await queryRunner.query('CREATE INDEX hold_placement_hold ON hold_placement (hold_id)');
    // The facts as factsOf gives them for a hold.placed: its regions, its windows' owner teams, and every window id it names, in lower case.
    const remembered = (await queryRunner.query(`INSERT INTO hold_placement (event_id, hold_id, regions, teams, window_ids, event, recorded_at)
      SELECT p.event_id, (p.event->'data'->>'holdId')::uuid,
        ARRAY(SELECT jsonb_array_elements_text(p.event->'data'->'regions')),
        ARRAY(SELECT DISTINCT w->>'ownerTeam' FROM jsonb_array_elements(COALESCE(p.event->'data'->'windows', '[]'::jsonb)) AS w),
        ARRAY(SELECT DISTINCT lower(id) FROM (
          SELECT jsonb_array_elements_text(p.event->'data'->'windowIds')
          UNION SELECT w->>'windowId' FROM jsonb_array_elements(COALESCE(p.event->'data'->'windows', '[]'::jsonb)) AS w
          UNION SELECT jsonb_array_elements_text(COALESCE(p.event->'data'->'notifyOnlyWindowIds', '[]'::jsonb))) AS ids(id)),
        p.event, p.recorded_at
      FROM (SELECT DISTINCT ON (event_id) event_id, event, recorded_at, seq FROM delivery WHERE event_type = 'hold.placed' ORDER BY event_id, seq) AS p
      WHERE NOT EXISTS (SELECT 1 FROM hold_release r WHERE r.hold_id = (p.event->'data'->>'holdId')::uuid)
      ORDER BY p.seq
      RETURNING hold_id`)) as { hold_id: string }[];
    const holds = new Set(remembered.map((row) => row.hold_id)).size;
    if (holds > 0) this.report = `remembered ${holds} hold(s) in force from the placements kept as deliveries; an Alertmanager subscribed from now on is posted their alerts`;
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE hold_placement');
  }
}
