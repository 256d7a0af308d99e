import { daysOutlivingTopics } from '@holdfast/messaging';
import { decimalVariable, unquotedVariables } from '@holdfast/observability';
import { CustomRegionsVariable, type CustomRegion } from '@holdfast/regions';
import type { CheckBetweenVariables } from '@holdfast/service-kit';
import { z } from 'zod';
import { AddressPolicy } from '../outbound/address-policy';

const milliseconds = (fallback: number) => decimalVariable({ whole: true, unit: 'milliseconds', min: 1 }).default(fallback);

/** The notifier's own variables, each with its documented default (README.md, Configuration). */
export const notifierEnvironment = {
  // base64 of 32 bytes; unset: a fixed development key (secrets are then only obfuscated at rest, and start-up warns), refused in production.
  NOTIFIER_SECRET_KEY: z
    .string()
    .optional()
    .refine((value) => value === undefined || Buffer.from(value, 'base64').length === 32, {
      error: 'must be 32 bytes in base64 (openssl rand -base64 32)',
    })
    .register(unquotedVariables, { instead: 'a secret, not shown' }),
  // The image sets production (deploy/docker/service.Dockerfile): there the development key, which anyone with the source has, is refused.
  NODE_ENV: z.string().optional(),
  // Where messages link a held window's page: <url>/calendar?window={id}, the planner's week page.
  // Its protocol named: z.url() alone takes localhost:3001, reading "localhost:" as the scheme.
  NOTIFIER_PLANNER_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL such as http://127.0.0.1:3001' }).default('http://127.0.0.1:3001'),
  // Comma-separated addresses, CIDR ranges or address:port pairs that outbound requests may reach although private or loopback.
  // Checked at boot with the other variables rather than when the outbound client is built.
  NOTIFIER_OUTBOUND_ALLOW: z
    .string()
    .default('')
    .superRefine((list, context) => {
      try {
        new AddressPolicy(list);
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message.replace(/^NOTIFIER_OUTBOUND_ALLOW /, '') });
      }
    }),
  NOTIFIER_DELIVERY_TIMEOUT_MS: milliseconds(5_000),
  // 140 attempts doubling from 1 s to the 15 min cap keep retrying about 24 h (16 to 33 h with jitter):
  // a receiver down for a redeploy or a night still gets every event, in order.
  NOTIFIER_DELIVERY_MAX_ATTEMPTS: decimalVariable({ whole: true, unit: 'attempts', min: 1, max: 1000 }).default(140),
  NOTIFIER_RETRY_BASE_MS: milliseconds(1_000),
  NOTIFIER_RETRY_MAX_MS: milliseconds(15 * 60_000),
  // A claimed delivery not finished by then (the process died) is claimed again; must exceed the timeout.
  NOTIFIER_DELIVERY_LEASE_MS: milliseconds(60_000),
  // What this replica's claims are stamped with, so that started again under it, it takes back what it left being sent before
  // their lease ends (DeliveryWorker, ReplicaClaims). Unset: hostname:PORT. One per live replica, the same across its restarts.
  NOTIFIER_REPLICA_ID: z
    .string()
    .regex(/^[\x21-\x7e]{1,200}$/, { error: 'must be 1 to 200 printable ASCII characters without spaces, such as notifier-0 or the pod name of a StatefulSet' })
    .optional(),
  NOTIFIER_WORKER_POLL_MS: milliseconds(500),
  // What subscriptions changed on other replicas left behind (circuit series, idle breakers) goes at this pace; this replica's own changes go at once.
  NOTIFIER_WORKER_SWEEP_MS: milliseconds(5_000),
  NOTIFIER_WORKER_CONCURRENCY: decimalVariable({ whole: true, unit: 'requests', min: 1 }).default(64),
  NOTIFIER_TARGET_CONCURRENCY: decimalVariable({ whole: true, unit: 'requests', min: 1 }).default(4),
  NOTIFIER_CIRCUIT_ERROR_PERCENT: decimalVariable({ unit: 'percent', min: 1, max: 100 }).default(50),
  NOTIFIER_CIRCUIT_VOLUME: decimalVariable({ whole: true, unit: 'requests', min: 1 }).default(10),
  NOTIFIER_CIRCUIT_RESET_MS: milliseconds(30_000),
  // Alerts are posted with endsAt this far ahead and re-posted at a third of it, so Alertmanager never lets them lapse.
  NOTIFIER_ALERT_TTL_MS: milliseconds(15 * 60_000),
  // A placement still in the topic (one no subscription wanted yet, read again) must find its hold's release.
  NOTIFIER_HOLD_RELEASE_RETENTION_DAYS: daysOutlivingTopics(14, ', or a late hold.placed could fire Alertmanager alerts its release no longer ends'),
  // Finished deliveries (delivered, dead, cancelled) are history and replayable this long after they finished, then pruned.
  NOTIFIER_DELIVERY_RETENTION_DAYS: daysOutlivingTopics(30, ': while its delivery is kept, an event read again from its topic is never sent twice'),
  HOLDFAST_CUSTOM_REGIONS: CustomRegionsVariable,
};

