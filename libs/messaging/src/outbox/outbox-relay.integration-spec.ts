import { createEvent, encodeEvent, EventExamples, Topics, type HoldfastEvent } from '@holdfast/contracts';
import { MetricsRegistry } from '@holdfast/observability';
import { expectEventually, recordTopic } from '@holdfast/testing';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { Socket } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageBytes } from '../kafka/event-publisher';
import { physicalTopic } from '../kafka/kafka-settings';
import { silentLogger } from '../kafka/messaging-logger';
import { createMessagingTestBed, effectConsumer, effectCount, sampleEvent, TEST_SCHEMA, type MessagingTestBed } from '../testing/messaging-test-bed';
import { OutboxRelay } from './outbox-relay';
import { KEY_LOCKS_PER_CALL, outboxChannel, OutboxWriter } from './outbox-writer';

const ROOT = resolve(__dirname, '../../../..');

const sample = (region: string, value: number) => sampleEvent(region, value, 'outbox-spec');

let recorders = 0;

const relayFor = (bed: MessagingTestBed) => new OutboxRelay({ dataSource: bed.dataSource, publisher: bed.publisher, logger: silentLogger, pollIntervalMs: 100 });

function expectOutboxDrained(bed: MessagingTestBed): Promise<void> {
  return expectEventually(async () => {
    const [{ pending }] = await bed.dataSource.query('SELECT count(*)::int AS pending FROM outbox_message WHERE published_at IS NULL AND refused_at IS NULL');
    expect(pending).toBe(0);
  });
}

/** Every ce_id that reaches the topic, duplicates included: what the broker really holds. */
async function recordIds(bed: MessagingTestBed): Promise<{ ids: () => string[]; stop: () => Promise<void> }> {
  const recorder = await recordTopic(bed.kafka, physicalTopic(bed.settings, Topics.trafficSamples), `${bed.settings.topicPrefix}raw-recorder-${++recorders}`);
  return { ids: () => recorder.messages.map((message) => message.headers.ce_id), stop: recorder.stop };
}

/**
 * Runs one transaction per entry of `writes` at once and returns the event ids in commit order.
 * Each writer keeps its transaction open, after its write, until another writer waits on its key
 * lock (unless none is left to come), so writers really queue behind each other: contention on
 * the lock, polled on a connection of its own, not made likely by a random sleep.
 */
