import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, isWebhookSecret, webhookHeaders } from './webhook-signature';

const AT = new Date('2026-06-14T21:00:00Z');
const sign = (secret: string, content: string) => createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64')).update(content).digest('base64');

/** The receiver's check as README.md gives it: accept if one v1, entry equals the HMAC under the secret it holds. */
function receiverAccepts(secret: string, headers: Record<string, string>, body: string): boolean {
  const expected = createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64')).update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`).digest();
  return headers['webhook-signature'].split(' ').some((entry) => {
    const given = Buffer.from(entry.split(',')[1] ?? '', 'base64');
    return entry.startsWith('v1,') && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

describe('webhook signature', () => {
  it('signs id.timestamp.body with the base64-decoded secret', () => {
    const secret = generateWebhookSecret();
    const headers = webhookHeaders([secret], 'msg_1', AT, '{"a":1}');
    expect(headers).toEqual({ 'webhook-id': 'msg_1', 'webhook-timestamp': '1781470800', 'webhook-signature': `v1,${sign(secret, 'msg_1.1781470800.{"a":1}')}` });
  });

  it('signs with every secret of a rotation, the new one first, so a receiver holding either accepts and one holding neither does not', () => {
    const [rotatedTo, replaced, unrelated] = [generateWebhookSecret(), generateWebhookSecret(), generateWebhookSecret()];
    const headers = webhookHeaders([rotatedTo, replaced], 'msg_2', AT, '{"b":2}');
    expect(headers['webhook-signature']).toBe(`v1,${sign(rotatedTo, 'msg_2.1781470800.{"b":2}')} v1,${sign(replaced, 'msg_2.1781470800.{"b":2}')}`);
    expect(receiverAccepts(rotatedTo, headers, '{"b":2}')).toBe(true);
    expect(receiverAccepts(replaced, headers, '{"b":2}')).toBe(true);
    expect(receiverAccepts(unrelated, headers, '{"b":2}')).toBe(false);
    expect(receiverAccepts(replaced, headers, '{"b":3}')).toBe(false);
  });

  it('knows a well-formed secret', () => {
    expect(isWebhookSecret(generateWebhookSecret())).toBe(true);
    expect(isWebhookSecret('whsec_c2hvcnQ=')).toBe(false);
    expect(isWebhookSecret('secret')).toBe(false);
  });
});
