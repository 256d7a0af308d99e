import { instantToWallClock } from '@holdfast/time';
import { reportedNames, type HoldfastMigration } from '@holdfast/database';
import type { QueryRunner } from 'typeorm';

// Thousands of windows are read and written back a page at a time, not in one statement of every row.
const WINDOWS_PER_PAGE = 1_000;

/**
 * The local time a window was planned to start at in its zone ("YYYY-MM-DDTHH:mm"): its startsAt
 * read by the time zone rules of the Node that planned it. A window's runs repeat that local time;
 * when a newer tzdata release reads startsAt as another one (a zone's clocks moved after the
 * window was planned), the zone-rules check moves the window back to it (ZoneRulesCheck).
 * Windows planned before are read by the rules of the Node that runs this migration. Null for a
 * row written without it: such a window is anchored on its startsAt instant, as before.
 */
export class PlannedLocalStart1768500000000 implements HoldfastMigration {
  name = 'PlannedLocalStart1768500000000';
  report?: string;

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE maintenance_window ADD COLUMN planned_local_start text');
    let after = '00000000-0000-0000-0000-000000000000';
    // A zone this Node's tz data does not know leaves its window anchored on its instant, rather than stopping the planner's start.
    const unread: string[] = [];
    const localStart = (row: { id: string; starts_at: Date; planned_zone: string }): string | null => {
      try {
        return instantToWallClock(row.starts_at, row.planned_zone);
      } catch {
        unread.push(`${row.id} (${row.planned_zone})`);
        return null;
      }
    };
    for (;;) {
      const rows = (await queryRunner.query('SELECT id, starts_at, planned_zone FROM maintenance_window WHERE id > $1 ORDER BY id LIMIT $2', [after, WINDOWS_PER_PAGE])) as {
        id: string;
        starts_at: Date;
        planned_zone: string;
      }[];
      if (rows.length === 0) break;
      after = rows[rows.length - 1].id;
      await queryRunner.query(
        'UPDATE maintenance_window w SET planned_local_start = t.local FROM unnest($1::uuid[], $2::text[]) AS t(id, local) WHERE w.id = t.id',
        [rows.map((row) => row.id), rows.map(localStart)],
      );
    }
    if (unread.length > 0) {
      this.report = `recorded no planned local start for ${unread.length} window(s) whose zone this Node's time zone data does not know, anchored on their start instant as before: ${reportedNames(unread)}`;
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE maintenance_window DROP COLUMN planned_local_start');
  }
}