async function raceWriters(bed: MessagingTestBed, outbox: OutboxWriter, writes: HoldfastEvent<'traffic.sample'>[][]): Promise<string[]> {
  // In the order the writers got their key locks, which is the order they commit in: each waits for
  // the one before it to commit. Not the order their commits are answered: PostgreSQL releases the
  // locks before it answers, and a backend descheduled in between (seen once in CI, on a loaded
  // machine) let the next writer's commit be answered first.
  const committed: string[] = [];
  let finished = 0;
  const probe = new Client({ connectionString: bed.database.url });
  await probe.connect();
  const untilAnotherWriterWaits = () =>
    expectEventually(
      async () => {
        if (finished >= writes.length - 1) return;
        const { rows } = await probe.query<{ waiting: number }>(
          "SELECT count(*)::int AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        );
        expect(rows[0].waiting).toBeGreaterThan(0);
      },
      { message: 'another writer waits on the key lock' },
    );
  try {
    await Promise.all(
      writes.map(async (events) => {
        await bed.dataSource.transaction(async (transaction) => {
          await outbox.add(transaction, ...events);
          // The writer's statements are answered at COMMIT; the transaction's next statement runs after
          // them, so once it is answered this writer holds its key locks while the others queue.
          await transaction.query('SELECT 1');
          committed.push(...events.map((event) => event.id));
          await untilAnotherWriterWaits();
        });
        finished++;
      }),
    );
  } finally {
    await probe.end();
  }
  return committed;
}

/**
 * Starts a relay after a race of writers, so that one round holds every writer's rows and must put
 * them in order itself, and expects each region's events on Kafka in the order they committed.
 */
async function expectPublishedInCommitOrder(bed: MessagingTestBed, writes: HoldfastEvent<'traffic.sample'>[][], committed: string[], regions: string[]): Promise<void> {
  const recorder = await recordIds(bed);
  const relay = relayFor(bed);
  relay.start();
  try {
    for (const region of regions) {
      const ofRegion = new Set(writes.flat().filter((event) => event.data.region === region).map((event) => event.id));
      await expectEventually(() => expect(recorder.ids().filter((id) => ofRegion.has(id))).toHaveLength(ofRegion.size));
      expect(recorder.ids().filter((id) => ofRegion.has(id))).toEqual(committed.filter((id) => ofRegion.has(id)));
    }
  } finally {
    await relay.stop();
    await recorder.stop();
  }
}

describe('outbox relay against the real broker and PostgreSQL', () => {
  let bed: MessagingTestBed;
  let outbox: OutboxWriter;

  beforeAll(async () => {
    bed = await createMessagingTestBed('outbox-relay', [Topics.trafficSamples, Topics.regionSurges]);
    outbox = new OutboxWriter(TEST_SCHEMA);
  });

  afterAll(async () => {
    await bed?.close();
  });

  it('publishes what the transaction committed and nothing of what it rolled back', async () => {
    const kept = sample('IR', 1);
    const discarded = sample('IR', 2);
    await bed.dataSource.transaction((transaction) => outbox.add(transaction, kept));
    await expect(
      bed.dataSource.transaction(async (transaction) => {
        await outbox.add(transaction, discarded);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');

    const recorder = await recordIds(bed);
    const relay = relayFor(bed);
    relay.start();
    try {
      await expectEventually(() => expect(recorder.ids()).toContain(kept.id));
      // The row is marked only after the broker acknowledged it, so a consumer may see it first.
      await expectOutboxDrained(bed);
      expect(recorder.ids()).not.toContain(discarded.id);
    } finally {
      await relay.stop();
      await recorder.stop();
    }
  });

  it('keeps published rows for the retention period, then deletes them', async () => {
    const published = sample('IR', 4);
    await bed.dataSource.transaction((transaction) => outbox.add(transaction, published));
    const shortRetention = new OutboxRelay({ dataSource: bed.dataSource, publisher: bed.publisher, logger: silentLogger, pollIntervalMs: 50, retentionMs: 200 });
    const rowOf = async (eventId: string) => (await bed.dataSource.query('SELECT published_at FROM outbox_message WHERE event_id = $1', [eventId]))[0];

    shortRetention.start();
    try {
      await expectEventually(async () => expect((await rowOf(published.id))?.published_at).toBeInstanceOf(Date));
      // The row outlives its publication by the retention period, then goes at the next clean-up.
      await expectEventually(async () => expect(await rowOf(published.id)).toBeUndefined());
    } finally {
      await shortRetention.stop();
    }
  });

  it('publishes the events of one key in the order their transactions committed, whatever order they were inserted in', async () => {
    const first = sample('NP', 1);
    const second = sample('NP', 2);
    const elsewhere = sample('CL', 3);
    const early = bed.dataSource.createQueryRunner();
    const late = bed.dataSource.createQueryRunner();
    await Promise.all([early.connect(), late.connect()]);
    try {
      await early.startTransaction();
      await outbox.add(early.manager, first);
      // Another key is not held up by the open transaction.
      await bed.dataSource.transaction((transaction) => outbox.add(transaction, elsewhere));

      // `late` writes the same key after `early` but tries to commit first: it waits on the key lock
      // `early` holds, so `early` commits first. That lock order is the commit order the relay must
      // keep; not the order the two COMMITs are answered in, since PostgreSQL releases the locks
      // before it answers and a backend descheduled in between lets the other's answer come first
      // (seen once in CI, on a loaded machine).
      const [{ pid }] = await late.query('SELECT pg_backend_pid() AS pid');
      const lateWriter = (async () => {
        await late.startTransaction();
        await outbox.add(late.manager, second);
        await late.commitTransaction();
      })();
      await expectEventually(async () => {
        const [{ waiting }] = await bed.dataSource.query("SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'", [pid]);
        expect(waiting).toBe(1);
      });
      await early.commitTransaction();
      await lateWriter;
    } finally {
      await Promise.all([early.release(), late.release()]);
    }

    const recorder = await recordIds(bed);
    const relay = relayFor(bed);
    relay.start();
    try {
      await expectEventually(() => expect(recorder.ids().filter((id) => id === first.id || id === second.id)).toHaveLength(2));
      expect(recorder.ids().filter((id) => id === first.id || id === second.id)).toEqual([first.id, second.id]);
    } finally {
      await relay.stop();
      await recorder.stop();
    }
  });

  it('keeps commit order per key when many writers race on it while the relay publishes', async () => {
    const events = Array.from({ length: 12 }, (_, index) => sample('BT', index));
    const recorder = await recordIds(bed);
    const relay = relayFor(bed);
    relay.start();
    try {
      const committed = await raceWriters(bed, outbox, events.map((event) => [event]));
      const ids = new Set(events.map((event) => event.id));
      await expectEventually(() => expect(recorder.ids().filter((id) => ids.has(id))).toHaveLength(12));
      expect(recorder.ids().filter((id) => ids.has(id))).toEqual(committed);
    } finally {
      await relay.stop();
      await recorder.stop();
    }
  });

  it('keeps commit order per key when writers of several keys each race, without deadlocking on the keys', async () => {
    // Each transaction writes two keys, half of them in the opposite order: the writer locks them sorted, in one statement.
    const writes = Array.from({ length: 8 }, (_, index) => (index % 2 === 0 ? [sample('UY', index), sample('PY', index)] : [sample('PY', index), sample('UY', index)]));
    const committed = await raceWriters(bed, outbox, writes);
    await expectPublishedInCommitOrder(bed, writes, committed, ['UY', 'PY']);
  });

  it('keeps commit order per key when writers of more keys than it locks one by one race writers of one key', async () => {
    // A writer of many keys (a surge over many windows) takes the whole outbox's lock; the others still queue behind it per key.
    const many = (index: number) => [sample('SR', index), ...Array.from({ length: KEY_LOCKS_PER_CALL }, (_, key) => sample(`sr-wide-${key}`, index))];
    const writes = [[sample('SR', 0)], many(1), [sample('SR', 2)], many(3), [sample('SR', 4)], [sample('SR', 5)]];
    const committed = await raceWriters(bed, outbox, writes);
    await expectPublishedInCommitOrder(bed, writes, committed, ['SR', 'sr-wide-7']);
  });

  it('commits a transaction writing more keys than PostgreSQL can lock at once, holding one lock for the whole outbox', async () => {
    // PostgreSQL's shared lock table holds about 6,400 locks by default: 20,000 key locks once failed such a transaction ("out of shared memory").
    const events = Array.from({ length: 20_000 }, (_, index) => sample(`wide-${index}`, index));
    const probe = new Client({ connectionString: bed.database.url });
    await probe.connect();
    try {
      const held = await bed.dataSource.transaction(async (transaction) => {
        await outbox.addAll(transaction, events);
        const [{ pid }] = await transaction.query('SELECT pg_backend_pid() AS pid');
        const { rows } = await probe.query<{ locks: number }>("SELECT count(*)::int AS locks FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = $1", [pid]);
        return rows[0].locks;
      });
      expect(held).toBe(1);
      const [{ written }] = await bed.dataSource.query('SELECT count(*)::int AS written FROM outbox_message WHERE event_id = ANY($1::uuid[])', [events.map((event) => event.id)]);
      expect(written).toBe(20_000);
    } finally {
      await probe.end();
      // Not published: twenty thousand events would only slow the specs after this one.
      await bed.dataSource.query("DELETE FROM outbox_message WHERE message_key LIKE 'wide-%'");
    }
  });

  it('tells the local relay when a transaction that wrote rows commits, and not for a rollback or a transaction without rows', async () => {
    const writer = new OutboxWriter(TEST_SCHEMA);
    let commits = 0;
    writer.publishThrough({ isLeader: false, committed: () => commits++, committedAlone: () => undefined });
    await bed.dataSource.transaction((transaction) => transaction.query('SELECT 1'));
    await expect(
      bed.dataSource.transaction(async (transaction) => {
        await writer.add(transaction, sample('AR', 1));
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(commits).toBe(0);
    await bed.dataSource.transaction(async (transaction) => {
      await writer.add(transaction, sample('AR', 2));
      await writer.add(transaction, sample('AR', 3));
    });
    expect(commits).toBe(1);
  });

  it('notifies other processes only while the local relay does not lead', async () => {
    const local = { isLeader: true, committed: () => undefined, committedAlone: () => undefined };
    const writer = new OutboxWriter(TEST_SCHEMA);
    writer.publishThrough(local);
    const listener = new Client({ connectionString: bed.database.url });
    await listener.connect();
    let notifications = 0;
    listener.on('notification', () => notifications++);
    try {
      await listener.query(`LISTEN ${outboxChannel(TEST_SCHEMA)}`);
      await bed.dataSource.transaction((transaction) => writer.add(transaction, sample('BO', 1)));
      local.isLeader = false;
      await bed.dataSource.transaction((transaction) => writer.add(transaction, sample('BO', 2)));
      await expectEventually(() => expect(notifications).toBeGreaterThan(0));
      // Notifications arrive in commit order: one for the first write would have come before this round trip ends.
      await listener.query('SELECT 1');
      expect(notifications).toBe(1);
    } finally {
      await listener.end();
    }
  });

  it('publishes rows committed in its own process at once, without waiting for the notification or the poll', async () => {
    // No poll within the test, and a writer whose notification goes to a channel this relay does not listen on:
    // only the in-process call can wake it.
    const relay = new OutboxRelay({ dataSource: bed.dataSource, publisher: bed.publisher, logger: silentLogger, pollIntervalMs: 600_000 });
    const unheard = new OutboxWriter(`${TEST_SCHEMA}_elsewhere`);
    unheard.publishThrough(relay);
    const recorder = await recordIds(bed);
    relay.start();
    try {
      await expectEventually(() => expect(relay.isLeader).toBe(true));
      await expectOutboxDrained(bed);
      // The first call's row is handed over as committed; the second call sees it unpublished, so its row is read back by a round.
      const [alone, after] = [sample('UA', 1), sample('UA', 2)];
      await bed.dataSource.transaction(async (transaction) => {
        await unheard.add(transaction, alone);
        await unheard.add(transaction, after);
      });
      // Should a round read both before the first is handed over, the handed row goes again after them: a copy consumers drop.
      await expectEventually(() => expect([...new Set(recorder.ids().filter((id) => id === alone.id || id === after.id))]).toEqual([alone.id, after.id]));
    } finally {
      await relay.stop();
      await recorder.stop();
    }
  });

  it('hands a call its rows to send as they are only when no other row was unpublished once its keys were locked', async () => {
    const handed: { eventId: string; key: string; topic: string; value: string; type: string }[][] = [];
    let rounds = 0;
    const writer = new OutboxWriter(TEST_SCHEMA);
    writer.publishThrough({
      isLeader: true,
      committed: () => rounds++,
      committedAlone: (rows) => handed.push(rows.map((row) => ({ eventId: row.eventId, key: row.key, topic: row.topic, value: String(row.value), type: row.headers.ce_type }))),
    });
    await expectOutboxDrained(bed);
    const older = sample('GY', 1);
    // Written by another process's writer and not yet published (no relay runs in this test).
    await bed.dataSource.transaction((transaction) => new OutboxWriter(TEST_SCHEMA).add(transaction, older));
    const behind = sample('GY', 2);
    await bed.dataSource.transaction((transaction) => writer.add(transaction, behind));
    // Each committed call is told one way or the other: once it is, which way is settled.
    await expectEventually(() => expect(handed.length + rounds).toBe(1));
    expect([handed, rounds]).toEqual([[], 1]);

    await bed.dataSource.query('UPDATE outbox_message SET published_at = now() WHERE published_at IS NULL');
    const [first, second] = [sample('GY', 3), sample('SR', 4)];
    const many = Array.from({ length: 51 }, (_, index) => sample('GY', 100 + index));
    await bed.dataSource.transaction(async (transaction) => {
      await writer.add(transaction, first);
      await writer.add(transaction, second);
    });
    await expect(
      bed.dataSource.transaction(async (transaction) => {
        await writer.add(transaction, sample('GY', 5));
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    await bed.dataSource.query('UPDATE outbox_message SET published_at = now() WHERE published_at IS NULL');
    await bed.dataSource.transaction((transaction) => writer.addAll(transaction, many));
    await expectEventually(() => expect(handed.length + rounds).toBe(4));
    // The transaction's first call alone; its second saw the first's row; a rollback hands nothing; 51 events are over DIRECT_ROWS_PER_CALL.
    expect(handed).toEqual([[{ eventId: first.id, key: 'GY', topic: Topics.trafficSamples, value: JSON.stringify(first.data), type: 'traffic.sample' }]]);
    expect(rounds).toBe(3);
    await bed.dataSource.query('UPDATE outbox_message SET published_at = now() WHERE published_at IS NULL');
  });

  it('sends rows committed alone without a round to read them back, marks them, and keeps commit order per key when writers race on it', async () => {
    const metrics = new MetricsRegistry('outbox-direct-spec', false);
    const relay = new OutboxRelay({ dataSource: bed.dataSource, publisher: bed.publisher, logger: silentLogger, metrics, pollIntervalMs: 600_000 });
    let direct = 0;
    const writer = new OutboxWriter(TEST_SCHEMA);
    writer.publishThrough({
      get isLeader() {
        return relay.isLeader;
      },
      committed: () => relay.committed(),
      committedAlone: (rows) => {
        direct += rows.length;
        relay.committedAlone(rows);
      },
    });
    const rounds = async (step: string): Promise<number> =>
      ((await metrics.registry.getSingleMetric('holdfast_outbox_relay_seconds')!.get()).values.find((value) => value.labels.step === step && (value as { metricName?: string }).metricName?.endsWith('_count'))?.value ?? 0);
    const recorder = await recordIds(bed);
    // Committed before the relay starts (its notification unheard), so the leader's first round reads it: once that
    // round is counted, the relay is idle, and no round already under way can read the next row.
    const first = sample('EC', 0);
    await bed.dataSource.transaction((transaction) => outbox.add(transaction, first));
    relay.start();
    try {
      await expectEventually(async () => expect(await rounds('read')).toBe(1));
      await expectEventually(() => expect(recorder.ids()).toContain(first.id));
      await expectOutboxDrained(bed);
      const readsBefore = await rounds('read');
      const event = sample('EC', 1);
      await bed.dataSource.transaction((transaction) => writer.add(transaction, event));
      await expectEventually(() => expect(recorder.ids()).toContain(event.id));
      await expectOutboxDrained(bed);
      expect(direct).toBe(1);
      expect(await rounds('read')).toBe(readsBefore);
      expect(await rounds('send')).toBeGreaterThan(0);

      const events = Array.from({ length: 12 }, (_, index) => sample('EC', 10 + index));
      const committed = await raceWriters(bed, writer, events.map((one) => [one]));
      const ids = new Set(events.map((one) => one.id));
      await expectEventually(() => expect(new Set(recorder.ids().filter((id) => ids.has(id))).size).toBe(12));
      // A row handed over may also be read by a round woken by the same commit: the round sends it, the hand-over does not again.
      await expectOutboxDrained(bed);
      expect(recorder.ids().filter((id) => ids.has(id))).toEqual(committed);
      expect(direct).toBeGreaterThan(1);

      // A hand-over that comes after the round that read its row (its writer descheduled past the whole round) is dropped too.
      const late = sample('EC', 30);
      await bed.dataSource.transaction((transaction) => outbox.add(transaction, late));
      await expectEventually(() => expect(recorder.ids()).toContain(late.id));
      const record = encodeEvent(late);
      relay.committedAlone([{ eventId: late.id, eventType: late.type, topic: Topics.trafficSamples, key: record.key, headers: record.headers, value: record.value }]);
      const marker = sample('EC', 31);
      await bed.dataSource.transaction((transaction) => writer.add(transaction, marker));
      await expectEventually(() => expect(recorder.ids()).toContain(marker.id));
      expect(recorder.ids().filter((id) => id === late.id)).toHaveLength(1);
    } finally {
      await relay.stop();
      await recorder.stop();
    }
  });

  it('keeps a row over the message limit out of Kafka, marked refused with the reason, and publishes the rows after it', async () => {
    // The same key throughout: a row the broker refused on every retry would hold up every row behind it.
    const small = sample('LK', 1);
    const large = sampleEvent('LK', 2, 'x'.repeat(100));
    const after = sample('LK', 3);
    await bed.dataSource.transaction((transaction) => outbox.add(transaction, small, large, after));
    // Each row as the broker counts it: payload, key, headers and the record batch's framing.
    const rows: { event_id: string; message_key: string; headers: Record<string, string>; payload: string }[] = await bed.dataSource.query(
      'SELECT event_id, message_key, headers, payload::text AS payload FROM outbox_message WHERE event_id = ANY($1::uuid[])',
      [[small.id, large.id, after.id]],
    );
    const sizes = new Map(rows.map((row) => [row.event_id, messageBytes({ key: row.message_key, value: Buffer.from(row.payload), headers: row.headers })]));
    const payloadOfLarge = Buffer.byteLength(rows.find((row) => row.event_id === large.id)!.payload);
    const limit = Math.floor((sizes.get(small.id)! + sizes.get(large.id)!) / 2);
    expect(sizes.get(after.id)).toBeLessThanOrEqual(limit);
    const recorder = await recordIds(bed);
    const relay = new OutboxRelay({ dataSource: bed.dataSource, publisher: bed.publisher, logger: silentLogger, pollIntervalMs: 100, maxMessageBytes: limit });
    relay.start();
    try {
      await expectEventually(() => expect(recorder.ids()).toContain(after.id));
      await expectOutboxDrained(bed);
      expect(recorder.ids().filter((id) => [small.id, large.id, after.id].includes(id))).toEqual([small.id, after.id]);
      const [row] = await bed.dataSource.query('SELECT published_at, refused_at, refusal FROM outbox_message WHERE event_id = $1', [large.id]);
      expect(row.published_at).toBeNull();
      expect(row.refused_at).toBeInstanceOf(Date);
      expect(row.refusal).toBe(`it is ${sizes.get(large.id)} bytes with its key, headers and framing (a payload of ${payloadOfLarge}), over the ${limit}-byte message limit (KAFKA_MAX_MESSAGE_BYTES)`);
    } finally {
      await relay.stop();
      await recorder.stop();
    }
  });

  it('publishes a backlog whose batch is over the broker\'s 1 MiB limit for one send, in order', async () => {
    // 30 surges with the contract's most evidence, about 70 KB each, on one key: 2 MB for one partition, which the broker refuses as one record batch.
    const samples = Array.from({ length: 1_000 }, (_, index) => ({ at: new Date(Date.UTC(2026, 5, 15) + index * 60_000).toISOString(), value: 40_000 + index, expected: 10_000, zScore: 8.5 }));
    const example = EventExamples['surge.started'];
    const surges = Array.from({ length: 30 }, () =>
      createEvent('surge.started', { ...example, surgeId: randomUUID(), region: 'UZ', evidence: { ...example.evidence!, samples } }, { source: 'outbox-spec' }),
    );
    await bed.dataSource.transaction((transaction) => outbox.add(transaction, ...surges));
    const recorder = await recordTopic(bed.kafka, physicalTopic(bed.settings, Topics.regionSurges), `${bed.settings.topicPrefix}surge-recorder-${++recorders}`);
    const relay = relayFor(bed);
    relay.start();
    try {
      const ids = surges.map((surge) => surge.id);
      await expectEventually(() => expect(recorder.messages.map((message) => message.headers.ce_id)).toEqual(ids), { timeoutMs: 30_000 });
      await expectOutboxDrained(bed);
    } finally {
      await relay.stop();
      await recorder.stop();
    }
  });

  it('refuses to write outside a transaction, where the event could outlive a failed change', async () => {
    await expect(outbox.add(bed.dataSource.manager, sample('IR', 3))).rejects.toThrow(/open transaction/);
  });

  it('survives a relay killed between publish and mark: the event is published again and consumers apply it once', async () => {
    await bed.dataSource.query('DELETE FROM outbox_message');
    const events = [sample('DE', 10), sample('DE', 11), sample('FR', 12)];
    await bed.dataSource.transaction((transaction) => outbox.add(transaction, ...events));
    const recorder = await recordIds(bed);
    const applied = effectConsumer(bed, { group: 'crash-effects' });
    await applied.start();
    try {
      const crashed = await runCrashingRelay(bed);
      expect(crashed.signal).toBe('SIGKILL');
      expect(crashed.stdout).toContain(`published ${events.map((event) => event.id).join(',')}`);
      // Published but never marked: exactly the gap the crash fell into.
      const unmarked = await bed.dataSource.query('SELECT event_id FROM outbox_message WHERE published_at IS NULL ORDER BY id');
      expect(unmarked.map((row: { event_id: string }) => row.event_id)).toEqual(events.map((event) => event.id));
      await expectEventually(() => expect(recorder.ids().filter((id) => events.some((event) => event.id === id))).toHaveLength(3));

      const successor = relayFor(bed);
      successor.start();
      try {
        await expectOutboxDrained(bed);
      } finally {
        await successor.stop();
      }
      // Each event reached the broker twice, in the original order per key, and had one effect.
      await expectEventually(() => expect(recorder.ids().filter((id) => events.some((event) => event.id === id))).toHaveLength(6));
      const germany = recorder.ids().filter((id) => id === events[0].id || id === events[1].id);
      expect(germany).toEqual([events[0].id, events[1].id, events[0].id, events[1].id]);
      const ids = events.map((event) => event.id);
      await expectEventually(async () => expect(await effectCount(bed.dataSource, ids)).toBe(3));
      const [{ ledger }] = await bed.dataSource.query('SELECT count(*)::int AS ledger FROM processed_event WHERE event_id = ANY($1::uuid[])', [ids]);
      expect(ledger).toBe(3);
    } finally {
      await applied.stop();
      await recorder.stop();
    }
  });

  it('stops publishing once its lock session is killed, even when its client never hears of it', async () => {
    const relay = new OutboxRelay({ dataSource: bed.dataSource, publisher: bed.publisher, logger: silentLogger, pollIntervalMs: 100, roundTimeoutMs: 1_000 });
    relay.start();
    const recorder = await recordIds(bed);
    const standby = bed.dataSource.createQueryRunner();
    await standby.connect();
    let cutOff: Socket | undefined;
    try {
      await expectEventually(() => expect(relay.isLeader).toBe(true));
      // A network partition on the lock session: the client reads nothing more, so it never learns the session ended.
      cutOff = (relay as unknown as { leader: { connection: { stream: Socket } } }).leader.connection.stream;
      cutOff.pause();
      const [{ pid }] = await bed.dataSource.query(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
      );
      await bed.dataSource.query('SELECT pg_terminate_backend($1)', [pid]);
      // A standby takes the lock as soon as the session is gone: from then on, only the standby may publish.
      await expectEventually(async () => {
        const [{ locked }] = await standby.query("SELECT pg_try_advisory_lock(hashtext('holdfast-outbox-relay:' || current_schema())) AS locked");
        expect(locked).toBe(true);
      });
      const event = sample('PE', 1);
      await bed.dataSource.transaction((transaction) => outbox.add(transaction, event));
      await expectEventually(() => expect(relay.isLeader).toBe(false), { message: 'the cut-off relay gives up leadership when its next round times out' });
      const [{ published }] = await bed.dataSource.query('SELECT published_at IS NOT NULL AS published FROM outbox_message WHERE event_id = $1', [event.id]);
      expect(published).toBe(false);
      expect(recorder.ids()).not.toContain(event.id);
      // The standby lets go; the relay is elected again and publishes what waited.
      await standby.query("SELECT pg_advisory_unlock(hashtext('holdfast-outbox-relay:' || current_schema()))");
      await expectEventually(() => expect(recorder.ids()).toContain(event.id));
    } finally {
      cutOff?.destroy();
      await standby.query('SELECT pg_advisory_unlock_all()');
      await standby.release();
      await relay.stop();
      await recorder.stop();
    }
  });

  it('lets one relay lead per schema, so two replicas never publish out of order', async () => {
    const first = relayFor(bed);
    const second = relayFor(bed);
    first.start();
    await expectEventually(() => expect(first.isLeader).toBe(true));
    second.start();
    try {
      await bed.dataSource.transaction((transaction) => outbox.add(transaction, sample('JP', 1)));
      await expectOutboxDrained(bed);
      expect(second.isLeader).toBe(false);
      await first.stop();
      await expectEventually(() => expect(second.isLeader).toBe(true), { message: 'the standby takes over' });
    } finally {
      await first.stop();
      await second.stop();
    }
  });

  // Every replica reports holdfast_outbox_pending and the rules take the max: a count kept by a relay that lost
  // the lead would fire HoldfastOutboxStalled for rows the new leader published long ago.
  it('reports pending rows only while it leads: a relay that lost its lock session reports none', async () => {
    let answerSend!: () => void;
    const sendAnswered = new Promise<void>((resolveSend) => (answerSend = resolveSend));
    // Kafka not answering the first leader, so its round keeps the rows it counted.
    const unanswered = {
      send: async () => {
        await sendAnswered;
        throw new Error('the broker did not answer');
      },
    };
    const firstMetrics = new MetricsRegistry('outbox-first-replica-spec', false);
    const secondMetrics = new MetricsRegistry('outbox-second-replica-spec', false);
    const first = new OutboxRelay({ dataSource: bed.dataSource, publisher: unanswered, logger: silentLogger, metrics: firstMetrics, pollIntervalMs: 100 });
    const second = new OutboxRelay({ dataSource: bed.dataSource, publisher: bed.publisher, logger: silentLogger, metrics: secondMetrics, pollIntervalMs: 100 });
    const pending = async (metrics: MetricsRegistry) => (await metrics.registry.getSingleMetric('holdfast_outbox_pending')!.get()).values[0]?.value;
    first.start();
    await expectEventually(() => expect(first.isLeader).toBe(true));
    second.start();
    try {
      await bed.dataSource.transaction((transaction) => outbox.add(transaction, sample('KE', 1), sample('KE', 2)));
      await expectEventually(async () => expect(await pending(firstMetrics)).toBe(2));
      const [{ pid }] = await bed.dataSource.query(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
      );
      await bed.dataSource.query('SELECT pg_terminate_backend($1)', [pid]);
      await expectEventually(() => expect(second.isLeader).toBe(true), { message: 'the standby takes over' });
      await expectOutboxDrained(bed);
      await expectEventually(async () => expect(await pending(secondMetrics)).toBe(0));
      // Its round is still waiting on Kafka: the count goes as the lead does, not when the round ends.
      expect(first.isLeader).toBe(false);
      expect(await pending(firstMetrics)).toBe(0);
    } finally {
      answerSend();
      await first.stop();
      await second.stop();
    }
  });
});

function runCrashingRelay(bed: MessagingTestBed): Promise<{ signal: NodeJS.Signals | null; stdout: string }> {
  const child = spawn(
    process.execPath,
    [
      resolve(ROOT, 'node_modules/vite-node/vite-node.mjs'),
      '--config',
      resolve(ROOT, 'vitest.config.mts'),
      resolve(__dirname, 'crash-after-publish.fixture.ts'),
      bed.database.url,
      TEST_SCHEMA,
      bed.settings.brokers.join(','),
      bed.settings.topicPrefix,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`the crashing relay exited with code ${code} instead of killing itself:\n${stderr}`));
      else resolvePromise({ signal, stdout });
    });
  });
}
