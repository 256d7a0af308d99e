import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { vi } from 'vitest';
import { WebhookChannel } from '../../src/channels/webhook/webhook.channel';
import { STILL_SENDING } from '../../src/subscriptions/subscriptions.service';

/**
 * Holds the webhook send of one subscription's deliveries once the worker has read the
 * subscription, until `proceed()`: a change committed meanwhile finds a send under way that read
 * it before. `stillSendingChecks()` counts how often a change of the subscription has since looked
 * whether that send is finished, so a spec waits on the service, not on a clock.
 */
export function holdWebhookSends(app: INestApplicationContext, subscriptionId: string) {
  const webhook = app.get(WebhookChannel);
  const send = webhook.send.bind(webhook);
  let proceed!: () => void;
  const released = new Promise<void>((resolve) => (proceed = resolve));
  let sendingBegun!: () => void;
  const begun = new Promise<void>((resolve) => (sendingBegun = resolve));
  webhook.send = async (request) => {
    if (request.subscription.id === subscriptionId) {
      sendingBegun();
      await released;
    }
    return send(request);
  };
  const queries = vi.spyOn(app.get(DataSource), 'query');
  return {
    begun,
    proceed: () => proceed(),
    stillSendingChecks: () => queries.mock.calls.filter(([sql]) => sql === STILL_SENDING).length,
    restore: () => {
      proceed();
      webhook.send = send;
      queries.mockRestore();
    },
  };
}