type NotifierEnvironment = z.infer<z.ZodObject<typeof notifierEnvironment>>;

export interface NotifierSettings {
  secretKey: Buffer | undefined;
  plannerUrl: string;
  outboundAllow: string;
  delivery: {
    timeoutMs: number;
    maxAttempts: number;
    retryBaseMs: number;
    retryMaxMs: number;
    leaseMs: number;
    pollMs: number;
    sweepMs: number;
    concurrency: number;
    targetConcurrency: number;
  };
  /** NOTIFIER_REPLICA_ID: the name this replica's claims carry; unset, the worker names it hostname:PORT. */
  replicaId: string | undefined;
  circuit: { errorPercent: number; volume: number; resetMs: number };
  alertTtlMs: number;
  /** How long a hold's release is remembered, counted from when it was consumed, once no placement of the hold is kept to be sent or replayed. */
  holdReleaseRetentionMs: number;
  /** How long a delivered, dead or cancelled delivery (with its attempts) is kept after it finished. */
  deliveryRetentionMs: number;
  customRegions: CustomRegion[];
}

/** The notifier's checks between its variables, made on those that read well and said with every other refusal. */
export const notifierChecks: CheckBetweenVariables<NotifierEnvironment>[] = [
  {
    reads: ['NOTIFIER_DELIVERY_LEASE_MS', 'NOTIFIER_DELIVERY_TIMEOUT_MS'],
    problems: ({ NOTIFIER_DELIVERY_LEASE_MS: lease, NOTIFIER_DELIVERY_TIMEOUT_MS: timeout }) =>
      lease > timeout ? [] : [{ variable: 'NOTIFIER_DELIVERY_LEASE_MS', message: `must be more than NOTIFIER_DELIVERY_TIMEOUT_MS="${timeout}", or a slow delivery would be claimed twice` }],
  },
  {
    reads: ['NOTIFIER_RETRY_BASE_MS', 'NOTIFIER_RETRY_MAX_MS'],
    problems: ({ NOTIFIER_RETRY_BASE_MS: base, NOTIFIER_RETRY_MAX_MS: max }) =>
      base <= max
        ? []
        : [
            {
              variable: 'NOTIFIER_RETRY_BASE_MS',
              message: `must be at most NOTIFIER_RETRY_MAX_MS="${max}", or the backoff would start above its cap and every retry wait the cap; lower NOTIFIER_RETRY_BASE_MS or raise NOTIFIER_RETRY_MAX_MS`,
            },
          ],
  },
  {
    reads: ['NODE_ENV', 'NOTIFIER_SECRET_KEY'],
    problems: ({ NODE_ENV: nodeEnv, NOTIFIER_SECRET_KEY: secretKey }) =>
      nodeEnv !== 'production' || secretKey !== undefined
        ? []
        : [
            {
              variable: 'NOTIFIER_SECRET_KEY',
              message:
                "must be set while NODE_ENV is production, or channel secrets would be sealed with the development key written in Holdfast's source, which opens them for anyone who reads the notifier's database. Set it to 32 random bytes in base64 (openssl rand -base64 32) and keep it: secrets sealed under one key cannot be opened with another",
            },
          ],
  },
];

/** The settings of an environment notifierChecks found nothing in. */
export function notifierSettings(env: NotifierEnvironment): NotifierSettings {
  return {
    secretKey: env.NOTIFIER_SECRET_KEY === undefined ? undefined : Buffer.from(env.NOTIFIER_SECRET_KEY, 'base64'),
    plannerUrl: env.NOTIFIER_PLANNER_URL.replace(/\/+$/, ''),
    outboundAllow: env.NOTIFIER_OUTBOUND_ALLOW,
    delivery: {
      timeoutMs: env.NOTIFIER_DELIVERY_TIMEOUT_MS,
      maxAttempts: env.NOTIFIER_DELIVERY_MAX_ATTEMPTS,
      retryBaseMs: env.NOTIFIER_RETRY_BASE_MS,
      retryMaxMs: env.NOTIFIER_RETRY_MAX_MS,
      leaseMs: env.NOTIFIER_DELIVERY_LEASE_MS,
      pollMs: env.NOTIFIER_WORKER_POLL_MS,
      sweepMs: env.NOTIFIER_WORKER_SWEEP_MS,
      concurrency: env.NOTIFIER_WORKER_CONCURRENCY,
      targetConcurrency: env.NOTIFIER_TARGET_CONCURRENCY,
    },
    replicaId: env.NOTIFIER_REPLICA_ID,
    circuit: { errorPercent: env.NOTIFIER_CIRCUIT_ERROR_PERCENT, volume: env.NOTIFIER_CIRCUIT_VOLUME, resetMs: env.NOTIFIER_CIRCUIT_RESET_MS },
    alertTtlMs: env.NOTIFIER_ALERT_TTL_MS,
    holdReleaseRetentionMs: env.NOTIFIER_HOLD_RELEASE_RETENTION_DAYS * 86_400_000,
    deliveryRetentionMs: env.NOTIFIER_DELIVERY_RETENTION_DAYS * 86_400_000,
    customRegions: env.HOLDFAST_CUSTOM_REGIONS,
  };
}
