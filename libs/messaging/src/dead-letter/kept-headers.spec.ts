import { describe, expect, it } from 'vitest';
import type { IHeaders } from 'kafkajs';
import { recordBytes } from '../kafka/event-publisher';
import { headersToSend, keptHeaders, presentHeaders, storableText } from './kept-headers';

describe('headers a dead letter keeps', () => {
  it('leaves out a header sent with a null value (Kafka allows one), in what is kept and what goes out again', () => {
    const headers = { ce_type: Buffer.from('traffic.sample'), 'x-tenant': null, 'x-hop': [Buffer.from('edge'), null] } as unknown as IHeaders;
    expect(keptHeaders(headers)).toEqual({ ce_type: 'traffic.sample', 'x-hop': ['edge'] });
    const present = presentHeaders(headers);
    expect(present).toEqual({ ce_type: Buffer.from('traffic.sample'), 'x-hop': [Buffer.from('edge')] });
    expect(recordBytes({ key: null, value: Buffer.from('{}'), headers: headers as never })).toBeGreaterThan(recordBytes({ key: null, value: Buffer.from('{}'), headers: {} }));
  });

  it('keeps UTF-8 values as text and anything else as base64, and sends the same bytes again', () => {
    const binary = Buffer.from([0xc3, 0x28, 0xff]);
    const withNul = Buffer.from('acme\0eu');
    const kept = keptHeaders({ ce_type: Buffer.from('traffic.sample'), 'x-schema': binary, 'x-tenant': withNul, 'x-hop': [Buffer.from('edge'), Buffer.from([0x80])], gone: undefined });
    expect(kept).toEqual({
      ce_type: 'traffic.sample',
      'x-schema': { base64: binary.toString('base64') },
      'x-tenant': { base64: withNul.toString('base64') },
      'x-hop': ['edge', { base64: 'gA==' }],
    });
    // Through jsonb and back: PostgreSQL stores what JSON.stringify writes.
    const sent = headersToSend(JSON.parse(JSON.stringify(kept)));
    expect(Buffer.from(sent.ce_type as string)).toEqual(Buffer.from('traffic.sample'));
    expect(sent['x-schema']).toEqual(binary);
    expect(sent['x-tenant']).toEqual(withNul);
    expect(sent['x-hop']).toEqual(['edge', Buffer.from([0x80])]);
  });

  it('reads headers kept as text before values were kept as bytes', () => {
    expect(headersToSend({ ce_id: '0193a0de-0000-7000-8000-000000000001', ce_type: 'traffic.sample' })).toEqual({ ce_id: '0193a0de-0000-7000-8000-000000000001', ce_type: 'traffic.sample' });
  });

  it('shows a NUL in text as U+FFFD, as PostgreSQL text cannot hold it, and leaves other text alone', () => {
    expect(storableText('bad\0id')).toBe('bad\uFFFDid');
    expect(storableText('région')).toBe('région');
  });
});
