import { CliError, ExitCode } from '../cli-io';
import { expectOk, reach } from '../client/holdfast-api';
import { list, printJson, text, type Command, type CommandContext } from '../command';
import { localRangePerRegion, utcTime } from '../output/local-times';
import { fields, table } from '../output/table';

export interface HoldView {
  id: string;
  regions: string[];
  reason: string;
  source: string;
  causeId?: string | null;
  placedAt: string;
  fromAt: string;
  untilAt: string | null;
  releasedAt: string | null;
  windowIds?: string[];
}

const planner = 'maintenance-planner';

const required = (context: CommandContext, name: string): string => {
  const value = text(context.values, name);
  if (!value) throw new CliError(`--${name} is required`, ExitCode.usage);
  return value;
};

function showHold(context: CommandContext, hold: HoldView): void {
  if (context.json) return printJson(context.io, hold);
  context.io.out(
    fields([
      ['hold', hold.id],
      ['regions', hold.regions.join(', ')],
      ['source', hold.source],
      ['reason', hold.reason],
      ['from', utcTime(hold.fromAt)],
      ['until', hold.untilAt ? utcTime(hold.untilAt) : 'until released'],
      ['released', hold.releasedAt ? utcTime(hold.releasedAt) : 'no'],
      ['local times', localRangePerRegion(hold.regions, hold.fromAt, hold.untilAt)],
    ]),
  );
}

export const holdCommands: Command[] = [
  {
    name: 'holds list',
    usage: 'holdfast holds list [--active]',
    summary: 'holds, newest first, with local times per region',
    options: { active: { type: 'boolean' } },
    async run(context) {
      const body = expectOk<{ items: HoldView[] }>(
        await reach(() => context.api.planner.GET('/v1/holds', { params: { query: context.values.active ? { active: true } : {} } }), planner),
      );
      if (context.json) return printJson(context.io, body);
      context.io.out(
        table(
          ['HOLD', 'REGIONS', 'SOURCE', 'REASON', 'STATE', 'LOCAL TIME PER REGION'],
          body.items.map((hold) => [hold.id, hold.regions.join(','), hold.source, hold.reason, hold.releasedAt ? `released ${utcTime(hold.releasedAt)}` : 'active', localRangePerRegion(hold.regions, hold.fromAt, hold.untilAt)]),
        ),
      );
    },
  },
  {
    name: 'holds declare',
    usage: 'holdfast holds declare --regions IR,NP --from ISO --until ISO --reason TEXT',
    summary: 'declare a manual hold for regions and a period',
    options: { regions: { type: 'string' }, from: { type: 'string' }, until: { type: 'string' }, reason: { type: 'string' } },
    async run(context) {
      const body = { regions: list(context.values, 'regions') ?? [], from: required(context, 'from'), until: required(context, 'until'), reason: required(context, 'reason') };
      if (body.regions.length === 0) throw new CliError('--regions is required (IR,NP)', ExitCode.usage);
      showHold(context, expectOk<HoldView>(await reach(() => context.api.plannerPending.POST('/v1/holds', { body }), planner)));
    },
  },
  {
    name: 'holds release',
    usage: 'holdfast holds release HOLD_ID --reason TEXT',
    summary: 'release a hold',
    options: { reason: { type: 'string' } },
    async run(context) {
      const id = context.positionals[0];
      if (!id) throw new CliError('give the hold id', ExitCode.usage);
      showHold(context, expectOk<HoldView>(await reach(() => context.api.plannerPending.POST('/v1/holds/{id}/release', { params: { path: { id } }, body: { reason: required(context, 'reason') } }), planner)));
    },
  },
  {
    name: 'holds override',
    usage: 'holdfast holds override WINDOW_ID --reason TEXT [--occurrence N]',
    summary: 'let a held window run anyway, with the reason on the audit trail',
    options: { reason: { type: 'string' }, occurrence: { type: 'string' } },
    async run(context) {
      const id = context.positionals[0];
      if (!id) throw new CliError('give the window id', ExitCode.usage);
      const occurrence = text(context.values, 'occurrence');
      const body = { reason: required(context, 'reason'), occurrence: occurrence === undefined ? undefined : Number(occurrence) };
      const answer = expectOk(await reach(() => context.api.plannerPending.POST('/v1/windows/{id}/override', { params: { path: { id } }, body }), planner));
      if (context.json) return printJson(context.io, answer);
      context.io.out(`overridden: window ${id}${occurrence ? ` occurrence ${occurrence}` : ''} may run (${body.reason})\n`);
    },
  },
  {
    name: 'explain',
    usage: 'holdfast explain WINDOW_ID',
    summary: 'why a window is held: the cause chain of every hold on it',
    async run(context) {
      const id = context.positionals[0];
      if (!id) throw new CliError('give the window id', ExitCode.usage);
      const body = expectOk<{ holds?: { holdId?: string; id?: string; reason?: string; source?: string; chain?: { kind?: string; type?: string; id?: string; at?: string; summary?: string }[] }[] }>(
        await reach(() => context.api.plannerPending.GET('/v1/windows/{id}/explanation', { params: { path: { id } } }), planner),
      );
      if (context.json) return printJson(context.io, body);
      const holds = body.holds ?? [];
      if (holds.length === 0) context.io.out(`nothing holds window ${id}\n`);
      for (const hold of holds) {
        context.io.out(`hold ${hold.holdId ?? hold.id} (${hold.source ?? '?'}): ${hold.reason ?? ''}\n`);
        for (const step of hold.chain ?? []) context.io.out(`  <- ${step.kind ?? step.type ?? 'event'} ${step.id ?? ''} ${step.at ? utcTime(step.at) : ''} ${step.summary ?? ''}`.trimEnd() + '\n');
      }
    },
  },
];
