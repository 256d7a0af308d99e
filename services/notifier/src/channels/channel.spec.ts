import { describe, expect, it } from 'vitest';
import { withoutReceiverBody } from './channel';

describe('withoutReceiverBody', () => {
  it("keeps the receiver and its status, and nothing of the body, even a body that reads like another error", () => {
    expect(withoutReceiverBody('webhook receiver answered 500: INTERNAL answered 200: more')).toBe('webhook receiver answered 500');
    expect(withoutReceiverBody('Grafana answered 403: {"message":"Permissions needed: annotations:write"}')).toBe('Grafana answered 403');
  });

  it('leaves an error that carries no body as it is', () => {
    for (const error of ['webhook receiver answered 502', 'Grafana created the annotation but returned no id', 'http://10.0.0.8:9093 answered 410 Gone at 2026-06-14T21:00:00.000Z (delivery d): the receiver takes no more deliveries.']) {
      expect(withoutReceiverBody(error)).toBe(error);
    }
  });
});
