import { createEvent, type HoldfastEvent } from '@holdfast/contracts';
import type { TestDatabase } from '@holdfast/testing';
import type { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RememberPlacementsPostedWithoutDelivery1769200300000 } from '../src/database/migrations/1769200300000-remember-placements-posted-without-delivery';
import { migratedThrough } from './support/migration-bed';
import { holdPlaced } from './support/notifier-fixtures';

// Two Alertmanager subscriptions keeping alerts of one hold in force: one subscribed after it was placed, one before.
const [LATE, EARLY] = ['0190e0c8-0000-7000-8000-000000000031', '0190e0c8-0000-7000-8000-000000000032'];

const hold = holdPlaced(['IR', 'NP']);
const extensionOf = (windowIds: string[]): HoldfastEvent<'hold.placed'> => createEvent('hold.placed', { ...hold.data, extended: true, windowIds }, { source: 'notifier-spec' });
// Posted to LATE by the refresher (no delivery): every alert kept.
const postedLate = extensionOf([uuidv7()]);
// Naming no window: one alert per region, without a window label, kept.
const windowless = extensionOf([]);
// Taken only by filters widened before the upgrade: its window fires for neither subscription.
const leftOut = extensionOf([uuidv7()]);

/** The alerts of a placement as the channel keeps them (holdAlerts' labels; the annotations are not compared). */
const alertsOf = (placement: HoldfastEvent<'hold.placed'>) =>
  placement.data.regions.flatMap((region) =>
    (placement.data.windowIds.length > 0 ? placement.data.windowIds : [undefined]).map((window) => ({
      labels: { alertname: 'MaintenanceHold', region, hold: hold.data.holdId, ...(window ? { window } : {}) },
      annotations: { summary: 'Maintenance held' },
      startsAt: placement.data.from,
      generatorURL: 'http://127.0.0.1:3001/calendar',
    })),
  );

