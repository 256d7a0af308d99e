import type { HoldfastMigration } from '@holdfast/database';
import type { QueryRunner } from 'typeorm';

/**
 * A surge's `correlation_id`, the chain of its events (its surge.started's), so a surge cleared by hand
 * continues it rather than starting one of its own. Rows written before it take it from their
 * surge.started still in the outbox (kept OUTBOX_RETENTION_HOURS, 24 by default), else from what
 * chained them: an alert's sender and fingerprint, a declaration's id, a lost signal's region and
 * metric. A detector surge whose surge.started has left the outbox keeps none: its chain was the
 * sample's that started it, and nothing else records it.
 */
export class SurgeCorrelation1769200100000 implements HoldfastMigration {
  name = 'SurgeCorrelation1769200100000';
  report?: string;

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE surge ADD COLUMN correlation_id text');
    const [, told] = (await queryRunner.query(`
      UPDATE surge SET correlation_id = started.correlation_id
        FROM (SELECT DISTINCT ON (payload->>'surgeId') payload->>'surgeId' AS surge_id, headers->>'ce_correlationid' AS correlation_id FROM outbox_message
               WHERE event_type = 'surge.started' AND headers ? 'ce_correlationid' ORDER BY payload->>'surgeId', id) AS started
       WHERE surge.id::text = started.surge_id`)) as [unknown, number];
    // As the analyzer chains them: alerts.service.ts (sender:fingerprint; origin is sender/fingerprint), declarations.service.ts, signal-watch.service.ts.
    const [, derived] = (await queryRunner.query(`
      UPDATE surge SET correlation_id = CASE
          WHEN signal_loss IS NOT NULL THEN 'signal-loss:' || region || '/' || metric
          WHEN source = 'alert' THEN regexp_replace(origin, '^([^/]*)/', '\\1:')
          ELSE origin END
       WHERE correlation_id IS NULL AND (source IN ('alert', 'declaration') OR signal_loss IS NOT NULL)`)) as [unknown, number];
    const [{ unknown }] = (await queryRunner.query(`SELECT count(*)::int AS unknown FROM surge WHERE correlation_id IS NULL AND status = 'active'`)) as [{ unknown: number }];
    if (told + derived > 0 || unknown > 0) {
      this.report =
        `kept the correlation chain of ${told} surge(s) from their surge.started in the outbox and of ${derived} from their alert, declaration or lost signal` +
        (unknown > 0 ? `; ${unknown} active detector surge(s), their surge.started pruned from the outbox, have none: cleared by hand, their surge.cleared starts a chain of its own` : '');
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE surge DROP COLUMN correlation_id');
  }
}
