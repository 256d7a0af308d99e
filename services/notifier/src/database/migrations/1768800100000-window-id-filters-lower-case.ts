import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A subscription's `filters.windowIds` in lower case, as they are taken since: one written in upper case matched no
 * window (the planner's ids are lower case) and was no duplicate of the same id in lower case. An id given in both cases
 * is kept once.
 */
export class WindowIdFiltersLowerCase1768800100000 implements MigrationInterface {
  name = 'WindowIdFiltersLowerCase1768800100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`UPDATE subscription SET filters = jsonb_set(filters, '{windowIds}',
        (SELECT COALESCE(jsonb_agg(DISTINCT lower(id)), '[]'::jsonb) FROM jsonb_array_elements_text(filters->'windowIds') AS ids(id)))
      WHERE filters->>'windowIds' <> lower(filters->>'windowIds')`);
  }

  async down(): Promise<void> {
    // Nothing to undo that the code before cannot read: a lower-case id is one it took, and matched.
  }
}
