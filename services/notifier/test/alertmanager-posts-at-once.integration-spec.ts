import { createEvent, type HoldfastEvent } from '@holdfast/contracts';
import type { EventPublisher } from '@holdfast/messaging';
import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HoldAlertRefresher } from '../src/channels/alertmanager/hold-alert-refresher';
import { notifierService } from '../src/app.module';
import { windowsKept, windowsPosted } from './support/hold-alerts';
import { HttpReceiver } from './support/http-receiver';
import { api, attemptsSettled, connectPublisher, holdPlaced } from './support/notifier-fixtures';

const TTL_MS = 600_000;

/** An extension of `hold` to one more window. */
const extensionOf = (hold: HoldfastEvent<'hold.placed'>): HoldfastEvent<'hold.placed'> =>
  createEvent('hold.placed', { ...hold.data, until: new Date(Date.now() + 3_600_000).toISOString(), extended: true, windowIds: [uuidv7()] }, { source: 'notifier-spec' });

/**
 * A delivery of an extension and a refresher post of the same hold to one Alertmanager, interleaved on purpose: the
 * refresher's post is held by the receiver (its transaction open, between reading the kept alerts and writing them) while
 * the extension is delivered. Both posts' windows must stay kept, and be re-posted while the hold lasts.
 */
describe('notifier Alertmanager channel: an extension delivered while the refresher posts the same hold', () => {
  // Alertmanager's stand-in answers from the receiver; the clock only decides when alerts are due again.
  const clock = new ManualClock(new Date());
  let receiver: HttpReceiver;
  let service: ServiceUnderTest<ReturnType<typeof notifierService.configFromEnvironment>>;
  let publisher: EventPublisher;
  let notifier: ReturnType<typeof api>;
  let refresher: HoldAlertRefresher;
  let database: DataSource;

  /** The posts of the hold's alerts the receiver took, each the alerts' windows. */
  const postsOf = (holdId: string) => windowsPosted(receiver, holdId);
  const keptWindows = (holdId: string) => windowsKept(database, holdId);
  /** Holds the first post of alerts naming `windowId` (the refresher's), answering every other request 200. */
  const holdFirstPostOf = (windowId: string) => {
    let held = false;
    receiver.reply = (request) => {
      if (held || request.path !== '/api/v2/alerts' || !request.body.includes(windowId)) return { status: 200 };
      held = true;
      return 'hold';
    };
  };
  /** Resolves once a statement writing hold_alert waits for a lock the held refresher transaction has. */
  const writeWaiting = () =>
    expectEventually(async () =>
      expect(await database.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%hold_alert%'`)).toHaveLength(1),
    );
  /** The refresher's next run: the last post of the hold's alerts, each window. */
  const repostedWindows = async (holdId: string): Promise<string[]> => {
    await attemptsSettled(notifier, clock);
    clock.advance(TTL_MS / 3 + 1);
    await refresher.refreshDue();
    return postsOf(holdId).at(-1) ?? [];
  };

  beforeAll(async () => {
    receiver = await HttpReceiver.start();
    service = await startServiceUnderTest(notifierService, {
      clock,
      environment: { NOTIFIER_OUTBOUND_ALLOW: receiver.allowEntry, NOTIFIER_WORKER_POLL_MS: '50', NOTIFIER_ALERT_TTL_MS: String(TTL_MS), NOTIFIER_DELIVERY_TIMEOUT_MS: '20000' },
    });
    publisher = await connectPublisher(service.config.kafka);
    notifier = api(service);
    refresher = service.app.get(HoldAlertRefresher);
    database = service.app.get(DataSource);
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await service?.close();
    await receiver?.close();
  });

  it("keeps the windows of a dead extension the refresher is posting when another extension's delivery writes the hold's alerts after it", async () => {
    receiver.reply = () => ({ status: 200 });
    const { id } = await notifier.subscribe({ channel: 'alertmanager', target: receiver.url, filters: { regions: ['JP'] } });
    const hold = holdPlaced(['JP']);
    await publisher.publish(hold);
    await expectEventually(async () => expect(await notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([{ status: 'delivered' }]));
    receiver.reply = () => ({ status: 400, body: 'bad request' });
    const dead = extensionOf(hold);
    await publisher.publish(dead);
    await expectEventually(async () => expect(await notifier.deliveries(`subscriptionId=${id}&status=dead`)).toMatchObject([{ eventId: dead.id }]));

    holdFirstPostOf(dead.data.windowIds[0]);
    const run = refresher.refreshDue();
    await expectEventually(() => expect(receiver.heldCount).toBe(1));
    const delivered = extensionOf(hold);
    await publisher.publish(delivered);
    await writeWaiting();
    receiver.releaseHeld(200);
    expect(await run).toBe(1);
    await expectEventually(async () => expect(await notifier.deliveries(`subscriptionId=${id}&status=delivered`)).toHaveLength(2));

    const windows = [...hold.data.windowIds, ...dead.data.windowIds, ...delivered.data.windowIds].sort();
    expect(await keptWindows(hold.data.holdId)).toEqual(windows);
    expect(await repostedWindows(hold.data.holdId)).toEqual(windows);
  });

  it("keeps an extension's windows delivered while the refresher posts the hold's dead placement, written before the refresher's", async () => {
    receiver.reply = () => ({ status: 400, body: 'bad request' });
    const { id } = await notifier.subscribe({ channel: 'alertmanager', target: receiver.url, filters: { regions: ['KR'] } });
    const hold = holdPlaced(['KR']);
    await publisher.publish(hold);
    await expectEventually(async () => expect(await notifier.deliveries(`subscriptionId=${id}&status=dead`)).toMatchObject([{ eventId: hold.id }]));

    holdFirstPostOf(hold.data.windowIds[0]);
    const run = refresher.refreshDue();
    await expectEventually(() => expect(receiver.heldCount).toBe(1));
    // Recorded after the refresher read the hold's placements, so its post does not carry this extension's window.
    const delivered = extensionOf(hold);
    await publisher.publish(delivered);
    await expectEventually(async () => expect(await notifier.deliveries(`subscriptionId=${id}&status=delivered`)).toMatchObject([{ eventId: delivered.id }]));
    receiver.releaseHeld(200);
    expect(await run).toBe(1);

    const windows = [...hold.data.windowIds, ...delivered.data.windowIds].sort();
    expect(await keptWindows(hold.data.holdId)).toEqual(windows);
    expect(await repostedWindows(hold.data.holdId)).toEqual(windows);
  });

  it('keeps the windows of a hold the refresher is posting to a subscription never told of it when an extension delivered then writes after it', async () => {
    const hold = holdPlaced(['TW']);
    await publisher.publish(hold);
    await expectEventually(async () => expect(await database.query('SELECT 1 FROM hold_placement WHERE event_id = $1', [hold.id])).toHaveLength(1));
    const { id } = await notifier.subscribe({ channel: 'alertmanager', target: receiver.url, filters: { regions: ['TW'] } });

    holdFirstPostOf(hold.data.windowIds[0]);
    const run = refresher.refreshDue();
    await expectEventually(() => expect(receiver.heldCount).toBe(1));
    const delivered = extensionOf(hold);
    await publisher.publish(delivered);
    await writeWaiting();
    receiver.releaseHeld(200);
    expect(await run).toBe(1);
    await expectEventually(async () => expect(await notifier.deliveries(`subscriptionId=${id}`)).toMatchObject([{ eventId: delivered.id, status: 'delivered' }]));

    const windows = [...hold.data.windowIds, ...delivered.data.windowIds].sort();
    expect(await keptWindows(hold.data.holdId)).toEqual(windows);
    expect(await repostedWindows(hold.data.holdId)).toEqual(windows);
  });
});
