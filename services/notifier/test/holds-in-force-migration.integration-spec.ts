import { createEvent, type HoldfastEvent } from '@holdfast/contracts';
import type { TestDatabase } from '@holdfast/testing';
import type { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RememberHoldsInForce1769100100000 } from '../src/database/migrations/1769100100000-remember-holds-in-force';
import { factsOf } from '../src/deliveries/event-facts';
import { migratedThrough } from './support/migration-bed';
import { holdPlaced } from './support/notifier-fixtures';

const SUBSCRIPTIONS = ['0190e0c8-0000-7000-8000-000000000021', '0190e0c8-0000-7000-8000-000000000022'];
const HELD_WINDOW = '0190E0C8-0000-7000-8000-0000000000A1';
const NOTIFY_ONLY_WINDOW = '0190E0C8-0000-7000-8000-0000000000A2';

const heldWindow = (windowId: string, ownerTeam: string) => ({ windowId, title: 'Core router upgrade', ownerTeam, priority: 'routine' as const, surgePolicy: 'hold' as const, notifyOnly: false, occurrences: [] });

// A hold in force told to two subscriptions, with windows of two teams and a notify-only window; its extension, told to one.
const inForce = holdPlaced(['IR', 'NP'], { windowIds: [HELD_WINDOW], windows: [heldWindow(HELD_WINDOW, 'network'), heldWindow(uuidv7(), 'edge')], notifyOnlyWindowIds: [NOTIFY_ONLY_WINDOW] });
const extension = createEvent('hold.placed', { ...inForce.data, extended: true, windowIds: [uuidv7()], windows: undefined, notifyOnlyWindowIds: undefined }, { source: 'notifier-spec' });
// Released before the upgrade: not in force.
const released = holdPlaced(['IR']);

describe('notifier migration: the holds in force, remembered from the placements kept as deliveries', () => {
  let database: TestDatabase;
  let db: DataSource;
  let reported: string[];

  beforeAll(async () => {
    ({ database, db, reported } = await migratedThrough('notifier-holds-in-force-migration', RememberHoldsInForce1769100100000, async (before) => {
      for (const id of SUBSCRIPTIONS) {
        await before.query(
          `INSERT INTO subscription (id, owner_team, channel, target, filters, enabled, created_by, created_at, updated_at)
           VALUES ($1, 'edge', 'webhook', 'https://hooks.example.org', '{"eventTypes": [], "regions": [], "teams": [], "windowIds": []}', true, 'spec', now(), now())`,
          [id],
        );
      }
      const told: [string, HoldfastEvent<'hold.placed'>][] = [
        [SUBSCRIPTIONS[0], inForce],
        [SUBSCRIPTIONS[1], inForce],
        [SUBSCRIPTIONS[0], released],
        [SUBSCRIPTIONS[0], extension],
      ];
      for (const [subscriptionId, event] of told) {
        await before.query(
          `INSERT INTO delivery (id, subscription_id, channel, target_key, event_id, event_type, event_time, correlation_id, ordering_key, event, status, attempts, next_attempt_at, recorded_at, delivered_at, finished_at)
           VALUES ($1, $2, 'webhook', 'https://hooks.example.org:443', $3, 'hold.placed', $4, $5, $6, $7, 'delivered', 1, now(), now(), now(), now())`,
          [uuidv7(), subscriptionId, event.id, event.time, event.correlationid, `hold:${event.data.holdId}`, JSON.stringify(event)],
        );
      }
      await before.query(`INSERT INTO hold_release (hold_id, released_at, recorded_at, window_ids) VALUES ($1, now(), now(), '{}')`, [released.data.holdId]);
    }));
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it("keeps each placement of a hold not released once, in the order recorded, with the facts the consumer records (factsOf's)", async () => {
    const rows = (await db.query('SELECT event_id, hold_id, regions, teams, window_ids, event FROM hold_placement ORDER BY seq')) as {
      event_id: string;
      hold_id: string;
      regions: string[];
      teams: string[];
      window_ids: string[];
      event: { id: string };
    }[];
    const expected = [inForce, extension].map((event) => {
      const facts = factsOf(event);
      return { event_id: event.id, hold_id: inForce.data.holdId, regions: facts.regions, teams: [...facts.teams].sort(), window_ids: [...facts.windowIds].sort(), event: JSON.parse(JSON.stringify(event)) as object };
    });
    expect(rows.map((row) => ({ ...row, teams: [...row.teams].sort(), window_ids: [...row.window_ids].sort() }))).toEqual(expected);
    expect(expected[0].window_ids).toContain(NOTIFY_ONLY_WINDOW.toLowerCase());
  });

  it('says in the start log how many holds it remembered', () => {
    expect(reported).toEqual([`schema notifier: RememberHoldsInForce1769100100000 remembered 1 hold(s) in force from the placements kept as deliveries; an Alertmanager subscribed from now on is posted their alerts`]);
  });

  it('reverts to what the code before reads: no hold_placement, the deliveries as they were', async () => {
    await db.undoLastMigration();
    expect(await db.query("SELECT table_name FROM information_schema.tables WHERE table_name = 'hold_placement' AND table_schema = 'notifier'")).toEqual([]);
    expect(await db.query("SELECT count(*)::int AS count FROM delivery WHERE event_type = 'hold.placed'")).toEqual([{ count: 4 }]);
  });
});
