import { EventExamples, Topics } from '@holdfast/contracts';
import { expectEventually, produceOnce } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { physicalTopic } from '../kafka/kafka-settings';
import { createMessagingTestBed, effectConsumer, type MessagingTestBed } from '../testing/messaging-test-bed';
import { SHOWN_MESSAGE_COLUMNS, shownMessage, type ShownLetterRow } from './shown-message';

const REFUSAL = 'region NZ is not in the catalog yet';

const sample = (region: string, value: unknown) => ({ ...EventExamples['traffic.sample'], region, value, source: 'outside-pipeline' });

/** Each dead letter of the bed's consumers as a listing shows it, in log order. */
async function shownLetters(bed: MessagingTestBed) {
  const rows: (ShownLetterRow & { reason: string })[] = await bed.dataSource.query(`SELECT topic, reason, ${SHOWN_MESSAGE_COLUMNS} FROM dead_letter ORDER BY "offset"`);
  return rows.map((row) => {
    const { eventId, source } = shownMessage(row);
    return { reason: row.reason, eventId, source };
  });
}

/** A CloudEvents structured-mode message: its id and source in the body, no ce_ header. */
const structured = (id: string, event: Record<string, unknown>) => ({
  key: null,
  value: Buffer.from(JSON.stringify({ specversion: '1.0', id, source: 'rv-src', type: 'traffic.sample', ...event })),
  headers: { 'content-type': 'application/cloudevents+json' },
});

describe('dead-lettered CloudEvents structured-mode messages as a listing shows them, against the real broker and PostgreSQL', () => {
  let bed: MessagingTestBed;

  beforeAll(async () => {
    bed = await createMessagingTestBed('shown-message', [Topics.trafficSamples]);
  });

  afterAll(async () => {
    await bed?.close();
  });

  it('names each by the id and source in its body, whatever refused it', async () => {
    await produceOnce(bed.kafka, physicalTopic(bed.settings, Topics.trafficSamples), [
      structured('b64', { data_base64: Buffer.from(JSON.stringify(sample('AU', 1))).toString('base64') }),
      structured('lots', { data: sample('AU', 'lots') }),
      structured('nz', { data: sample('NZ', 3) }),
    ]);
    const consumer = effectConsumer(bed, {
      group: 'shown',
      batch: { beforeBatch: (events) => events.flatMap((event, index) => (event.data.region === 'NZ' ? [{ index, reason: REFUSAL }] : [])) },
    });
    await consumer.start();
    try {
      const shown = () => shownLetters(bed);
      await expectEventually(async () => expect(await shown()).toHaveLength(3), { message: 'the three messages dead-lettered' });
      expect(await shown()).toEqual([
        { reason: expect.stringContaining('event attribute data_base64: is not accepted'), eventId: 'b64', source: 'rv-src' },
        { reason: expect.stringContaining('value: must be a number'), eventId: 'lots', source: 'rv-src' },
        { reason: `refused by the handler: ${REFUSAL}`, eventId: 'nz', source: 'rv-src' },
      ]);
    } finally {
      await consumer.stop();
    }
  });
});

describe('dead-lettered bare JSON samples, and a binary-mode one without ce_source, as a listing shows them, against the real broker and PostgreSQL', () => {
  let bed: MessagingTestBed;

  beforeAll(async () => {
    bed = await createMessagingTestBed('shown-bare', [Topics.trafficSamples]);
  });

  afterAll(async () => {
    await bed?.close();
  });

  it("names each by the sample's own source, or kafka:<topic> when its body names none, whatever refused it, and a binary-mode one without ce_source by none", async () => {
    await produceOnce(bed.kafka, physicalTopic(bed.settings, Topics.trafficSamples), [
      { key: 'NZ', value: JSON.stringify(sample('NZ', 3)) },
      { key: 'au', value: JSON.stringify(sample('AU', 4)) },
      { key: 'AU', value: JSON.stringify({ ...sample('AU', 5), source: undefined }) },
      { key: 'AU', value: '{"region":"AU","source":"outside-pipeline"' },
      // Binary mode without its ce_source: the sample's source names no CloudEvents producer.
      { key: 'AU', value: JSON.stringify(sample('AU', 6)), headers: { ce_id: 'no-source', ce_specversion: '1.0', ce_type: 'traffic.sample' } },
    ]);
    const consumer = effectConsumer(bed, {
      group: 'shown-bare',
      batch: { beforeBatch: (events) => events.flatMap((event, index) => (event.data.region === 'NZ' ? [{ index, reason: REFUSAL }] : [])) },
    });
    await consumer.start();
    try {
      await expectEventually(async () => expect(await shownLetters(bed)).toHaveLength(5), { message: 'the five messages dead-lettered' });
      // Keyed apart, they sit in different partitions: in no order.
      expect(await shownLetters(bed)).toEqual(
        expect.arrayContaining([
          { reason: `refused by the handler: ${REFUSAL}`, eventId: null, source: 'outside-pipeline' },
          { reason: expect.stringContaining('message key "au" is wrong'), eventId: null, source: 'outside-pipeline' },
          { reason: expect.stringContaining('source: is required but missing'), eventId: null, source: 'kafka:traffic.samples.v1' },
          { reason: expect.stringContaining('message body is not JSON'), eventId: null, source: 'kafka:traffic.samples.v1' },
          { reason: expect.stringContaining('header ce_source'), eventId: 'no-source', source: null },
        ]),
      );
    } finally {
      await consumer.stop();
    }
  });
});
