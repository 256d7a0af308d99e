import YAML from 'yaml';
import { CliError, ExitCode } from '../cli-io';
import type { operations as AnalyzerOperations } from '../client/generated/analyzer';
import type { operations as NotifierOperations } from '../client/generated/notifier';
import type { operations as PlannerOperations } from '../client/generated/planner';
import { expectOk, reach } from '../client/holdfast-api';
import { idArgument, printJson, text, type Command, type CommandContext } from '../command';
import { localTime, utcTime, type ZoneOf } from '../output/local-times';
import { regionZones } from '../output/region-zones';
import { fields, table } from '../output/table';
import { noteMore, readPages, type Page } from '../pages';

type SurgeQuery = NonNullable<AnalyzerOperations['SurgesController_list']['parameters']['query']>;
type DeliveryQuery = NonNullable<NotifierOperations['DeliveriesController_list']['parameters']['query']>;
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
}

interface SubscriptionView {
  id: string;
  channel: string;
  target?: string;
  ownerTeam: string;
  filters?: unknown;
  status?: string;
  enabled?: boolean;
  /** Set when the notifier turned it off itself: its receiver answered 410 Gone. */
  disabledReason?: string | null;
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
  subscriptionId?: string;
  channel?: string;
  eventType?: string;
  status: string;
  attempts?: number;
  attemptCount?: number;
  lastError?: string | null;
  createdAt?: string;
  deliveredAt?: string | null;
}


const surgeRow = (zoneOf: ZoneOf) => (surge: SurgeView) => {
  const zone = zoneOf(surge.region);
  return [surge.id, surge.region, surge.source, surge.status, surge.reason ?? surge.metric ?? '-', utcTime(surge.startedAt), localTime(surge.startedAt, zone), surge.clearedAt ? utcTime(surge.clearedAt) : '-'];
};

const list = (name: string, item: string) => async (context: CommandContext, body: { items: unknown[] }, render: (items: unknown[]) => string) => {
  if (context.json) return printJson(context.io, body);
  context.io.out(body.items.length ? render(body.items) : `no ${name}${item}\n`);
};

