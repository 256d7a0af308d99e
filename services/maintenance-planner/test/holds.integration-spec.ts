import { createEvent, deadLetterTopicOf, encodeEvent, Topics, type HoldfastEvent } from '@holdfast/contracts';
import { createKafka, EventPublisher, physicalTopic, silentLogger, type KafkaSettings } from '@holdfast/messaging';
import type { Kafka } from 'kafkajs';
import { expectEventually, produceOnce, recordTopic, startServiceUnderTest, type ServiceUnderTest, type TopicRecorder } from '@holdfast/testing';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { plannerService } from '../src/app.module';
import { HoldsService } from '../src/holds/holds.service';

interface HoldView {
  id: string;
  regions: string[];
  source: string;
  causeId: string;
  from: string;
  until: string | null;
}

function surgeStarted(region: string, surgeId = uuidv7()): HoldfastEvent<'surge.started'> {
  return createEvent(
    'surge.started',
    {
      surgeId,
      region,
      metric: 'requests',
      source: 'detector',
      severity: 'major',
      startedAt: '2026-06-14T21:00:00Z',
      detectedAt: '2026-06-14T21:00:05Z',
      expectedEndAt: '2026-06-15T03:00:00Z',
      evidence: { observed: 5_000, baseline: 1_000, score: 5 },
      reason: `requests in ${region} surged`,
    },
    { source: 'planner-spec', subject: region },
  );
}

