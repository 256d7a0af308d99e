import { CliError, ExitCode, MissingInputError, UsageError } from '../cli-io';
import type { operations as AnalyzerOperations } from '../client/generated/analyzer';
import type { components as NotifierComponents, operations as NotifierOperations } from '../client/generated/notifier';
import type { operations as PlannerOperations } from '../client/generated/planner';
import { expectOk, problemText, reach, shownOnceBefore, type FieldFlags } from '../client/holdfast-api';
import { bodyFrom, firstArgument, flagOneOf, idArgument, idFlag, list as listed, printJson, requiredFlags, requiredText, secretText, text, type Command, type CommandContext } from '../command';
import { formatDuration, parseDuration } from '../duration';
import { SLOW_REQUEST_TIMEOUT } from '../settings';
import { localTime, timeHere, utcTime, type ZoneOf } from '../output/local-times';
import { regionZones } from '../output/region-zones';
import { fields, table } from '../output/table';
import { noteMore, readPages, type Page } from '../pages';

type SurgeQuery = NonNullable<AnalyzerOperations['SurgesController_list']['parameters']['query']>;
type DeliveryWait = NotifierComponents['schemas']['DeliveryWait'];
type DeliveryQuery = NonNullable<NotifierOperations['DeliveriesController_list']['parameters']['query']>;
type SecretRotation = NonNullable<NotifierOperations['SubscriptionsController_rotateSecret']['requestBody']>['content']['application/json'];
// The file is the API's body as the notifier documents it: typed as that, the notifier checks it.
type SubscriptionBody = NotifierOperations['SubscriptionsController_create']['requestBody']['content']['application/json'];
type SubscriptionChange = NotifierOperations['SubscriptionsController_update']['requestBody']['content']['application/json'];
type KeyScopes = PlannerOperations['KeysController_create']['requestBody']['content']['application/json']['scopes'];

interface SurgeView {
  id: string;
  region: string;
  metric: string | null;
  source: string;
  status: string;
  severity?: string;
  reason?: string | null;
  startedAt: string;
  expectedEndAt?: string | null;
  clearedAt: string | null;
  clearedReason?: string | null;
  evidence?: unknown;
}

