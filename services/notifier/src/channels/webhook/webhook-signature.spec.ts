import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, isWebhookSecret, webhookHeaders } from './webhook-signature';

describe('webhook signature', () => {
  it('signs id.timestamp.body with the base64-decoded secret', () => {
    const secret = generateWebhookSecret();
    const headers = webhookHeaders(secret, 'msg_1', new Date('2026-06-14T21:00:00Z'), '{"a":1}');
    const expected = createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64')).update('msg_1.1781470800.{"a":1}').digest('base64');
    expect(headers).toEqual({ 'webhook-id': 'msg_1', 'webhook-timestamp': '1781470800', 'webhook-signature': `v1,${expected}` });
  });

  it('knows a well-formed secret', () => {
    expect(isWebhookSecret(generateWebhookSecret())).toBe(true);
    expect(isWebhookSecret('whsec_c2hvcnQ=')).toBe(false);
    expect(isWebhookSecret('secret')).toBe(false);
  });
});
