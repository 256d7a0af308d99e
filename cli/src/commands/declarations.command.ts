import type { operations as AnalyzerOperations } from '../client/generated/analyzer';
import { expectOk, reach } from '../client/holdfast-api';
import { flagOneOf, idArgument, printJson, regionCodes, requiredFlags, text, utcInstant, type Command, type CommandContext } from '../command';
import { localRangePerRegion, utcTime, type ZoneOf } from '../output/local-times';
import { regionZones } from '../output/region-zones';
import { fields, table } from '../output/table';
import { noteMore, readPages, type Page } from '../pages';

interface DeclarationView {
  id: string;
  regions: string[];
  from: string;
  until: string;
  reason: string;
  severity: string;
  status: string;
  declaredBy: string;
  declaredAt: string;
  cancelledBy: string | null;
  cancelledAt: string | null;
}

type DeclarationStatus = NonNullable<NonNullable<AnalyzerOperations['DeclarationsController_list']['parameters']['query']>['status']>;
type Severity = NonNullable<AnalyzerOperations['DeclarationsController_declare']['requestBody']['content']['application/json']['severity']>;

const analyzer = 'impact-analyzer';
const STATUSES: readonly DeclarationStatus[] = ['scheduled', 'active', 'ended', 'cancelled'];
const SEVERITIES: readonly Severity[] = ['minor', 'major', 'critical'];

async function showDeclaration(context: CommandContext, declaration: DeclarationView): Promise<void> {
  if (context.json) return printJson(context.io, declaration);
  context.io.out(
    fields([
      ['declaration', declaration.id],
      ['regions', declaration.regions.join(', ')],
      ['reason', declaration.reason],
      ['severity', declaration.severity],
      ['status', declaration.status],
      ['from', utcTime(declaration.from)],
      ['until', utcTime(declaration.until)],
      ['local times', localRangePerRegion(declaration.regions, declaration.from, declaration.until, await regionZones(context.api))],
      ['declared', `${utcTime(declaration.declaredAt)} by ${declaration.declaredBy}`],
      ['cancelled', declaration.cancelledAt ? `${utcTime(declaration.cancelledAt)} by ${declaration.cancelledBy ?? '-'}` : 'no'],
    ]),
  );
}

/** The impact-analyzer's declared critical periods ("election in IR"): a surge in each region for the period, so its windows are held. */
export const declarationCommands: Command[] = [
  {
    name: 'declarations list',
    usage: `holdfast declarations [list] [--status ${STATUSES.join('|')}] [--limit N]`,
    summary: 'declared critical periods, latest first, with local times per region (the latest 500, or --limit N)',
    options: { status: { type: 'string' }, limit: { type: 'string' } },
    async run(context) {
      const status = flagOneOf(context.values, 'status', STATUSES);
      const body = await readPages(context, { pageMax: 500, shown: 500 }, async (page) =>
        expectOk<Page<DeclarationView>>(await reach(() => context.api.analyzer.GET('/v1/declarations', { params: { query: { ...(status ? { status } : {}), ...page } } }), analyzer)),
      );
      if (context.json) return printJson(context.io, body);
      if (body.items.length === 0) {
        context.io.out('no declarations\n');
        return;
      }
      const zoneOf: ZoneOf = await regionZones(context.api);
      context.io.out(
        table(
          ['DECLARATION', 'REGIONS', 'STATUS', 'REASON', 'FROM (UTC)', 'UNTIL (UTC)', 'LOCAL TIME PER REGION'],
          body.items.map((declaration) => [
            declaration.id,
            declaration.regions.join(','),
            declaration.status,
            declaration.reason,
            utcTime(declaration.from),
            utcTime(declaration.until),
            localRangePerRegion(declaration.regions, declaration.from, declaration.until, zoneOf),
          ]),
        ),
      );
      noteMore(context, body, 'declarations');
    },
  },
  {
    name: 'declarations declare',
    usage: `holdfast declarations declare --regions IR,NP --from TIME --until TIME --reason TEXT [--severity ${SEVERITIES.join('|')}]`,
    summary: 'declare a critical period ("election in IR"): its regions surge from --from to --until, holding their windows',
    options: { regions: { type: 'string' }, from: { type: 'string' }, until: { type: 'string' }, reason: { type: 'string' }, severity: { type: 'string' } },
    actsOn: ['regions'],
    async run(context) {
      const severity = flagOneOf(context.values, 'severity', SEVERITIES);
      const { regions, from, until, reason } = requiredFlags({
        regions: regionCodes(context.values, 'regions'),
        from: utcInstant(context.values, 'from'),
        until: utcInstant(context.values, 'until'),
        reason: text(context.values, 'reason'),
      });
      const body = { regions, from, until, reason, ...(severity ? { severity } : {}) };
      await showDeclaration(context, expectOk<DeclarationView>(await reach(() => context.api.analyzer.POST('/v1/declarations', { body }), analyzer)));
    },
  },
  {
    name: 'declarations show',
    argument: 'ID',
    usage: 'holdfast declarations show ID',
    summary: 'one declared critical period',
    async run(context) {
      const id = idArgument(context, 'declaration');
      await showDeclaration(context, expectOk<DeclarationView>(await reach(() => context.api.analyzer.GET('/v1/declarations/{id}', { params: { path: { id } } }), analyzer)));
    },
  },
  {
    name: 'declarations cancel',
    argument: 'ID',
    usage: 'holdfast declarations cancel ID',
    summary: 'cancel a declared critical period; one in force clears its surges now',
    async run(context) {
      const id = idArgument(context, 'declaration');
      await showDeclaration(context, expectOk<DeclarationView>(await reach(() => context.api.analyzer.DELETE('/v1/declarations/{id}', { params: { path: { id } } }), analyzer)));
    },
  },
];