interface SubscriptionView {
  id: string;
  channel: string;
  target: string;
  ownerTeam: string;
  filters: { eventTypes: string[]; regions: string[]; teams: string[]; windowIds: string[] };
  enabled: boolean;
  /** Set when the notifier turned it off itself: its receiver answered 410 Gone. */
  disabledReason: string | null;
  description: string | null;
  hasSecret: boolean;
  /** While a rotation's overlap lasts: the last end of those of `previousSecrets`. */
  previousSecretUntil?: string | null;
  /** When each secret rotations replaced stops signing deliveries beside the current one, newest rotation first (at most 3). */
  previousSecrets?: { until: string }[];
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

interface KeyView {
  keyId: string;
  team: string;
  name?: string;
  scopes: string[];
  createdAt: string;
  revokedAt: string | null;
}

interface DeliveryView {
  id: string;
  subscriptionId: string;
  channel: string;
  eventType: string;
  status: string;
  /** scheme://host:port of its target. */
  targetKey: string;
  /** Attempts since it was recorded or last replayed. */
  attempts: number;
  lastError: string | null;
  recordedAt: string;
  deliveredAt: string | null;
  attemptLog: AttemptView[];
  /** What holds a pending delivery past its due time: its target's circuit, or an earlier delivery of its key, until when. */
  waitingOn?: DeliveryWait | null;
}

/**
 * What holds a delivery, as its status says it: to the second, since a circuit resets and a lease ends within a minute (30
 * and 60 seconds by default). Undefined for a cause a later notifier adds, whose delivery then reads as its status alone.
 */
function waitOf(wait: DeliveryWait): string | undefined {
  const at = `${wait.nextTryAt.slice(11, 19)} UTC`;
  switch (wait.cause) {
    case 'open-circuit':
      return `circuit open, next try ${at}`;
    case 'circuit-probe':
      return `circuit probe out, answer by ${at}`;
    case 'earlier-delivery':
      return `waits for delivery ${wait.deliveryId}: ${wait.deliveryStatus === 'sending' ? `sending, lease ends ${at}` : `pending, next try ${at}`}`;
  }
}

/** A delivery's status, with what holds it when something does (a waiting delivery otherwise reads as one about to go). */
const statusOf = (delivery: DeliveryView): string => {
  const said = delivery.waitingOn && waitOf(delivery.waitingOn);
  return said ? `${delivery.status} (${said})` : delivery.status;
};

// The notifier words turning a subscription on for HTTP, in why it turned one off and in the error of each delivery that waits for it.
const TURN_ON_OVER_HTTP = /PATCH (?:\/v1\/subscriptions\/\S+ )?\{"enabled": ?true\}/g;

/** The notifier's words with the command that turns the subscription on where they name the HTTP call. */
const turnOnInCliWords = (text: string, subscriptionId: string): string => text.replace(TURN_ON_OVER_HTTP, `holdfast subscriptions update ${subscriptionId} --enabled true`);

const lastErrorOf = ({ lastError, subscriptionId }: DeliveryView): string => (lastError === null ? '-' : turnOnInCliWords(lastError, subscriptionId));

interface AttemptView {
  number: number;
  startedAt: string;
  durationMs: number;
  /** Absent when no response came (timeout, refused connection, refused address). */
  statusCode: number | null;
  error: string | null;
  outcome: 'delivered' | 'retry' | 'dead';
}

// Every value the list takes, no more: each Record fails to compile when the service's document adds or drops one.
/**
 * The key id argument. A whole key given instead is refused here, before the secret travels in a
 * URL (and into proxies' logs) or into the error printed back, naming the id to give instead.
 */
function keyIdArgument(context: CommandContext): string {
  const given = firstArgument(context, 'key id');
  const wholeKey = /^hf_([0-9a-f]{16})_./.exec(given);
  if (wholeKey) throw new UsageError(`that is the whole key, secret included: give only its id, ${wholeKey[1]} (holdfast keys list shows ids)`);
  // The planner takes a key's id or its prefix, as the key list shows both.
  if (!/^(?:hf_)?[0-9a-f]{16}$/.test(given)) throw new UsageError(`${JSON.stringify(given)} is not a key id: a key id is 16 lower-case hex digits, such as 3f9a1c0e5b7d2a48, or its prefix hf_3f9a1c0e5b7d2a48 (holdfast keys list shows them)`);
  return given;
}

const SURGE_STATUSES = Object.keys({ active: true, cleared: true } satisfies Record<NonNullable<SurgeQuery['status']>, true>) as NonNullable<SurgeQuery['status']>[];
const SURGE_SOURCES = Object.keys({ detector: true, alert: true, declaration: true } satisfies Record<NonNullable<SurgeQuery['source']>, true>) as NonNullable<SurgeQuery['source']>[];
const DELIVERY_STATUSES = Object.keys({ pending: true, sending: true, delivered: true, dead: true, cancelled: true } satisfies Record<NonNullable<DeliveryQuery['status']>, true>) as NonNullable<
  DeliveryQuery['status']
>[];

type ReplayStatus = 'dead' | 'delivered';
const REPLAYABLE: readonly ReplayStatus[] = ['dead', 'delivered'];

/** The flag that sets each field of a subscription change, named beside the field when the notifier refuses it. */
const SUBSCRIPTION_FIELD_FLAGS = { enabled: '--enabled', target: '--target', secret: '--secret', description: '--description' } as const satisfies FieldFlags;
const CREATION_FIELD_FLAGS = { secret: '--secret' } as const satisfies FieldFlags;
const ROTATION_FIELD_FLAGS = { secret: '--secret', overlapHours: '--overlap' } as const satisfies FieldFlags;

const HOUR_MS = 3_600_000;
/** The notifier's longest overlap (MAX_SECRET_OVERLAP_HOURS): a leaked secret should not keep signing for long. */
const MAX_OVERLAP_HOURS = 168;

/** The notifier's MAX_PREVIOUS_SECRETS: replaced secrets signing beside the current one at once, each adding a signature to every delivery. */
const MAX_REPLACED_SECRETS = 3;

/** Why a secret is better piped in: what is written on the command line, others read. */
const SECRET_ON_COMMAND_LINE = '--secret whsec_... works too, but ps and the shell\'s history show it';

// The worker is woken when the test is recorded and tries it within milliseconds; a receiver may take up to NOTIFIER_DELIVERY_TIMEOUT_MS (5 s).
const TEST_POLL_MS = 200;


/**
 * Whether an active surge's expected end has passed: an estimate, which the analyzer does not retract when it can no
 * longer make one, so the surge goes on past it until it clears.
 */
const endPassed = (surge: SurgeView, now: number) => surge.status === 'active' && !!surge.expectedEndAt && Date.parse(surge.expectedEndAt) < now;

const surgeRow = (zoneOf: ZoneOf, now: number) => (surge: SurgeView) => {
  const zone = zoneOf(surge.region);
  const status = endPassed(surge, now) ? `${surge.status} (expected end passed)` : surge.status;
  return [surge.id, surge.region, surge.source, status, surge.reason ?? surge.metric ?? '-', utcTime(surge.startedAt), localTime(surge.startedAt, zone), surge.clearedAt ? utcTime(surge.clearedAt) : '-'];
};

/** When each replaced secret stops signing, newest first; a notifier older than `previousSecrets` gives only the last end. */
const replacedSecretEnds = ({ previousSecrets, previousSecretUntil }: SubscriptionView): string[] =>
  previousSecrets?.map(({ until }) => until) ?? (previousSecretUntil ? [previousSecretUntil] : []);

/** "2026-06-15 20:00 UTC (2026-06-15 23:30 Asia/Tehran (+03:30) here)": an instant that belongs to no region, in UTC and in this machine's zone. */
const utcAndHere = (instant: string, env: CommandContext['io']['env']) => `${utcTime(instant)} (${timeHere(instant, env)})`;

/** The replaced secrets still signing, newest first, as `show` names them: each rotation replaced the one before. */
const REPLACED_SECRETS = ['the one it replaced', 'the one before it', 'the one before that'];

const stateOf = (subscription: SubscriptionView) => (subscription.disabledReason ? 'disabled (receiver gone: 410)' : subscription.enabled ? 'enabled' : 'disabled');

/** "event types: hold.placed" per filter that narrows what it is sent; none narrows, everything is. */
const filterLines = ({ eventTypes, regions, teams, windowIds }: SubscriptionView['filters']) => {
  const lines = Object.entries({ 'event types': eventTypes, regions, teams, windows: windowIds })
    .filter(([, values]) => values.length > 0)
    .map(([name, values]) => `${name}: ${values.join(', ')}`);
  return lines.length ? lines : ['none: every event its channel sends'];
};

function showSubscription(context: CommandContext, subscription: SubscriptionView): void {
  if (context.json) return printJson(context.io, subscription);
  context.io.out(
    fields([
      ['subscription', subscription.id],
      ['channel', subscription.channel],
      ['team', subscription.ownerTeam],
      ['target', subscription.target],
      ['state', stateOf(subscription)],
      ...(subscription.disabledReason ? [['why', turnOnInCliWords(subscription.disabledReason, subscription.id)] as [string, string]] : []),
      ['description', subscription.description ?? '-'],
      [
        'secret',
        [
          subscription.hasSecret ? 'set (never shown)' : 'none',
          ...replacedSecretEnds(subscription).map((until, index) => `${REPLACED_SECRETS[Math.min(index, REPLACED_SECRETS.length - 1)]} also signs until ${utcAndHere(until, context.io.env)}`),
        ],
      ],
      ['filters', filterLines(subscription.filters)],
      ['created', `${utcTime(subscription.createdAt)} by ${subscription.createdBy}`],
      ['updated', utcTime(subscription.updatedAt)],
    ]),
  );
}

// A delivery in one of these is tried no more: one settled unsent (its subscription turned off) has no attempt to wait for.
const SETTLED = ['delivered', 'dead', 'cancelled'];

/** The delivery once the worker has tried or settled it (or as it is at `deadline`), with every attempt. */
async function firstTry(context: CommandContext, id: string, deadline: number): Promise<DeliveryView> {
  for (;;) {
    const delivery = expectOk<DeliveryView>(await reach(() => context.api.notifier.GET('/v1/deliveries/{id}', { params: { path: { id } } }), 'notifier'));
    if (delivery.attemptLog.length > 0 || SETTLED.includes(delivery.status) || context.io.now() >= deadline) return delivery;
    await context.io.sleep(TEST_POLL_MS);
  }
}

const HTTP_GONE = 410;

const OUTCOMES: Record<AttemptView['outcome'], (delivery: DeliveryView, attempt: AttemptView) => string> = {
  delivered: () => 'delivered',
  retry: () => 'not taken; the notifier tries again',
  // A 410 also turns the subscription off; turning it on sends what the receiver refused with 410, this delivery included, so no replay.
  dead: ({ id, subscriptionId }, { statusCode }) =>
    statusCode === HTTP_GONE
      ? `dead: the receiver answered 410 Gone, so the notifier turned subscription ${subscriptionId} off; once it takes deliveries again, holdfast subscriptions update ${subscriptionId} --enabled true sends them, this one included`
      : `dead: not tried again (holdfast deliveries replay ${id} sends it once the receiver is fixed)`,
};

const list = (name: string, item: string) => async (context: CommandContext, body: { items: unknown[] }, render: (items: unknown[]) => string) => {
  if (context.json) return printJson(context.io, body);
  context.io.out(body.items.length ? render(body.items) : `no ${name}${item}\n`);
};

/** A surge with its evidence, in UTC and its region's local time: what `surges show` and `surges clear` print. */
async function showSurge(context: CommandContext, surge: SurgeView): Promise<void> {
  if (context.json) return printJson(context.io, surge);
  const zone = (await regionZones(context.api))(surge.region);
  context.io.out(
    fields([
      ['surge', surge.id],
      ['region', `${surge.region} (${zone})`],
      ['source', surge.source],
      ['status', surge.status],
      ['why', surge.reason ?? surge.metric ?? '-'],
      ['started', `${utcTime(surge.startedAt)}; ${localTime(surge.startedAt, zone)}`],
      ['expected end', surge.expectedEndAt ? `${utcTime(surge.expectedEndAt)}; ${localTime(surge.expectedEndAt, zone)}${endPassed(surge, context.io.now()) ? ' (passed; the surge goes on)' : ''}` : '-'],
      ['cleared', surge.clearedAt ? `${utcTime(surge.clearedAt)}${surge.clearedReason ? `: ${surge.clearedReason}` : ''}` : '-'],
      ['evidence', surge.evidence ? JSON.stringify(surge.evidence) : '-'],
    ]),
  );
}

export const analyzerNotifierCommands: Command[] = [
  {
    name: 'surges list',
    usage: `holdfast surges [list] [--region IR] [--status ${SURGE_STATUSES.join('|')}] [--source ${SURGE_SOURCES.join('|')}] [--limit 50]`,
    summary: 'surges the impact-analyzer decided, newest first, with local start time per region (the latest 500, or --limit N)',
    options: { region: { type: 'string' }, status: { type: 'string' }, source: { type: 'string' }, limit: { type: 'string' } },
    async run(context) {
      const query = { region: text(context.values, 'region'), status: flagOneOf(context.values, 'status', SURGE_STATUSES), source: flagOneOf(context.values, 'source', SURGE_SOURCES) };
      const body = await readPages(context, { pageMax: 500, shown: 500 }, async (page) =>
        expectOk<Page<SurgeView>>(await reach(() => context.api.analyzer.GET('/v1/surges', { params: { query: { ...query, ...page } } }), 'impact-analyzer')),
      );
      const zoneOf = context.json ? undefined : await regionZones(context.api);
      await list('surges', '')(context, body, (items) =>
        table(['SURGE', 'REGION', 'SOURCE', 'STATUS', 'WHY', 'STARTED (UTC)', 'STARTED (REGION LOCAL)', 'CLEARED (UTC)'], (items as SurgeView[]).map(surgeRow(zoneOf!, context.io.now()))),
      );
      noteMore(context, body, 'surges');
    },
  },
  {
    name: 'surges show',
    argument: 'ID',
    usage: 'holdfast surges show ID',
    summary: 'one surge with its evidence',
    async run(context) {
      const id = idArgument(context, 'surge');
      await showSurge(context, expectOk<SurgeView>(await reach(() => context.api.analyzer.GET('/v1/surges/{id}', { params: { path: { id } } }), 'impact-analyzer')));
    },
  },
  {
    name: 'surges clear',
    argument: 'ID',
    usage: 'holdfast surges clear ID --reason TEXT',
    summary: "clear by hand a surge nothing will clear (an alert whose resolved was lost); its hold is released after the cool-down",
    options: { reason: { type: 'string' } },
    async run(context) {
      const id = idArgument(context, 'surge');
      const body = { reason: requiredText(context, 'reason') };
      await showSurge(context, expectOk<SurgeView>(await reach(() => context.api.analyzer.POST('/v1/surges/{id}/clear', { params: { path: { id } }, body }), 'impact-analyzer')));
    },
  },
  {
    name: 'subscriptions list',
    usage: 'holdfast subscriptions [list] [--team T] [--limit 50]',
    summary: 'where the notifier tells people and dashboards, oldest first (the first 100, or --limit N)',
    options: { team: { type: 'string' }, limit: { type: 'string' } },
    async run(context) {
      const ownerTeam = text(context.values, 'team');
      const body = await readPages(context, { pageMax: 1000, shown: 100 }, async (page) =>
        expectOk<Page<SubscriptionView>>(await reach(() => context.api.notifier.GET('/v1/subscriptions', { params: { query: { ownerTeam, ...page } } }), 'notifier')),
      );
      await list('subscriptions', '')(context, body, (items) =>
        table(['SUBSCRIPTION', 'CHANNEL', 'TEAM', 'TARGET', 'STATE'], (items as SubscriptionView[]).map((s) => [s.id, s.channel, s.ownerTeam, s.target, stateOf(s)])),
      );
      noteMore(context, body, 'subscriptions');
    },
  },
  {
    name: 'subscriptions create',
    usage: 'holdfast subscriptions create --file subscription.yaml [--secret -]',
    summary: `subscribe a webhook, Slack, Grafana or Alertmanager channel (the body as the notifier documents it); its secret or token in the file, or with --secret - from standard input (${SECRET_ON_COMMAND_LINE})`,
    options: { file: { type: 'string', short: 'f' }, secret: { type: 'string' } },
    async run(context) {
      requiredText(context, 'file');
      const secret = await secretText(context.values, context.io, 'secret', 'secret');
      const body = bodyFrom(context.values, context.io.readFile, 'subscription', { secret }) as SubscriptionBody;
      const answer = await reach(() => context.api.notifier.POST('/v1/subscriptions', { body }), 'notifier');
      const generated = body.channel === 'webhook' && body.secret === undefined;
      const secretLost = generated
        ? `the signing secret the notifier generated was shown in that answer only: if it was not stored, holdfast subscriptions rotate-secret ID (its id) gives it a new one`
        : 'its secret or token is the one given (a Slack channel has none), so nothing shown then is lost and there is nothing to rotate';
      const before = shownOnceBefore(answer, `holdfast subscriptions list --team ${body.ownerTeam} lists the subscription it made; ${secretLost}`);
      if (before) throw before;
      const created = expectOk<SubscriptionView & { secret?: string }>(answer, CREATION_FIELD_FLAGS);
      if (context.json) return printJson(context.io, created);
      context.io.out(`subscribed: ${created.id} (${created.channel} for ${created.ownerTeam})\n`);
      // The notifier answers with the secret, the one given or a webhook's it generated, this once. Only a generated one is
      // printed, as nowhere else to be had; a credential given (a Grafana or Alertmanager token) is its owner's already.
      if (created.channel !== 'webhook') return;
      if (body.secret !== undefined) context.io.out(`signing secret: the one given (not shown); holdfast subscriptions rotate-secret ${created.id} gives a new one\n`);
      else if (created.secret) context.io.out(`secret: ${created.secret}\n  shown this once: keep it where the receiver verifies signatures; holdfast subscriptions rotate-secret ${created.id} gives a new one if it is lost\n`);
    },
  },
  {
    name: 'subscriptions show',
    argument: 'ID',
    usage: 'holdfast subscriptions show ID',
    summary: 'one subscription: its target, filters, and whether it is on (and why not)',
    async run(context) {
      const id = idArgument(context, 'subscription');
      showSubscription(context, expectOk<SubscriptionView>(await reach(() => context.api.notifier.GET('/v1/subscriptions/{id}', { params: { path: { id } } }), 'notifier')));
    },
  },
  {
    name: 'subscriptions update',
    argument: 'ID',
    usage: 'holdfast subscriptions update ID [--enabled true|false] [--target URL|-] [--secret -] [--description TEXT] [--file changes.yaml]',
    summary: `change a subscription from flags or a YAML/JSON file (flags override the file); --enabled true turns on one the notifier turned off when its receiver answered 410; --secret - reads its new secret or token from standard input (a webhook's replaces every signing secret at once, those a rotation kept signing too: for a leaked one; rotate-secret lets the old one sign a while), --target - its target (a Slack incoming-webhook URL is its credential; ${SECRET_ON_COMMAND_LINE})`,
    options: { file: { type: 'string', short: 'f' }, enabled: { type: 'string' }, target: { type: 'string' }, secret: { type: 'string' }, description: { type: 'string' } },
    async run(context) {
      const id = idArgument(context, 'subscription');
      const enabled = flagOneOf(context.values, 'enabled', ['true', 'false']);
      const body = bodyFrom(context.values, context.io.readFile, 'subscription change', {
        enabled: enabled === undefined ? undefined : enabled === 'true',
        target: await secretText(context.values, context.io, 'target', 'target'),
        secret: await secretText(context.values, context.io, 'secret', 'secret'),
        description: text(context.values, 'description'),
      }) as SubscriptionChange;
      if (Object.keys(body).length === 0) throw new MissingInputError('give what to change: --enabled true|false, --target URL, --secret -, --description TEXT or --file changes.yaml');
      const updated = expectOk<SubscriptionView>(await reach(() => context.api.notifier.PATCH('/v1/subscriptions/{id}', { params: { path: { id } }, body }), 'notifier'), SUBSCRIPTION_FIELD_FLAGS);
      showSubscription(context, updated);
      // The notifier drops every secret a rotation kept: a receiver still on one of them fails verification from now on.
      if (body.secret !== undefined && updated.channel === 'webhook' && !context.json) context.io.out('signing secret replaced at once: deliveries carry the new signature only, so every receiver needs the new secret now\n');
      // Turned on, what waited for it goes out on its own; deliveries that died of another failure still wait for a replay.
      if (body.enabled === true && !context.json) {
        context.io.out(`what waited while it was off (and any delivery its receiver refused with 410) is sent now, in order; deliveries that died of another failure wait for holdfast deliveries replay --subscription ${id}\n`);
      }
    },
  },
  {
    name: 'subscriptions rotate-secret',
    argument: 'ID',
    usage: 'holdfast subscriptions rotate-secret ID [--overlap 24h] [--secret -]',
    summary: `give a webhook subscription a new signing secret (shown once; generated unless --secret - reads one from standard input: ${SECRET_ON_COMMAND_LINE}); deliveries carry the old one's signature too for --overlap (default 24h, at most ${MAX_OVERLAP_HOURS}h), as those earlier rotations replaced until their own ends (at most ${MAX_REPLACED_SECRETS} at once; one more exits 1 saying when the first ends); --overlap 0 replaces them all at once`,
    options: { overlap: { type: 'string' }, secret: { type: 'string' } },
    async run(context) {
      const id = idArgument(context, 'subscription');
      const overlap = text(context.values, 'overlap');
      const overlapHours = overlap === undefined ? undefined : parseDuration(overlap, 'overlap') / HOUR_MS;
      if (overlapHours !== undefined && overlapHours > MAX_OVERLAP_HOURS) {
        throw new CliError(`--overlap must be at most ${MAX_OVERLAP_HOURS}h (a week), not ${overlap}: a receiver that needs longer is better given the new secret first`, ExitCode.usage);
      }
      // A field not given is left to the notifier: it generates the secret and keeps the old one 24 hours.
      const secret = await secretText(context.values, context.io, 'secret', 'secret');
      const body: SecretRotation = { ...(overlapHours === undefined ? {} : { overlapHours }), ...(secret === undefined ? {} : { secret }) };
      const answer = await reach(() => context.api.notifier.POST('/v1/subscriptions/{id}/secret/rotate', { params: { path: { id } }, body }), 'notifier');
      const before = shownOnceBefore(answer, `the secret it made signs now; if it was not stored, run holdfast subscriptions rotate-secret ${id} with another --idempotency-key (or HOLDFAST_IDEMPOTENCY_KEY) for a new one`);
      if (before) throw before;
      const refusal = answer.body as { code?: string; firstOverlapEndsAt?: string } | undefined;
      if (answer.response.status === 422 && refusal?.code === 'secret-not-rotatable') {
        throw new CliError(`${problemText(answer)}\n  with the CLI: holdfast subscriptions update ${id} --target - (Slack: its new incoming-webhook URL) or --secret - (its new token), read from standard input`);
      }
      if (answer.response.status === 409 && refusal?.code === 'too-many-signing-secrets') {
        const firstEnds = refusal.firstOverlapEndsAt ? `at ${utcAndHere(refusal.firstOverlapEndsAt, context.io.env)}` : `when its overlap ends (holdfast subscriptions show ${id} says when)`;
        throw new CliError(
          `${problemText(answer)}\n  with the CLI: the first of them stops signing ${firstEnds}; rotate again after then, or now with --overlap 0, which replaces every secret at once (as for a leaked one): receivers not yet on the new secret then fail verification until they take it`,
        );
      }
      const rotated = expectOk<SubscriptionView & { secret: string }>(answer, ROTATION_FIELD_FLAGS);
      if (context.json) return printJson(context.io, rotated);
      // Newest first: the one this rotation replaced, then those earlier rotations replaced, each signing until its own end.
      const [replaced, ...earlier] = replacedSecretEnds(rotated);
      context.io.out(
        fields([
          ['subscription', `${rotated.id} (${rotated.channel} for ${rotated.ownerTeam}, ${rotated.target})`],
          ['new secret', [rotated.secret, 'shown this once: give it to the receiver, which verifies signatures with it']],
          [
            'old secret',
            replaced
              ? [`signs deliveries beside the new one until ${utcTime(replaced)}`, `(${timeHere(replaced, context.io.env)}): the receiver should take the new one by then`]
              : 'replaced at once: deliveries carry the new signature only',
          ],
          ...(earlier.length ? [['earlier ones', ['replaced by earlier rotations, each signs too until its own overlap ends:', ...earlier.map((until) => utcAndHere(until, context.io.env))]] as [string, string[]]] : []),
        ]),
      );
    },
  },
  {
    name: 'subscriptions test',
    argument: 'ID',
    usage: 'holdfast subscriptions test ID [--timeout 30s]',
    summary: 'send a test message (notifier.test) through the worker and print what the receiver answered; exit 1 when it did not take it',
    options: { timeout: { type: 'string' } },
    async run(context) {
      const id = idArgument(context, 'subscription');
      const timeoutMs = parseDuration(text(context.values, 'timeout') ?? '30s', 'timeout');
      const { deliveryId } = expectOk<{ deliveryId: string }>(await reach(() => context.api.notifier.POST('/v1/subscriptions/{id}/test', { params: { path: { id } } }), 'notifier'));
      const delivery = await firstTry(context, deliveryId, context.io.now() + timeoutMs);
      const attempt = delivery.attemptLog.at(-1);
      if (!attempt && SETTLED.includes(delivery.status)) throw new CliError(`test delivery ${deliveryId} is ${delivery.status}, never tried: ${delivery.lastError ?? 'the notifier gave no reason'}`);
      if (!attempt) throw new CliError(`test delivery ${deliveryId} was not tried within ${formatDuration(timeoutMs)} (it is ${statusOf(delivery)}); holdfast deliveries --subscription ${id} shows it when it is`);
      const taken = attempt.outcome === 'delivered';
      if (context.json) printJson(context.io, delivery);
      else {
        // The delivery names its target key, an origin (a Slack one with its subscription): the target is said as show says it,
        // or as that key when the subscription cannot be read now (deleted since), which leaves what the receiver answered said.
        const read = await reach(() => context.api.notifier.GET('/v1/subscriptions/{id}', { params: { path: { id } } }), 'notifier');
        const target = read.response.ok && typeof read.body === 'object' ? (read.body as SubscriptionView).target : delivery.targetKey;
        context.io.out(
          fields([
            ['test delivery', delivery.id],
            ['sent', `${utcTime(attempt.startedAt)} to ${target}`],
            ['answer', attempt.statusCode === null ? `none after ${attempt.durationMs} ms` : `${attempt.statusCode} in ${attempt.durationMs} ms`],
            ['error', attempt.error ?? '-'],
            ['outcome', OUTCOMES[attempt.outcome](delivery, attempt)],
          ]),
        );
      }
      return taken ? ExitCode.ok : ExitCode.error;
    },
  },
  {
    name: 'subscriptions delete',
    argument: 'ID',
    usage: 'holdfast subscriptions delete ID',
    summary: 'stop a subscription',
    async run(context) {
      const id = idArgument(context, 'subscription');
      const body = expectOk(await reach(() => context.api.notifier.DELETE('/v1/subscriptions/{id}', { params: { path: { id } } }), 'notifier'));
      if (context.json) return printJson(context.io, body ?? {});
      context.io.out(`deleted subscription ${id}\n`);
    },
  },
  {
    name: 'deliveries list',
    usage: `holdfast deliveries [list] [--status ${DELIVERY_STATUSES.join('|')}] [--subscription ID] [--limit 50]`,
    summary: 'what the notifier sent, to whom, and how it went, newest first (the latest 100, or --limit N)',
    options: { status: { type: 'string' }, subscription: { type: 'string' }, limit: { type: 'string' } },
    async run(context) {
      const query = { status: flagOneOf(context.values, 'status', DELIVERY_STATUSES), subscriptionId: idFlag(context.values, 'subscription', 'subscription') };
      const body = await readPages(context, { pageMax: 1000, shown: 100 }, async (page) =>
        expectOk<Page<DeliveryView>>(await reach(() => context.api.notifier.GET('/v1/deliveries', { params: { query: { ...query, ...page } } }), 'notifier')),
      );
      await list('deliveries', '')(context, body, (items) =>
        table(
          ['DELIVERY', 'SUBSCRIPTION', 'EVENT', 'CHANNEL', 'STATUS', 'ATTEMPTS', 'RECORDED (UTC)', 'LAST ERROR'],
          (items as DeliveryView[]).map((d) => [d.id, d.subscriptionId, d.eventType, d.channel, statusOf(d), String(d.attempts), utcTime(d.recordedAt), lastErrorOf(d)]),
        ),
      );
      noteMore(context, body, 'deliveries');
    },
  },
  {
    name: 'deliveries replay',
    argument: 'ID',
    usage: 'holdfast deliveries replay (ID | --dead [--subscription ID] | --subscription ID [--status dead|delivered])',
    summary: 'send deliveries again with a fresh attempt budget: one by its id (dead or delivered), every dead one, or those of one subscription; says how many',
    options: { dead: { type: 'boolean' }, subscription: { type: 'string' }, status: { type: 'string' } },
    actsOn: ['dead', 'subscription', 'status'],
    // Every dead delivery is requeued in one statement: after a long outage of a receiver, a backlog whose size sets the wait.
    requestTimeout: SLOW_REQUEST_TIMEOUT,
    async run(context) {
      const id = context.positionals[0] === undefined ? undefined : idArgument(context, 'delivery');
      const subscriptionId = idFlag(context.values, 'subscription', 'subscription');
      const status = flagOneOf(context.values, 'status', REPLAYABLE);
      const dead = Boolean(context.values.dead);
      if (id && (dead || subscriptionId || status)) throw new CliError('give a delivery ID, or --dead / --subscription ID, not both', ExitCode.usage);
      if (id) {
        const body = expectOk(await reach(() => context.api.notifier.POST('/v1/deliveries/{id}/replay', { params: { path: { id } } }), 'notifier'));
        if (context.json) return printJson(context.io, body ?? {});
        context.io.out(`replaying delivery ${id}\n`);
        return;
      }
      // Every delivered one of every subscription is not a replay anyone means: delivered ones go by subscription.
      if (!dead && !subscriptionId) {
        throw new MissingInputError('name what to replay: a delivery ID, --dead (every dead delivery) or --subscription ID (its dead deliveries; its delivered ones with --status delivered)');
      }
      if (dead && status === 'delivered') throw new CliError('--dead replays dead deliveries: replay delivered ones with --subscription ID --status delivered', ExitCode.usage);
      const body = { status: status ?? 'dead', ...(subscriptionId ? { subscriptionId } : {}) };
      const answer = expectOk<{ replayed: number }>(await reach(() => context.api.notifier.POST('/v1/deliveries/replay', { body }), 'notifier'));
      // The notifier leaves a subscription turned off out of a replay (the worker would settle its deliveries unsent):
      // "none to replay" would hide those listed dead for it.
      if (answer.replayed === 0 && subscriptionId) {
        const subscription = expectOk<SubscriptionView>(await reach(() => context.api.notifier.GET('/v1/subscriptions/{id}', { params: { path: { id: subscriptionId } } }), 'notifier'));
        if (!subscription.enabled) {
          const by = subscription.disabledReason ? ` by the notifier, its receiver having answered 410 Gone (holdfast subscriptions show ${subscriptionId} says when)` : '';
          throw new CliError(
            `subscription ${subscriptionId} is turned off${by}, and a replay leaves its deliveries out: holdfast subscriptions update ${subscriptionId} --enabled true turns it on, which sends what waited while it was off and what died on its receiver's 410; this replay then sends what died otherwise`,
          );
        }
      }
      if (context.json) return printJson(context.io, answer);
      const what = `${body.status} deliver${answer.replayed === 1 ? 'y' : 'ies'}${subscriptionId ? ` of subscription ${subscriptionId}` : ''}`;
      context.io.out(answer.replayed === 0 ? `no ${what} to replay\n` : `replaying ${answer.replayed} ${what}\n`);
    },
  },
  {
    name: 'keys create',
    usage: 'holdfast keys create --team T --scopes read,windows:write --name ci',
    summary: 'issue a team key (shown once)',
    options: { team: { type: 'string' }, scopes: { type: 'string' }, name: { type: 'string' } },
    async run(context) {
      const given = requiredFlags({ team: text(context.values, 'team'), scopes: listed(context.values, 'scopes'), name: text(context.values, 'name') });
      const { team, name } = given;
      const scopes = given.scopes as KeyScopes;
      const answer = await reach(() => context.api.planner.POST('/v1/keys', { body: { team, scopes, name } }), 'maintenance-planner');
      const before = shownOnceBefore(
        answer,
        `holdfast keys list --team ${team} lists the key it made, named ${name}; if its secret was not stored, revoke that key (holdfast keys revoke KEY_ID --reason TEXT) and run this command with another --idempotency-key (or HOLDFAST_IDEMPOTENCY_KEY) for a new one`,
      );
      if (before) throw before;
      const created = expectOk<{ key: string; keyId: string; team: string; scopes: string[] }>(answer);
      if (context.json) return printJson(context.io, created);
      context.io.out(`key ${created.keyId} for ${created.team} (${created.scopes.join(', ')}); it is shown only now:\n${created.key}\n`);
    },
  },
  {
    name: 'keys list',
    usage: 'holdfast keys list [--team T] [--limit 50]',
    summary: 'keys (never the secrets), newest first (the latest 100, or --limit N)',
    options: { team: { type: 'string' }, limit: { type: 'string' } },
    async run(context) {
      const team = text(context.values, 'team');
      const body = await readPages(context, { pageMax: 1000, shown: 100 }, async (page) =>
        expectOk<Page<KeyView>>(await reach(() => context.api.planner.GET('/v1/keys', { params: { query: { team, ...page } } }), 'maintenance-planner')),
      );
      await list('keys', '')(context, body, () =>
        table(['KEY', 'TEAM', 'NAME', 'SCOPES', 'CREATED (UTC)', 'REVOKED'], body.items.map((k) => [k.keyId, k.team, k.name ?? '-', k.scopes.join(','), utcTime(k.createdAt), k.revokedAt ? utcTime(k.revokedAt) : 'no'])),
      );
      noteMore(context, body, 'keys');
    },
  },
  {
    name: 'keys revoke',
    argument: 'KEY_ID',
    usage: 'holdfast keys revoke KEY_ID --reason TEXT',
    summary: 'revoke a key on every service',
    options: { reason: { type: 'string' } },
    async run(context) {
      const keyId = keyIdArgument(context);
      const reason = requiredText(context, 'reason');
      const body = expectOk(await reach(() => context.api.planner.POST('/v1/keys/{keyId}/revoke', { params: { path: { keyId } }, body: { reason } }), 'maintenance-planner'));
      if (context.json) return printJson(context.io, body);
      context.io.out(`revoked key ${keyId}\n`);
    },
  },
];