describe('maintenance-planner: holds from surges, against the real broker and PostgreSQL', () => {
  let service: ServiceUnderTest;
  let publisher: EventPublisher;
  let holdEvents: TopicRecorder;
  let surgeDeadLetters: TopicRecorder;
  let client: Kafka;
  let kafkaSettings: KafkaSettings;

  /** A surge message that breaks the contract, sent behind others on its region's partition: its dead letter says they were all consumed. */
  const deadLetterSentinel = async (region: string): Promise<string> => {
    const sentinel = encodeEvent(surgeStarted(region));
    await produceOnce(client, physicalTopic(kafkaSettings, Topics.regionSurges), [{ key: sentinel.key, value: Buffer.from('a sentinel, not JSON'), headers: sentinel.headers }]);
    return sentinel.headers.ce_id;
  };

  const holdsFor = async (surgeId: string): Promise<HoldView[]> => {
    const { items } = (await (await service.fetch(`/v1/holds`)).json()) as { items: HoldView[] };
    return items.filter((hold) => hold.causeId === surgeId);
  };

  beforeAll(async () => {
    service = await startServiceUnderTest(plannerService);
    const { kafka } = service.config;
    kafkaSettings = kafka;
    client = createKafka(kafka, silentLogger);
    publisher = new EventPublisher(client, kafka);
    await publisher.connect();
    holdEvents = await recordTopic(client, physicalTopic(kafka, Topics.maintenanceHolds), `${kafka.topicPrefix}hold-reader`);
    surgeDeadLetters = await recordTopic(client, physicalTopic(kafka, deadLetterTopicOf(Topics.regionSurges)), `${kafka.topicPrefix}surge-dlq-reader`);
  });

  afterAll(async () => {
    await holdEvents?.stop();
    await surgeDeadLetters?.stop();
    await publisher?.disconnect();
    await service?.close();
  });

  it('places one hold for a surge, whatever the redelivery, and publishes hold.placed once', async () => {
    const surge = surgeStarted('IR');
    const republished = surgeStarted('IR', surge.data.surgeId);
    // The same event twice (a redelivery) and the same surge under a new event id (a retried publish).
    await publisher.publish(surge, surge, republished);
    const [hold] = await expectEventually(async () => {
      const holds = await holdsFor(surge.data.surgeId);
      expect(holds).toHaveLength(1);
      return holds;
    });
    expect(hold).toMatchObject({ regions: ['IR'], source: 'detector', from: '2026-06-14T21:00:00.000Z', until: '2026-06-15T03:00:00.000Z' });

    // Same region, so same partition: once this one is held, everything before it was consumed.
    const sentinel = surgeStarted('IR');
    await publisher.publish(sentinel);
    await expectEventually(async () => expect(await holdsFor(sentinel.data.surgeId)).toHaveLength(1));
    const causes = [surge.data.surgeId, sentinel.data.surgeId];
    const placedFor = () => holdEvents.messages.filter((message) => message.headers.ce_type === 'hold.placed' && causes.includes(JSON.parse(message.value).causeId));
    await expectEventually(() => expect(placedFor()).toHaveLength(2));
    const placed = placedFor().find((message) => JSON.parse(message.value).causeId === surge.data.surgeId)!;
    expect(placed.key).toBe('IR');
    expect(placed.headers.ce_correlationid).toBe(surge.correlationid);
    expect(placed.headers.ce_causationid).toBe(surge.id);
    expect(JSON.parse(placed.value)).toMatchObject({ holdId: hold.id, regions: ['IR'], source: 'detector', windowIds: [] });

    // The ledger dropped the copy (a second hold would have failed on the unique cause and gone to the dead-letter topic).
    const metrics = await (await service.fetch(`/metrics`)).text();
    expect(metrics).toMatch(/holdfast_events_consumed_total\{[^}]*type="surge\.started"[^}]*outcome="duplicate"[^}]*\} 1\b/);
    const letter = await deadLetterSentinel('IR');
    await expectEventually(() => expect(surgeDeadLetters.messages.map((message) => message.headers.ce_id)).toContain(letter));
    expect(surgeDeadLetters.messages.map((message) => message.headers.ce_id).filter((id) => [surge.id, republished.id].includes(id))).toEqual([]);
  });

  it('writes the placement to the audit log with the event that caused it', async () => {
    const surge = surgeStarted('DE');
    await publisher.publish(surge);
    const [hold] = await expectEventually(async () => {
      const holds = await holdsFor(surge.data.surgeId);
      expect(holds).toHaveLength(1);
      return holds;
    });
    const dataSource = service.app.get(DataSource);
    const audit = await dataSource.query('SELECT action, actor, cause_event_id FROM audit_entry WHERE subject_id = $1', [hold.id]);
    expect(audit).toEqual([{ action: 'placed', actor: `surge:${surge.data.surgeId}`, cause_event_id: surge.id }]);
  });

  it('lists only holds still in force with ?active=true, only released ones with ?active=false, and refuses a malformed flag', async () => {
    const surge = surgeStarted('KE');
    await publisher.publish(surge);
    const [hold] = await expectEventually(async () => {
      const holds = await holdsFor(surge.data.surgeId);
      expect(holds).toHaveLength(1);
      return holds;
    });
    const placed = await service.fetch('/v1/holds', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ regions: ['KE'], from: new Date().toISOString(), until: new Date(Date.now() + 86_400_000).toISOString(), reason: 'Exams in KE' }),
    });
    expect(placed.status).toBe(201);
    const { id: releasedId } = (await placed.json()) as HoldView;
    const release = await service.fetch(`/v1/holds/${releasedId}/release`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'exams moved' }) });
    expect(release.status).toBe(200);
    const listed = async (active: string) => ((await (await service.fetch(`/v1/holds?region=KE&active=${active}`)).json()) as { items: HoldView[] }).items.map((item) => item.id);
    const active = await listed('true');
    expect(active).toContain(hold.id);
    expect(active).not.toContain(releasedId);
    const released = await listed('false');
    expect(released).toContain(releasedId);
    expect(released).not.toContain(hold.id);
    const bad = await service.fetch(`/v1/holds?active=perhaps`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(await bad.json()).toMatchObject({ code: 'invalid-query', errors: [{ path: 'active', message: 'must be one of true, false' }] });
  });

  it('places a hold, its links, audit rows and events once; placing the same cause again links and announces nothing', async () => {
    const startsAt = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 3_600_000);
    const response = await service.fetch('/v1/windows', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Patch NO', ownerTeam: 'platform', footprint: { global: false, regions: ['NO'] }, startsAt, endsAt: new Date(startsAt.getTime() + 3_600_000), plannedZone: 'UTC' }),
    });
    expect(response.status).toBe(201);
    const { id: windowId } = (await response.json()) as { id: string };
    const holds = service.app.get(HoldsService);
    const db = service.app.get(DataSource);
    const placement = { source: 'manual' as const, causeId: uuidv7(), regions: ['NO'], reason: 'Elections in NO', from: new Date(), until: new Date(Date.now() + 86_400_000), placedBy: 'spec' };

    const first = await db.transaction((tx) => holds.place(tx, placement));
    const again = await db.transaction((tx) => holds.place(tx, placement));

    expect(first).not.toBeNull();
    expect(again).toBeNull();
    expect(await db.query('SELECT hold_id, number, kind FROM hold_occurrence WHERE window_id = $1', [windowId])).toEqual([{ hold_id: first!.id, number: 1, kind: 'held' }]);
    const events = (await db.query(`SELECT event_type, message_key FROM outbox_message WHERE payload->>'holdId' = $1 ORDER BY id`, [first!.id])) as { event_type: string; message_key: string }[];
    expect(events).toEqual([
      { event_type: 'hold.placed', message_key: 'NO' },
      { event_type: 'window.held', message_key: windowId },
    ]);
    const audit = (await db.query(`SELECT subject_type, subject_id, action FROM audit_entry WHERE subject_id IN ($1, $2) AND action IN ('placed', 'held') ORDER BY subject_type`, [first!.id, windowId])) as object[];
    expect(audit).toEqual([
      { subject_type: 'hold', subject_id: first!.id, action: 'placed' },
      { subject_type: 'window', subject_id: windowId, action: 'held' },
    ]);
  });

  it('gives a hold its version as a strong ETag, and releases it only at a version If-Match names', async () => {
    const release = (id: string, ifMatch: string) =>
      service.fetch(`/v1/holds/${id}/release`, { method: 'POST', headers: { 'content-type': 'application/json', 'if-match': ifMatch }, body: JSON.stringify({ reason: 'the vote was moved' }) });
    const placed = await service.fetch('/v1/holds', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ regions: ['GH'], from: new Date().toISOString(), until: new Date(Date.now() + 86_400_000).toISOString(), reason: 'Election in GH' }),
    });
    // Express's body hash (W/"...") was the ETag here, which no If-Match could name.
    expect([placed.status, placed.headers.get('etag')]).toEqual([201, '"1"']);
    const { id, version } = (await placed.json()) as HoldView & { version: number };
    expect(version).toBe(1);
    expect((await service.fetch(`/v1/holds/${id}`)).headers.get('etag')).toBe('"1"');

    const ahead = await release(id, '"2"');
    expect([ahead.status, ahead.headers.get('etag')]).toEqual([412, null]);
    expect(await ahead.json()).toMatchObject({
      code: 'precondition-failed',
      currentVersion: 1,
      detail: `Hold ${id} is at version 1 (ETag "1"), not "2" as If-Match says: read it again (GET /v1/holds/${id}) for its new ETag, then release it if it should still be.`,
    });
    expect(await (await service.fetch(`/v1/holds/${id}`)).json()).toMatchObject({ active: true, version: 1 });

    const released = await release(id, '"1"');
    expect([released.status, released.headers.get('etag')]).toEqual([200, '"2"']);
    expect(await released.json()).toMatchObject({ active: false, releaseReason: 'the vote was moved', version: 2 });
    // Released since the client read it: its tag is stale (412); with the released one's, or *, it is the 409 of a hold released.
    expect(await (await release(id, '"1"')).json()).toMatchObject({ status: 412, code: 'precondition-failed', currentVersion: 2 });
    expect(await (await release(id, '"2"')).json()).toMatchObject({ status: 409, code: 'hold-released' });
    expect(await (await release(id, '*')).json()).toMatchObject({ status: 409, code: 'hold-released' });

    // A page has no version of its own, and a refusal is no resource: neither is tagged.
    expect((await service.fetch('/v1/holds?region=GH')).headers.get('etag')).toBeNull();
    const refused = await service.fetch('/v1/holds', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ regions: ['GH'], from: '2026-01-01T00:00:00Z', until: '2026-01-02T00:00:00Z', reason: 'Over already' }),
    });
    expect([refused.status, refused.headers.get('etag')]).toEqual([422, null]);
  });

  it("bumps a hold's version with every change to what it shows, whoever makes it, and with nothing else", async () => {
    const holds = service.app.get(HoldsService);
    const db = service.app.get(DataSource);
    const surgeId = uuidv7();
    const hold = (await db.transaction((tx) => holds.place(tx, { source: 'detector', causeId: surgeId, regions: ['BF'], reason: 'requests in BF surged', from: new Date(), until: null })))!;
    const tagOf = async () => (await service.fetch(`/v1/holds/${hold.id}`)).headers.get('etag');
    expect(await tagOf()).toBe('"1"');

    // The planner's own bookkeeping (how far the sweep has held it ahead) is no change to the hold.
    await db.query(`UPDATE hold SET covered_until = covered_until + interval '1 hour' WHERE id = $1`, [hold.id]);
    expect(await tagOf()).toBe('"1"');
    // Its surge cleared: the release is due after the cool-down, which the hold shows.
    await db.transaction((tx) => holds.scheduleRelease(tx, hold, { clearedAt: new Date(), reason: 'requests back to normal', eventId: uuidv7() }));
    expect(await tagOf()).toBe('"2"');

    const stale = await service.fetch(`/v1/holds/${hold.id}/release`, { method: 'POST', headers: { 'content-type': 'application/json', 'if-match': '"1"' }, body: JSON.stringify({ reason: 'done' }) });
    expect(await stale.json()).toMatchObject({ status: 412, code: 'precondition-failed', currentVersion: 2 });
    const released = await service.fetch(`/v1/holds/${hold.id}/release`, { method: 'POST', headers: { 'content-type': 'application/json', 'if-match': '*' }, body: JSON.stringify({ reason: 'done' }) });
    expect([released.status, released.headers.get('etag')]).toEqual([200, '"3"']);
  });

  it('holds a release to If-Match again under the hold\'s lock: a change between the read and the release is a 412, and releases nothing', async () => {
    const holds = service.app.get(HoldsService);
    const db = service.app.get(DataSource);
    const hold = (await db.transaction((tx) => holds.place(tx, { source: 'detector', causeId: uuidv7(), regions: ['ML'], reason: 'requests in ML surged', from: new Date(), until: null })))!;
    const read = holds.get.bind(holds);
    // The surge clears just after the release read the hold at version 1, before its transaction locks it.
    const clearedMeanwhile = vi.spyOn(holds, 'get').mockImplementationOnce(async (id) => {
      const seen = await read(id);
      await db.transaction((tx) => holds.scheduleRelease(tx, seen, { clearedAt: new Date(), reason: 'requests back to normal', eventId: uuidv7() }));
      return seen;
    });
    try {
      const raced = await service.fetch(`/v1/holds/${hold.id}/release`, { method: 'POST', headers: { 'content-type': 'application/json', 'if-match': '"1"' }, body: JSON.stringify({ reason: 'done' }) });
      expect(await raced.json()).toMatchObject({ status: 412, code: 'precondition-failed', currentVersion: 2 });
    } finally {
      clearedMeanwhile.mockRestore();
    }
    expect(await (await service.fetch(`/v1/holds/${hold.id}`)).json()).toMatchObject({ active: true, version: 2 });
  });
});
