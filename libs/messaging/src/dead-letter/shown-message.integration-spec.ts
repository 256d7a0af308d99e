import { EventExamples, Topics } from '@holdfast/contracts';
import { expectEventually, produceOnce } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { physicalTopic } from '../kafka/kafka-settings';
import { createMessagingTestBed, effectConsumer, type MessagingTestBed } from '../testing/messaging-test-bed';
import { SHOWN_MESSAGE_COLUMNS, shownMessage, type ShownMessageRow } from './shown-message';

const REFUSAL = 'region NZ is not in the catalog yet';

const sample = (region: string, value: unknown) => ({ ...EventExamples['traffic.sample'], region, value, source: 'outside-pipeline' });

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
      const shown = async () => {
        const rows: (ShownMessageRow & { reason: string })[] = await bed.dataSource.query(`SELECT reason, ${SHOWN_MESSAGE_COLUMNS} FROM dead_letter ORDER BY "offset"`);
        return rows.map((row) => {
          const { eventId, source } = shownMessage(row);
          return { reason: row.reason, eventId, source };
        });
      };
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
