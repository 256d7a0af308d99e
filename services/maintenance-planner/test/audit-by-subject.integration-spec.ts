import { runMigrations } from '@holdfast/database';
import { createTestDatabase, type TestDatabase } from '@holdfast/testing';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plannerService } from '../src/app.module';
import { AUDIT_PAGE } from '../src/audit/audit.controller';

const SCHEMA = 'maintenance_planner';
const WINDOW = '0190e0c8-0000-7000-8000-0000000000b1';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows': number;
  Plans?: PlanNode[];
}

const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

describe('maintenance-planner: one subject\'s audit trail read by its index, however long the whole trail', () => {
  let database: TestDatabase;
  let db: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase('planner-audit-by-subject');
    const migrations = plannerService.database(plannerService.configFromEnvironment({ ...process.env, DATABASE_URL: database.url })).migrations as DataSource['options']['migrations'];
    db = new DataSource({ type: 'postgres', url: database.url, schema: SCHEMA, migrations, extra: { max: 2, options: `-c search_path=${SCHEMA}` } });
    await db.initialize();
    await runMigrations(db, { info: () => undefined });
    // A trail that has lived: 20,000 rows of 2,000 windows (a surge writes one per window it holds), and the three of the window asked about.
    await db.query(
      `INSERT INTO audit_entry (subject_type, subject_id, action, actor, at)
       SELECT 'window', ('0190e0c8-0000-7000-8000-' || lpad((n % 2000)::text, 12, '0'))::uuid, 'held', 'planner', now() - n * interval '1 second' FROM generate_series(1, 20000) AS n`,
    );
    for (const action of ['scheduled', 'held', 'released']) await db.query(`INSERT INTO audit_entry (subject_type, subject_id, action, actor) VALUES ('window', $1, $2, 'planner')`, [WINDOW, action]);
    await db.query('ANALYZE audit_entry');
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('finds GET /v1/audit?subject= rows through audit_entry_subject_at, reading only that subject\'s', async () => {
    const [{ 'QUERY PLAN': [plan] }] = (await db.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${AUDIT_PAGE}`, [WINDOW, null, null, 201, null, null])) as { 'QUERY PLAN': [{ Plan: PlanNode }] }[];
    const nodes = nodesOf(plan.Plan);
    // An index scan, or a bitmap scan of the index and then of the rows it found: never the whole trail.
    expect(nodes.filter((node) => node['Index Name']).map((node) => node['Index Name'])).toEqual(['audit_entry_subject_at']);
    const reads = nodes.filter((node) => node['Relation Name'] === 'audit_entry');
    expect(reads.map((node) => [node['Node Type'], node['Actual Rows']])).toEqual([[expect.stringMatching(/^(Index|Bitmap Heap) Scan$/), 3]]);
    expect((await db.query(AUDIT_PAGE, [WINDOW, null, null, 201, null, null])).map((row: { action: string }) => row.action)).toEqual(['scheduled', 'held', 'released']);
  });
});
