/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plannerService } from '../src/app.module';
import { HoldsService } from '../src/holds/holds.service';
import { PlannerSweep } from '../src/holds/planner-sweep.service';

const clock = new ManualClock('2026-10-01T00:00:00Z');
const HOUR = 3_600_000;
const at = (offsetMs: number) => new Date(clock.nowMs() + offsetMs).toISOString();

/** The sweep as replicas run it: what it writes, what it counts, and what a failing step leaves undone. */
describe('maintenance-planner: the sweep, against PostgreSQL', () => {
  let service: ServiceUnderTest;
  let db: DataSource;
  let holds: HoldsService;
  let sweep: PlannerSweep;

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await service.fetch(path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, any> };
  };
  const plan = async (region: string, startsAt: string, change: Record<string, unknown> = {}) => {
    const answer = await api('POST', '/v1/windows', {
      title: `patch the ${region} edge`,
      ownerTeam: 'edge',
      footprint: { global: false, regions: [region] },
      startsAt,
      endsAt: new Date(Date.parse(startsAt) + HOUR).toISOString(),
      plannedZone: 'UTC',
      ...change,
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body.windowId as string;
  };
  const placeHold = async (region: string, until?: string) => {
    const answer = await api('POST', '/v1/holds', { regions: [region], from: at(0), ...(until ? { until } : {}), reason: `Exams across ${region}` });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body.id as string;
  };
  const statusOf = async (windowId: string) => (await api('GET', `/v1/windows/${windowId}/occurrences`)).body.items[0].status as string;
  /** Every row version of the planner's tables (a row updated or locked gets a new xmin or xmax), the last outbox row and the audit rows. */
  const written = async () =>
    (await db.query(`
      SELECT (SELECT COALESCE(max(id), 0) FROM outbox_message) AS outbox, (SELECT count(*)::int FROM audit_entry) AS audit,
             (SELECT string_agg(id || ':' || xmin || ':' || xmax, ',' ORDER BY id) FROM hold) AS holds,
             (SELECT string_agg(window_id || '/' || number || ':' || xmin || ':' || xmax, ',' ORDER BY window_id, number, hold_id) FROM hold_occurrence) AS links,
             (SELECT string_agg(id || ':' || xmin || ':' || xmax, ',' ORDER BY id) FROM maintenance_window) AS windows,
             (SELECT string_agg(window_id || '/' || number || ':' || xmin || ':' || xmax, ',' ORDER BY window_id, number) FROM occurrence) AS runs`)) as Record<string, unknown>[];

  beforeAll(async () => {
    service = await startServiceUnderTest(plannerService, { clock, environment: { PLANNER_SWEEP_INTERVAL_SECONDS: '0' } });
    db = service.app.get(DataSource);
    holds = service.app.get(HoldsService);
    sweep = service.app.get(PlannerSweep);
  });

  afterAll(async () => {
    await service?.close();
  });

  it('writes nothing and publishes nothing while nothing changes under an open-ended hold, and holds a run once it comes within HOLD_HORIZON_HOURS', async () => {
    clock.set('2026-10-01T00:00:00Z');
    const soon = await plan('KE', at(2 * HOUR));
    const daily = await plan('KE', at(4 * HOUR), { recurrence: 'FREQ=DAILY' });
    const later = await plan('KE', at(30 * HOUR));
    await placeHold('KE');
    expect([await statusOf(soon), await statusOf(daily), await statusOf(later)]).toEqual(['held', 'held', 'scheduled']);
    clock.advance(60_000);
    await sweep.sweep();
    const before = await written();

    for (const _minute of [1, 2]) {
      clock.advance(60_000);
      expect(await sweep.sweep()).toMatchObject({ outcome: 'ok', extendedWindows: 0, extended: 0, released: 0, repaired: 0, missed: 0 });
    }
    expect(await written()).toEqual(before);

    // Seven hours on, the run 30 hours ahead is 23 hours ahead: the hold's horizon reaches it, once.
    clock.advance(7 * HOUR);
    expect(await sweep.sweep()).toMatchObject({ outcome: 'ok', extended: 1 });
    expect(await statusOf(later)).toBe('held');
    const held = (await db.query(`SELECT count(*)::int AS n FROM outbox_message WHERE event_type = 'window.held' AND message_key = $1`, [later])) as { n: number }[];
    expect(held[0].n).toBe(1);
    clock.advance(60_000);
    expect(await sweep.sweep()).toMatchObject({ extended: 0 });
  });

  it('counts as released only the holds this replica released, not one another replica released while it waited on it', async () => {
    clock.set('2026-10-05T00:00:00Z');
    const windowId = await plan('TZ', at(HOUR / 2));
    const holdId = await placeHold('TZ', at(HOUR));
    expect(await statusOf(windowId)).toBe('held');
    clock.advance(HOUR);
    let sweeping: Promise<number> | undefined;
    // Another replica releases the due hold; this one reads it as due meanwhile, and waits for that release (at the hold set's release key, before the hold's row).
    await db.transaction(async (tx) => {
      expect(await holds.release(tx, await holds.get(holdId), undefined, 'The held period ended')).toBe(true);
      sweeping = holds.releaseDue();
      await expectEventually(async () => {
        const [{ waiting }] = (await db.query(
          `SELECT count(*)::int AS waiting FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE NOT l.granted AND a.datname = current_database() AND l.locktype = 'advisory' AND l.objid = 1 AND l.objsubid = 2`,
        )) as { waiting: number }[];
        expect(waiting).toBe(1);
      });
    });
    expect(await sweeping).toBe(0);
    // Released once: its run, begun while held, needs a new slot, and the trail says so once.
    expect(await statusOf(windowId)).toBe('needs-reschedule');
    const trail = (await api('GET', `/v1/audit?subject=${holdId}`)).body.items.map((entry: { action: string }) => entry.action);
    expect(trail).toEqual(['placed', 'released']);
    // With nothing due, a sweep releases and counts none.
    expect(await holds.releaseDue()).toBe(0);
  });

  it('releases the other due holds and runs the later steps when one hold cannot be released, and says which', async () => {
    clock.set('2026-10-10T00:00:00Z');
    const stuckWindow = await plan('UG', at(HOUR / 2));
    const freeWindow = await plan('RW', at(HOUR / 2));
    // A run that ends unstarted, for the step after the releases to mark missed.
    const unstarted = await plan('BI', at(HOUR / 2), { endsAt: at(HOUR) });
    const stuck = await placeHold('UG', at(HOUR));
    // Placed later, so released after the stuck one.
    clock.advance(1_000);
    const free = await placeHold('RW', at(HOUR));
    // PostgreSQL refuses the release of the first hold the sweep comes to.
    await db.query(`CREATE FUNCTION refuse_release() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'release refused for the spec'; END $$`);
    await db.query(`CREATE TRIGGER refuse_release BEFORE UPDATE OF released_at ON hold FOR EACH ROW WHEN (OLD.id = '${stuck}'::uuid) EXECUTE FUNCTION refuse_release()`);
    try {
      clock.advance(2 * HOUR);
      const result = await sweep.sweep();
      expect(result).toMatchObject({ failed: ['released'], skipped: [], outcome: 'partial', missed: 1 });
      expect((await holds.get(free)).released_at).not.toBeNull();
      expect((await holds.get(stuck)).released_at).toBeNull();
      expect(await statusOf(freeWindow)).toBe('needs-reschedule');
      expect(await statusOf(stuckWindow)).toBe('held');
      expect(await statusOf(unstarted)).toBe('missed');
    } finally {
      await db.query('DROP TRIGGER refuse_release ON hold');
      await db.query('DROP FUNCTION refuse_release()');
    }
    // The next sweep releases it.
    clock.advance(60_000);
    expect(await sweep.sweep()).toMatchObject({ outcome: 'ok', released: 1 });
    expect(await statusOf(stuckWindow)).toBe('needs-reschedule');
    const metrics = await (await service.fetch('/metrics')).text();
    expect(metrics).toMatch(/holdfast_sweep_step_failures_total\{[^}]*step="released"[^}]*\} 1/);
  });
});
