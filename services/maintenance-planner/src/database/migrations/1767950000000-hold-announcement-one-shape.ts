import type { HoldfastMigration } from '@holdfast/database';
import type { QueryRunner } from 'typeorm';

/**
 * HoldAnnouncement1765900000000 was changed on main after it landed (2026-12-02 10:20-11:00 UTC:
 * one row per hold, for window.held only). On the table an installation from then made, a hold
 * over more than 100 windows failed its transaction (no kind column), so that surge held nothing:
 * the table is made again in the current shape, each row it owed kept as a window.held owed. Nothing
 * to undo: the shape is HoldAnnouncement's.
 */
export class HoldAnnouncementOneShape1767950000000 implements HoldfastMigration {
  name = 'HoldAnnouncementOneShape1767950000000';
  report?: string;

  async up(queryRunner: QueryRunner): Promise<void> {
    const [{ current }] = (await queryRunner.query(
      "SELECT count(*) > 0 AS current FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'hold_announcement' AND column_name = 'kind'",
    )) as [{ current: boolean }];
    if (current) return;
    // Rows exist only while a large hold's window events are owed: few, read and written back.
    const owed = (await queryRunner.query('SELECT hold_id, announced_through, owed_since FROM hold_announcement ORDER BY owed_since')) as { hold_id: string; announced_through: string | null; owed_since: Date }[];
    await queryRunner.query('DROP TABLE hold_announcement');
    await queryRunner.query(`
      CREATE TABLE hold_announcement (
        seq bigserial PRIMARY KEY,
        hold_id uuid NOT NULL REFERENCES hold (id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('held', 'released')),
        announced_through uuid,
        owed_since timestamptz NOT NULL,
        chain_causation_id uuid,
        chain_correlation_id text,
        UNIQUE (hold_id, kind)
      )`);
    for (const row of owed) {
      await queryRunner.query("INSERT INTO hold_announcement (hold_id, kind, announced_through, owed_since) VALUES ($1, 'held', $2, $3)", [row.hold_id, row.announced_through, row.owed_since]);
    }
    this.report = `made hold_announcement again in this release's shape (a build of 2026-12-02 10:20-11:00 UTC made it with one row a hold, on which a hold over more than 100 windows failed), keeping the ${owed.length} window.held announcement(s) it owed`;
  }

  async down(): Promise<void> {}
}
