import { expectOk, reach } from '../client/holdfast-api';
import { idFlag, printJson, utcInstant, type Command } from '../command';
import { utcTime } from '../output/local-times';
import { table } from '../output/table';
import { noteMore, readPages, type Page } from '../pages';

interface AuditEntryView {
  subjectType: string;
  subjectId: string;
  action: string;
  actor: string;
  at: string;
  reason: string | null;
  causeEventId: string | null;
}

/** The planner's audit trail: every transition of windows, runs and holds, who made it and what caused it. */
export const auditCommand: Command = {
  name: 'audit',
  usage: 'holdfast audit [--subject WINDOW_OR_HOLD_ID] [--from TIME] [--to TIME] [--limit N]',
  summary: 'the audit trail, oldest first: every transition of windows, runs and holds, with who and why (the first 500, or --limit N)',
  options: { subject: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, limit: { type: 'string' } },
  async run(context) {
    const query = { subject: idFlag(context.values, 'subject', 'window or hold'), from: utcInstant(context.values, 'from'), to: utcInstant(context.values, 'to') };
    const body = await readPages(context, { pageMax: 1000, shown: 500 }, async (page) =>
      expectOk<Page<AuditEntryView>>(await reach(() => context.api.planner.GET('/v1/audit', { params: { query: { ...query, ...page } } }), 'maintenance-planner')),
    );
    if (context.json) return printJson(context.io, body);
    if (body.items.length === 0) {
      context.io.out('no audit entries\n');
      return;
    }
    context.io.out(
      table(
        ['AT (UTC)', 'SUBJECT', 'ID', 'ACTION', 'ACTOR', 'REASON', 'CAUSED BY EVENT'],
        body.items.map((entry) => [utcTime(entry.at), entry.subjectType, entry.subjectId, entry.action, entry.actor, entry.reason ?? '-', entry.causeEventId ?? '-']),
      ),
    );
    noteMore(context, body, 'audit entries');
  },
};
