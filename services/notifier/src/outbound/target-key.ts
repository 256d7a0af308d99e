import type { SubscriptionEntity } from '../subscriptions/subscription.entity';

/** scheme://host:port of a URL: the unit of per-target concurrency and circuit breaking. */
export const targetKeyOf = (url: string): string => {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.hostname}:${parsed.port || (parsed.protocol === 'https:' ? 443 : 80)}`;
};

/**
 * The target key a subscription's deliveries go under: its receiver's scheme://host:port. A Slack
 * subscription is a target of its own under its host (its target is shown as that origin, which is
 * also the host the sealed URL goes to): every Slack webhook shares hooks.slack.com, while Slack
 * limits and refuses each webhook alone, so one channel answering 429 would have opened the circuit,
 * and used the share, of every team's Slack messages.
 */
export const subscriptionTargetKey = (subscription: Pick<SubscriptionEntity, 'id' | 'channel' | 'target'>): string => {
  const origin = targetKeyOf(subscription.target.replace(/…$/, ''));
  return subscription.channel === 'slack' ? `${origin} (Slack subscription ${subscription.id})` : origin;
};
