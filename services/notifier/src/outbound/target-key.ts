import type { SubscriptionEntity } from '../subscriptions/subscription.entity';

/** scheme://host:port of a URL: the unit of per-target concurrency and circuit breaking. */
export const targetKeyOf = (url: string): string => {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.hostname}:${parsed.port || (parsed.protocol === 'https:' ? 443 : 80)}`;
};

/** The target key a subscription's deliveries go under: a Slack target is shown as its origin, which is also the host the sealed URL goes to. */
export const subscriptionTargetKey = (subscription: Pick<SubscriptionEntity, 'target'>): string => targetKeyOf(subscription.target.replace(/…$/, ''));