describe('notifier migration: the placements an alert record posted without a delivery', () => {
  let database: TestDatabase;
  let db: DataSource;

  beforeAll(async () => {
    ({ database, db } = await migratedThrough('notifier-placements-posted-without-delivery-migration', RememberPlacementsPostedWithoutDelivery1769200300000, async (before) => {
      for (const id of [LATE, EARLY]) {
        await before.query(
          `INSERT INTO subscription (id, owner_team, channel, target, filters, enabled, created_by, created_at, updated_at)
           VALUES ($1, 'edge', 'alertmanager', 'http://alertmanager.example.org:9093', '{"eventTypes": [], "regions": [], "teams": [], "windowIds": []}', true, 'spec', now(), now())`,
          [id],
        );
      }
      for (const placement of [hold, postedLate, windowless, leftOut]) {
        await before.query(
          `INSERT INTO hold_placement (event_id, hold_id, regions, teams, window_ids, event, recorded_at) VALUES ($1, $2, $3, '{}', $4, $5, now())`,
          [placement.id, hold.data.holdId, placement.data.regions, placement.data.windowIds, JSON.stringify(placement)],
        );
      }
      // EARLY was told of the hold's placement by its delivery.
      await before.query(
        `INSERT INTO delivery (id, subscription_id, channel, target_key, event_id, event_type, event_time, correlation_id, ordering_key, event, status, attempts, next_attempt_at, recorded_at, delivered_at, finished_at)
         VALUES ($1, $2, 'alertmanager', 'http://alertmanager.example.org:9093', $3, 'hold.placed', $4, $5, $6, $7, 'delivered', 1, now(), now(), now(), now())`,
        [uuidv7(), EARLY, hold.id, hold.time, hold.correlationid, `hold:${hold.data.holdId}`, JSON.stringify(hold)],
      );
      const kept: [string, HoldfastEvent<'hold.placed'>[]][] = [
        [LATE, [hold, postedLate, windowless]],
        [EARLY, [hold]],
      ];
      for (const [subscriptionId, placements] of kept) {
        await before.query(`INSERT INTO hold_alert (subscription_id, hold_id, alerts, active, refresh_at) VALUES ($1, $2, $3, true, now())`, [
          subscriptionId,
          hold.data.holdId,
          JSON.stringify(placements.flatMap(alertsOf)),
        ]);
      }
    }));
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('lists the placements without a delivery whose every alert the record keeps, in the order recorded: not one with a delivery, nor one whose window it never fired', async () => {
    const listed = (await db.query('SELECT subscription_id, posted_without_delivery FROM hold_alert ORDER BY subscription_id')) as { subscription_id: string; posted_without_delivery: string[] }[];
    expect(listed).toEqual([
      { subscription_id: LATE, posted_without_delivery: [hold.id, postedLate.id, windowless.id] },
      { subscription_id: EARLY, posted_without_delivery: [] },
    ]);
  });

  it('reverts to what the code before reads: hold_alert without the list, its alerts as they were', async () => {
    await db.undoLastMigration();
    expect(await db.query("SELECT column_name FROM information_schema.columns WHERE table_schema = 'notifier' AND table_name = 'hold_alert' AND column_name = 'posted_without_delivery'")).toEqual([]);
    expect(await db.query('SELECT count(*)::int AS count FROM hold_alert')).toEqual([{ count: 2 }]);
  });
});

describe('notifier migration: the placements posted without a delivery, of holds with thousands of alerts', () => {
  // A hold in 4 regions extended once, each placement naming 1000 windows (the most an event lists): 8000 alerts,
  // every one kept by each of three Alertmanager subscriptions subscribed after both placements.
  const SUBSCRIPTIONS = 3;
  const REGIONS = ['IR', 'NP', 'US', 'BR'];
  const wide = holdPlaced(REGIONS, { windowIds: Array.from({ length: 1000 }, () => uuidv7()) });
  const widened = createEvent('hold.placed', { ...wide.data, extended: true, windowIds: Array.from({ length: 1000 }, () => uuidv7()) }, { source: 'notifier-spec' });
  const keptAlerts = [wide, widened].flatMap((placement) =>
    placement.data.regions.flatMap((region) =>
      placement.data.windowIds.map((window) => ({ labels: { alertname: 'MaintenanceHold', region, hold: wide.data.holdId, window }, annotations: {}, startsAt: placement.data.from, generatorURL: 'http://127.0.0.1:3001/calendar' })),
    ),
  );
  let database: TestDatabase;
  let db: DataSource;

  beforeAll(async () => {
    ({ database, db } = await migratedThrough('notifier-placements-posted-without-delivery-wide', RememberPlacementsPostedWithoutDelivery1769200300000, async (before) => {
      for (const placement of [wide, widened]) {
        await before.query(
          `INSERT INTO hold_placement (event_id, hold_id, regions, teams, window_ids, event, recorded_at) VALUES ($1, $2, $3, '{}', $4, $5, now())`,
          [placement.id, wide.data.holdId, placement.data.regions, placement.data.windowIds, JSON.stringify(placement)],
        );
      }
      for (let n = 0; n < SUBSCRIPTIONS; n += 1) {
        const [{ id }] = (await before.query(
          `INSERT INTO subscription (id, owner_team, channel, target, filters, enabled, created_by, created_at, updated_at)
           VALUES ($1, 'edge', 'alertmanager', 'http://alertmanager.example.org:9093', '{"eventTypes": [], "regions": [], "teams": [], "windowIds": []}', true, 'spec', now(), now()) RETURNING id`,
          [uuidv7()],
        )) as { id: string }[];
        await before.query(`INSERT INTO hold_alert (subscription_id, hold_id, alerts, active, refresh_at) VALUES ($1, $2, $3, true, now())`, [id, wide.data.holdId, JSON.stringify(keptAlerts)]);
      }
    }));
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('lists both placements on every record keeping all their alerts (matched as sets of region and window, not alert by alert, whose cost grew with the square of the alerts while hold_alert stayed locked)', async () => {
    expect(await db.query('SELECT posted_without_delivery FROM hold_alert')).toEqual(Array.from({ length: SUBSCRIPTIONS }, () => ({ posted_without_delivery: [wide.id, widened.id] })));
  });
});