export const analyzerNotifierCommands: Command[] = [
  {
    name: 'surges list',
    usage: 'holdfast surges [list] [--region IR] [--status active] [--source detector] [--limit 50]',
    summary: 'surges the impact-analyzer decided, newest first, with local start time per region (the latest 500, or --limit N)',
    options: { region: { type: 'string' }, status: { type: 'string' }, source: { type: 'string' }, limit: { type: 'string' } },
    async run(context) {
      const query = { region: text(context.values, 'region'), status: text(context.values, 'status') as SurgeQuery['status'], source: text(context.values, 'source') as SurgeQuery['source'] };
      const body = await readPages(context, { pageMax: 500, shown: 500 }, async (page) =>
        expectOk<Page<SurgeView>>(await reach(() => context.api.analyzer.GET('/v1/surges', { params: { query: { ...query, ...page } } }), 'impact-analyzer')),
      );
      const zoneOf = context.json ? undefined : await regionZones(context.api);
      await list('surges', '')(context, body, (items) =>
        table(['SURGE', 'REGION', 'SOURCE', 'STATUS', 'WHY', 'STARTED (UTC)', 'STARTED (REGION LOCAL)', 'CLEARED (UTC)'], (items as SurgeView[]).map(surgeRow(zoneOf!))),
      );
      noteMore(context, body, 'surges');
    },
  },
  {
    name: 'surges show',
    usage: 'holdfast surges show ID',
    summary: 'one surge with its evidence',
    async run(context) {
      const id = idArgument(context, 'surge');
      const surge = expectOk<SurgeView & { evidence?: unknown }>(await reach(() => context.api.analyzer.GET('/v1/surges/{id}', { params: { path: { id } } }), 'impact-analyzer'));
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
          ['expected end', surge.expectedEndAt ? `${utcTime(surge.expectedEndAt)}; ${localTime(surge.expectedEndAt, zone)}` : '-'],
          ['cleared', surge.clearedAt ? utcTime(surge.clearedAt) : '-'],
          ['evidence', surge.evidence ? JSON.stringify(surge.evidence) : '-'],
        ]),
      );
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
        table(['SUBSCRIPTION', 'CHANNEL', 'TEAM', 'TARGET', 'STATE'], (items as SubscriptionView[]).map((s) => [s.id, s.channel, s.ownerTeam, s.target ?? '-', s.status ?? (s.disabledReason ? 'disabled (receiver gone: 410)' : s.enabled === false ? 'disabled' : 'enabled')])),
      );
      noteMore(context, body, 'subscriptions');
    },
  },
  {
    name: 'subscriptions create',
    usage: 'holdfast subscriptions create --file subscription.yaml',
    summary: 'subscribe a webhook, Slack, Grafana or Alertmanager channel (the body as the notifier documents it)',
    options: { file: { type: 'string', short: 'f' } },
    async run(context) {
      const file = text(context.values, 'file');
      if (!file) throw new CliError('--file is required', ExitCode.usage);
      const body: unknown = YAML.parse(context.io.readFile(file));
      const created = expectOk<SubscriptionView>(await reach(() => context.api.notifier.POST('/v1/subscriptions', { body }), 'notifier'));
      if (context.json) return printJson(context.io, created);
      context.io.out(`subscribed: ${created.id} (${created.channel} for ${created.ownerTeam})\n`);
    },
  },
  {
    name: 'subscriptions delete',
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
    usage: 'holdfast deliveries [list] [--status dead] [--subscription ID] [--limit 50]',
    summary: 'what the notifier sent, to whom, and how it went, newest first (the latest 100, or --limit N)',
    options: { status: { type: 'string' }, subscription: { type: 'string' }, limit: { type: 'string' } },
    async run(context) {
      const query = { status: text(context.values, 'status') as DeliveryQuery['status'], subscriptionId: text(context.values, 'subscription') };
      const body = await readPages(context, { pageMax: 1000, shown: 100 }, async (page) =>
        expectOk<Page<DeliveryView>>(await reach(() => context.api.notifier.GET('/v1/deliveries', { params: { query: { ...query, ...page } } }), 'notifier')),
      );
      await list('deliveries', '')(context, body, (items) =>
        table(
          ['DELIVERY', 'EVENT', 'CHANNEL', 'STATUS', 'ATTEMPTS', 'CREATED (UTC)', 'LAST ERROR'],
          (items as DeliveryView[]).map((d) => [d.id, d.eventType ?? '-', d.channel ?? d.subscriptionId ?? '-', d.status, String(d.attempts ?? d.attemptCount ?? '-'), utcTime(d.createdAt), d.lastError ?? '-']),
        ),
      );
      noteMore(context, body, 'deliveries');
    },
  },
  {
    name: 'deliveries replay',
    usage: 'holdfast deliveries replay ID',
    summary: 'send a delivery again',
    async run(context) {
      const id = idArgument(context, 'delivery');
      const body = expectOk(await reach(() => context.api.notifier.POST('/v1/deliveries/{id}/replay', { params: { path: { id } } }), 'notifier'));
      if (context.json) return printJson(context.io, body ?? {});
      context.io.out(`replaying delivery ${id}\n`);
    },
  },
  {
    name: 'keys create',
    usage: 'holdfast keys create --team T --scopes read,windows:write --name ci',
    summary: 'issue a team key (shown once)',
    options: { team: { type: 'string' }, scopes: { type: 'string' }, name: { type: 'string' } },
    async run(context) {
      const team = text(context.values, 'team');
      const scopes = text(context.values, 'scopes')
        ?.split(',')
        .map((scope) => scope.trim()) as KeyScopes | undefined;
      const name = text(context.values, 'name');
      if (!team || !scopes?.length || !name) throw new CliError('--team, --scopes and --name are required', ExitCode.usage);
      const created = expectOk<{ key: string; keyId: string; team: string; scopes: string[] }>(
        await reach(() => context.api.planner.POST('/v1/keys', { body: { team, scopes, name } }), 'maintenance-planner'),
      );
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
    usage: 'holdfast keys revoke KEY_ID --reason TEXT',
    summary: 'revoke a key on every service',
    options: { reason: { type: 'string' } },
    async run(context) {
      const keyId = idArgument(context, 'key');
      const reason = text(context.values, 'reason');
      if (!reason) throw new CliError('--reason is required', ExitCode.usage);
      const body = expectOk(await reach(() => context.api.planner.POST('/v1/keys/{keyId}/revoke', { params: { path: { keyId } }, body: { reason } }), 'maintenance-planner'));
      if (context.json) return printJson(context.io, body);
      context.io.out(`revoked key ${keyId}\n`);
    },
  },
];
