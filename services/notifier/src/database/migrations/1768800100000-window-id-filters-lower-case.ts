import { reportedNames, type HoldfastMigration } from '@holdfast/database';
import type { QueryRunner } from 'typeorm';

/**
 * A subscription's `filters.windowIds` in lower case, as they are taken since: one written in upper case matched no
 * window (the planner's ids are lower case) and was no duplicate of the same id in lower case. An id given in both cases
 * is kept once.
 */
export class WindowIdFiltersLowerCase1768800100000 implements HoldfastMigration {
  name = 'WindowIdFiltersLowerCase1768800100000';
  report?: string;

  async up(queryRunner: QueryRunner): Promise<void> {
    // RETURNING only reads back the rows the landed statement wrote: its effect is unchanged (docs/upgrading.md, "Migrations
    // changed on main after they landed"). Every row it matches changes, as an upper-case letter was lowered.
    const [lowered] = (await queryRunner.query(`UPDATE subscription SET filters = jsonb_set(filters, '{windowIds}',
        (SELECT COALESCE(jsonb_agg(DISTINCT lower(id)), '[]'::jsonb) FROM jsonb_array_elements_text(filters->'windowIds') AS ids(id)))
      WHERE filters->>'windowIds' <> lower(filters->>'windowIds')
      RETURNING id`)) as [{ id: string }[], number];
    // Such a subscription now hears of a window it silently heard nothing of: the operator can tell its owners.
    if (lowered.length > 0) {
      this.report =
        `lowered the window ids in filters.windowIds of ${lowered.length} subscription(s), which from now on hear of the windows those ids name ` +
        `(one in upper case matched none before): ${reportedNames(lowered.map(({ id }) => id).sort())}`;
    }
  }

  async down(): Promise<void> {
    // Nothing to undo that the code before cannot read: a lower-case id is one it took, and matched.
  }
}
