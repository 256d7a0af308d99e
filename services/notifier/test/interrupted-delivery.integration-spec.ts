import type { INestApplication } from '@nestjs/common';
import type { EventPublisher } from '@holdfast/messaging';
import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { DataSource } from 'typeorm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { notifierService } from '../src/app.module';
import { DeliveryWorker } from '../src/deliveries/delivery.worker';
import { ReplicaClaims } from '../src/deliveries/replica-claims';
import { HttpReceiver } from './support/http-receiver';
import { api, connectPublisher, holdPlaced, holdReleased } from './support/notifier-fixtures';

type Notifier = ServiceUnderTest<ReturnType<typeof notifierService.configFromEnvironment>>;

const LEASE_MS = 60_000;

/**
 * What a notifier killed while a receiver answered leaves behind (kill -9, as the failure review did it): the request
 * went out, and no outcome was written, so the delivery stays `sending` until its lease ends and the later ones of its
 * key wait behind it. Here the first notifier sends and is stopped from writing the answer, then shut; another notifier
 * on the same database (the restart, or a second replica) takes it over.
 */
describe('notifier: a delivery whose notifier stopped while sending it', () => {
  const clock = new ManualClock('2026-06-14T21:00:10Z');
  let receiver: HttpReceiver;
  let first: Notifier;
  let publisher: EventPublisher;
  const started: INestApplication[] = [];

  beforeAll(async () => {
    receiver = await HttpReceiver.start();
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    // A spec that failed with a request held: its notifier stops at once, rather than at its request's timeout.
    receiver.releaseHeld(204);
    await publisher?.disconnect();
    for (const app of started.splice(0)) await app.close();
    await first?.database.drop();
  });

  afterAll(async () => {
    await receiver?.close();
  });

  const start = (environment: Record<string, string>, databaseUrl?: string) =>
    startServiceUnderTest(notifierService, {
      clock,
      environment: {
        NOTIFIER_OUTBOUND_ALLOW: receiver.allowEntry,
        NOTIFIER_DELIVERY_TIMEOUT_MS: '20000',
        NOTIFIER_DELIVERY_LEASE_MS: String(LEASE_MS),
        NOTIFIER_WORKER_POLL_MS: '50',
        // Another notifier on the first one's database, with the same admin key.
        ...(databaseUrl ? { DATABASE_URL: databaseUrl, HOLDFAST_BOOTSTRAP_KEY: first.adminKey } : {}),
        ...environment,
      },
    });

  /**
   * A hold placed and released to a webhook whose first request (the placement) is taken but whose answer the first
   * notifier never writes; it is then shut. Answers the placement's and the release's deliveries as the API shows them.
   */
  const sentByANotifierThatStopped = async (environment: Record<string, string>) => {
    first = await start(environment);
    started.push(first.app);
    publisher = await connectPublisher(first.config.kafka);
    const { id } = await api(first).subscribe({ channel: 'webhook', target: `${receiver.url}/hooks/${environment.NOTIFIER_REPLICA_ID ?? 'any'}`, filters: { regions: ['IR'] } });
    receiver.requests.length = 0;
    receiver.reply = () => 'hold';
    const dataSource = first.app.get(DataSource);
    const query = dataSource.query.bind(dataSource);
    vi.spyOn(dataSource, 'query').mockImplementation((...call: Parameters<DataSource['query']>) =>
      call[0].includes('WITH finished AS') ? Promise.reject(new Error('the notifier was killed before it wrote the answer')) : query(...call),
    );
    const placed = holdPlaced(['IR']);
    await publisher.publish(placed, holdReleased(placed));
    await expectEventually(() => expect(receiver.heldCount).toBe(1));
    receiver.reply = () => ({ status: 204 });
    receiver.releaseHeld(204);
    const [placement, release] = await expectEventually(async () => {
      const deliveries = (await api(first).deliveries(`subscriptionId=${id}`)).reverse();
      expect(deliveries).toMatchObject([
        { eventType: 'hold.placed', status: 'sending', attempts: 0 },
        { eventType: 'hold.released', status: 'pending', attempts: 0 },
      ]);
      return deliveries;
    });
    await first.app.close();
    started.pop();
    vi.restoreAllMocks();
    return { subscriptionId: id, placed, placement, release };
  };

  const placementRequests = () => receiver.requests.filter((request) => (JSON.parse(request.body) as { type: string }).type === 'hold.placed');

  it('says that a delivery queued behind it waits for it, and until when; taken again at its lease end, its history counts the interrupted attempt', async () => {
    const { subscriptionId, placed, placement, release } = await sentByANotifierThatStopped({});
    const claimedAt = clock.now().toISOString();
    const leaseEnd = new Date(clock.nowMs() + LEASE_MS).toISOString();
    const second = await start({}, first.database.url);
    started.push(second.app);

    const waiting = await api(second).deliveries(`subscriptionId=${subscriptionId}&eventId=${release.eventId}`);
    expect(waiting).toMatchObject([
      {
        status: 'pending',
        waitingOn: {
          cause: 'earlier-delivery',
          deliveryId: placement.id,
          deliveryStatus: 'sending',
          nextTryAt: leaseEnd,
          reason: expect.stringContaining(`waits for delivery ${placement.id}, the first of its subscription and key still to finish, which a notifier claimed to send`),
        },
      },
    ]);
    expect(receiver.requests).toHaveLength(1);

    clock.advance(LEASE_MS + 1_000);
    await expectEventually(async () => expect((await api(second).deliveries(`subscriptionId=${subscriptionId}`)).map((delivery) => delivery.status)).toEqual(['delivered', 'delivered']));
    const [taken] = await api(second).deliveries(`subscriptionId=${subscriptionId}&eventId=${placed.id}`);
    expect(taken).toMatchObject({
      attempts: 2,
      attemptLog: [
        { number: 1, outcome: 'interrupted', statusCode: null, startedAt: claimedAt, durationMs: LEASE_MS + 1_000, error: expect.stringContaining('the receiver may have got it') },
        { number: 2, outcome: 'delivered', statusCode: 204 },
      ],
    });
    // The receiver got the placement twice, under the same webhook-id, then the release.
    expect(placementRequests().map((request) => request.headers['webhook-id'])).toEqual([placed.id, placed.id]);
    expect(receiver.requests).toHaveLength(3);
  });

  it('is taken back at once by the notifier that claimed it, started again under the same replica name, not at its lease end', async () => {
    const { subscriptionId, placed } = await sentByANotifierThatStopped({ NOTIFIER_REPLICA_ID: 'notifier-a' });
    const restarted = await start({ NOTIFIER_REPLICA_ID: 'notifier-a' }, first.database.url);
    started.push(restarted.app);

    // The clock stands still: nothing but the restart frees the placement before its lease ends.
    await expectEventually(async () => expect((await api(restarted).deliveries(`subscriptionId=${subscriptionId}`)).map((delivery) => delivery.status)).toEqual(['delivered', 'delivered']));
    const [taken] = await api(restarted).deliveries(`subscriptionId=${subscriptionId}&eventId=${placed.id}`);
    expect(taken).toMatchObject({
      attempts: 2,
      attemptLog: [
        { number: 1, outcome: 'interrupted', error: expect.stringContaining('notifier-a') },
        { number: 2, outcome: 'delivered' },
      ],
    });
    expect(placementRequests().map((request) => request.headers['webhook-id'])).toEqual([placed.id, placed.id]);
  });

  /**
   * A replica named `name`, sending one at a time, whose one delivery (a hold in NP) its receiver holds unanswered; and a
   * subscription in BT for what another replica claims meanwhile. Answers the replica, both subscriptions and that claim.
   */
  const liveReplicaSending = async (name: string, environment: Record<string, string> = {}) => {
    const live = await start({ NOTIFIER_REPLICA_ID: name, NOTIFIER_WORKER_CONCURRENCY: '1', ...environment });
    first = live;
    started.push(live.app);
    publisher = await connectPublisher(live.config.kafka);
    const held = await api(live).subscribe({ channel: 'webhook', target: `${receiver.url}/hooks/live`, filters: { regions: ['NP'] } });
    const other = await api(live).subscribe({ channel: 'webhook', target: `${receiver.url}/hooks/other`, filters: { regions: ['BT'] } });
    receiver.requests.length = 0;
    receiver.reply = (request) => (request.path === '/hooks/live' ? 'hold' : { status: 204 });
    await publisher.publish(holdPlaced(['NP']));
    const [claimed] = await expectEventually(async () => {
      expect(receiver.heldCount).toBe(1);
      const deliveries = await api(live).deliveries(`subscriptionId=${held.id}`);
      expect(deliveries).toMatchObject([{ status: 'sending' }]);
      return deliveries;
    });
    return { live, held, other, claimed };
  };

  /** A delivery published now, which only `replica` can claim (the live one has no room), sent by it. */
  const sentBy = async (replica: Notifier, other: { id: string }) => {
    const next = holdPlaced(['BT']);
    await publisher.publish(next);
    await expectEventually(async () => expect(await api(replica).deliveries(`subscriptionId=${other.id}&eventId=${next.id}`)).toMatchObject([{ status: 'delivered' }]));
  };

  /** The live replica's held request answered: its claim is delivered, sent once, by it. */
  const deliveredOnce = async (live: Notifier, held: { id: string }) => {
    expect(receiver.requests.filter((request) => request.path === '/hooks/live')).toHaveLength(1);
    receiver.releaseHeld(204);
    await expectEventually(async () =>
      expect(await api(live).deliveries(`subscriptionId=${held.id}`)).toMatchObject([{ status: 'delivered', attempts: 1, attemptLog: [{ number: 1, outcome: 'delivered' }] }]),
    );
  };

  /** Ends the session holding `name`'s lock, PostgreSQL running on (as a dropped connection or pg_terminate_backend does). */
  const endNameSession = async (notifier: Notifier, name: string) => {
    const [{ ended }] = (await notifier.app.get(DataSource).query(
      `SELECT bool_and(pg_terminate_backend(pid)) AS ended FROM pg_locks
       WHERE locktype = 'advisory' AND classid = hashtext('notifier/replica')::oid AND objid = hashtext($1)::oid AND objsubid = 2`,
      [name],
    )) as [{ ended: boolean }];
    expect(ended).toBe(true);
  };

  /** A replica started under `name`, once the take-back it makes on taking the name has run. */
  const startedUnderTheName = async (notifier: Notifier, name: string) => {
    const takeBacks = vi.spyOn(ReplicaClaims.prototype, 'takeBack');
    const replica = await start({ NOTIFIER_REPLICA_ID: name }, notifier.database.url);
    started.push(replica.app);
    await expectEventually(() => expect(takeBacks).toHaveBeenCalled());
    await Promise.allSettled(takeBacks.mock.results.map((result) => result.value as Promise<unknown>));
    return replica;
  };

  const requestsTo = (path: string) => receiver.requests.filter((request) => request.path === path);

  it("never takes back a live replica's claim: neither another replica nor one started under the same name while it runs", async () => {
    const { live, held, other, claimed } = await liveReplicaSending('notifier-b');
    // A second replica named as the live one (a misconfiguration, or a restart after a host was lost while PostgreSQL still
    // keeps its session): it starts, without the name; and one named otherwise. The live one's claim stays its own.
    const replicas: Notifier[] = [];
    for (const name of ['notifier-b', 'notifier-c']) {
      const replica = await start({ NOTIFIER_REPLICA_ID: name, NOTIFIER_WORKER_SWEEP_MS: '100' }, live.database.url);
      started.push(replica.app);
      replicas.push(replica);
      await sentBy(replica, other);
      expect(await api(replica).deliveries(`subscriptionId=${held.id}`)).toEqual([claimed]);
    }
    // Nor later, when the live one loses its name's session: the one started under the name while another held it never takes it.
    const replicaOf = (notifier: Notifier) => (notifier.app.get(DeliveryWorker) as unknown as { replica: ReplicaClaims }).replica;
    vi.spyOn(replicaOf(live), 'take').mockResolvedValue(false);
    // Each time the one started under the name asks for it (NOTIFIER_WORKER_SWEEP_MS apart at most once), on the monotonic clock.
    const tries = vi.spyOn(replicaOf(replicas[0]), 'take');
    await endNameSession(live, 'notifier-b');
    // Asked again past its sweep interval since the session ended: a replica that would take the name has had the chance.
    tries.mockClear();
    await expectEventually(() => {
      const asked = tries.mock.calls.map(([now]) => now);
      expect(asked.length).toBeGreaterThan(1);
      expect(asked[asked.length - 1] - asked[0]).toBeGreaterThan(300);
    });
    expect(await api(live).deliveries(`subscriptionId=${held.id}`)).toEqual([claimed]);
    await deliveredOnce(live, held);
  });

  it("a replica that lost its name's session vouches on for what it sends, and takes back nothing while another holds the name", async () => {
    const { live, held, other, claimed } = await liveReplicaSending('notifier-d', { NOTIFIER_WORKER_SWEEP_MS: '100' });
    // It does not try for its name again until the second replica has started: that one starts just as the first loses it.
    const name = (live.app.get(DeliveryWorker) as unknown as { replica: ReplicaClaims }).replica;
    const retaking = vi.spyOn(name, 'take').mockResolvedValue(false);
    // Its session cut (as a dropped connection does), while its request is out.
    await endNameSession(live, 'notifier-d');

    // Started under the same name then, the second replica gets the name, and must not send the first one's claim again.
    const replica = await start({ NOTIFIER_REPLICA_ID: 'notifier-d' }, live.database.url);
    started.push(replica.app);
    await sentBy(replica, other);
    expect(await api(replica).deliveries(`subscriptionId=${held.id}`)).toMatchObject([{ id: claimed.id, status: 'sending', attempts: 0 }]);

    // Nor does the first, trying for its name every sweep and refused it, take back what the second is sending under it.
    retaking.mockRestore();
    const attempts = vi.spyOn(ReplicaClaims.prototype as unknown as { attempt: () => Promise<{ holders?: unknown[] }> }, 'attempt');
    receiver.reply = (request) => (request.path === '/hooks/live' || request.path === '/hooks/other' ? 'hold' : { status: 204 });
    const next = holdPlaced(['BT']);
    await publisher.publish(next);
    await expectEventually(() => expect(receiver.heldCount).toBe(2));
    await expectEventually(async () => expect((await Promise.all(attempts.mock.results.map((result) => result.value as Promise<{ holders?: unknown[] }>))).filter((attempt) => attempt.holders).length).toBeGreaterThanOrEqual(3));
    expect(receiver.requests.filter((request) => request.path === '/hooks/other')).toHaveLength(2);
    receiver.reply = () => ({ status: 204 });
    await deliveredOnce(live, held);
    receiver.releaseHeld(204);
    await expectEventually(async () => expect(await api(replica).deliveries(`subscriptionId=${other.id}&eventId=${next.id}`)).toMatchObject([{ status: 'delivered', attempts: 1 }]));
  });

  it('leaves what a replica sends to it when another starts under its name before it noticed it lost the name: the receiver gets it once', async () => {
    // It polls once in ten minutes: nothing wakes it (no recording, no answer) between its session's end and the second's take-back.
    const { live, held, other, claimed } = await liveReplicaSending('notifier-e', { NOTIFIER_WORKER_POLL_MS: '600000' });
    await endNameSession(live, 'notifier-e');
    const replica = await startedUnderTheName(live, 'notifier-e');
    await sentBy(replica, other);
    expect(await api(replica).deliveries(`subscriptionId=${held.id}`)).toMatchObject([{ id: claimed.id, status: 'sending', attempts: 0 }]);
    await deliveredOnce(live, held);
  });

  it('sends what that replica then gives up, as soon as it gave it up, not at its lease end: nothing is lost', async () => {
    const { live, held, other, claimed } = await liveReplicaSending('notifier-f', { NOTIFIER_WORKER_POLL_MS: '600000' });
    await endNameSession(live, 'notifier-f');
    const replica = await startedUnderTheName(live, 'notifier-f');
    await sentBy(replica, other);
    expect(requestsTo('/hooks/live')).toHaveLength(1);

    // Its answer comes, and it cannot write it: it gives the delivery up, as a notifier killed then would leave it.
    const dataSource = live.app.get(DataSource);
    const query = dataSource.query.bind(dataSource);
    vi.spyOn(dataSource, 'query').mockImplementation((...call: Parameters<DataSource['query']>) =>
      call[0].includes('WITH finished AS') ? Promise.reject(new Error('the notifier was cut off before it wrote the answer')) : query(...call),
    );
    receiver.reply = () => ({ status: 204 });
    receiver.releaseHeld(204);
    // The clock stands still: only the second taking it back sends it again.
    await expectEventually(async () =>
      expect(await api(replica).deliveries(`subscriptionId=${held.id}`)).toMatchObject([
        { id: claimed.id, status: 'delivered', attempts: 2, attemptLog: [{ number: 1, outcome: 'interrupted', error: expect.stringContaining('notifier-f') }, { number: 2, outcome: 'delivered' }] },
      ]),
    );
    expect(requestsTo('/hooks/live').map((request) => request.headers['webhook-id'])).toEqual([claimed.eventId, claimed.eventId]);
  });

  it('takes back what a replica that died just after losing its name was sending once its vouch lapses, not at its lease end', async () => {
    const { live, held, other, claimed } = await liveReplicaSending('notifier-g');
    // It dies as its session goes (kill -9): it renews its vouch no more, and its request is never answered.
    const vouchRenewed = vi.spyOn((live.app.get(DeliveryWorker) as unknown as { replica: ReplicaClaims }).replica, 'vouch').mockResolvedValue();
    await endNameSession(live, 'notifier-g');
    receiver.reply = () => ({ status: 204 });
    const replica = await startedUnderTheName(live, 'notifier-g');
    await sentBy(replica, other);
    // The clock stands still: within two polls and two seconds of its last renewal, it is sent again.
    await expectEventually(async () =>
      expect(await api(replica).deliveries(`subscriptionId=${held.id}`)).toMatchObject([
        { id: claimed.id, status: 'delivered', attempts: 2, attemptLog: [{ number: 1, outcome: 'interrupted', error: expect.stringContaining('notifier-g') }, { number: 2, outcome: 'delivered' }] },
      ]),
    );
    expect(vouchRenewed).toHaveBeenCalled();
    expect(requestsTo('/hooks/live').map((request) => request.headers['webhook-id'])).toEqual([claimed.eventId, claimed.eventId]);
  });
});
