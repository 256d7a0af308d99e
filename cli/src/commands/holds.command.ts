import { DateTime } from 'luxon';
import { CliError } from '../cli-io';
import type { components } from '../client/generated/planner';
import { expectOk, isProblem, reach } from '../client/holdfast-api';
import { formatDuration } from '../duration';
import type { ApiAnswer } from '../client/typed-client';
import { flagOneOf, idArgument, printJson, regionCodes, requiredFlags, requiredText, text, utcInstant, wholeNumber, type Command, type CommandContext } from '../command';
import { localRangePerRegion, localTime, offsetNote, utcTime, type ZoneOf } from '../output/local-times';
import { regionZones } from '../output/region-zones';
import { fields, table } from '../output/table';
import { noteMore, readPages, type Page } from '../pages';
import { localLines, OCCURRENCE_STATUSES, runStatus, type RegionLocalTime } from './windows.command';

export interface HoldView {
  id: string;
  regions: string[];
  reason: string;
  source: string;
  causeId?: string | null;
  placedAt: string;
  from: string;
  until: string | null;
  active: boolean;
  releasedAt: string | null;
  /** Absent from a planner older than them. */
  releasedBy?: string | null;
  releaseReason?: string | null;
  /** A cleared surge's hold: it holds until then (its cool-down), whatever its until estimated. */
  releaseDueAt?: string | null;
  /** The end it holds runs to, as the gate's 423 names it (a declaration's until and the cool-down after it); absent from a planner older than it. */
  holdsUntil?: string | null;
  windowIds?: string[];
}

/** A detector surge's evidence as the planner's document gives it: a `support` the contract adds fails to compile until it is worded below. */
type SurgeEvidence = NonNullable<components['schemas']['WindowExplanation']['holds'][number]['cause']['evidence']>;
type EvidenceSample = NonNullable<SurgeEvidence['samples']>[number];

/** GET /v1/holds/{id}: a hold, who released it and why, its version, and what it holds, counted. */
type HoldDetail = HoldView & Pick<components['schemas']['HoldDetail'], 'version' | 'heldOccurrences' | 'notifyOnlyOccurrences' | 'overrideCount'>;

/** A run GET /v1/occurrences?hold= lists, with its window and what that hold does to it (byHold); its local times as windows occurrences reads them. */
type HoldRun = Omit<components['schemas']['WindowOccurrence'], 'localTimes'> & { localTimes: RegionLocalTime[] };

interface ExplanationView {
  windowId: string;
  status: string;
  holds: {
    hold: HoldView;
    occurrences: number[];
    overridden: boolean;
    cause: {
      kind: string;
      source: string;
      causeId: string | null;
      reason: string;
      severity?: string | null;
      requestedBy?: string | null;
      correlationId?: string | null;
      evidence?: SurgeEvidence | null;
      /** The sample that started the surge while the evidence, its latest, carries it; absent from a planner older than it. */
      startSample?: EvidenceSample | null;
      /** A lost signal's hold: the metric gone silent, its last sample and the silence when the surge started; absent from a planner older than it. */
      signalLoss?: { metric: string; lastSampleAt: string; silentSeconds: number } | null;
    };
  }[];
}

const planner = 'maintenance-planner';

/**
 * Where a hold ends, as the gate's 423 ends it: the end it holds runs to (holdsUntil), which for a declaration's is its until and the
 * cool-down after it; from a planner older than holdsUntil, its release due or its until.
 */
const endOf = (hold: HoldView): string | null => (hold.holdsUntil === undefined ? (hold.releaseDueAt ?? hold.until) : hold.holdsUntil);

/** A hold released before its from: it never held anything, and a period from its start "to" an earlier release reads backwards. */
const releasedBeforeItBegan = (hold: HoldView): boolean => hold.releasedAt !== null && Date.parse(hold.releasedAt) < Date.parse(hold.from);

/**
 * A hold's local times per region, to its end (a cleared surge's, its release due); one released before it, or with none, to
 * its release, named so; one released before it began, as planned from its start and released before then.
 */
function holdSpan(hold: HoldView, zoneOf: ZoneOf): string[] {
  if (releasedBeforeItBegan(hold)) {
    return hold.regions.map((region) => {
      const zone = zoneOf(region);
      const releasedAt = DateTime.fromISO(hold.releasedAt!, { zone });
      return `${region} planned from ${localTime(hold.from, zone)}, released ${releasedAt.toFormat('yyyy-MM-dd HH:mm')}${offsetNote(zone, releasedAt.toFormat('ZZ'))}, before it began`;
    });
  }
  const end = endOf(hold);
  const releasedEarly = hold.releasedAt !== null && (end === null || Date.parse(hold.releasedAt) < Date.parse(end));
  return releasedEarly ? localRangePerRegion(hold.regions, hold.from, hold.releasedAt, zoneOf, 'released') : localRangePerRegion(hold.regions, hold.from, end, zoneOf);
}

/** Where a hold ends in UTC, as its local times and the gate end it; past its until (a declaration's cool-down), saying so. */
const untilOf = (hold: HoldView): string => {
  const end = endOf(hold);
  if (!end) return 'until released';
  const coolingPastUntil = !hold.releaseDueAt && hold.until !== null && Date.parse(end) !== Date.parse(hold.until);
  return coolingPastUntil ? `${utcTime(end)} (its until, ${utcTime(hold.until)}, and the cool-down after it)` : utcTime(end);
};

/** What a hold is and when, each line as `fields` takes it; `until` and `released` as the caller words them. */
const holdFields = (hold: HoldView, until: string, released: string): [string, string][] => [
  ['hold', hold.id],
  ['regions', hold.regions.join(', ')],
  ['source', hold.source],
  ['reason', hold.reason],
  ['from', utcTime(hold.from)],
  ['until', until],
  ['released', released],
];

/** When a hold was released, by whom and why; or that it was not. */
function releasedLine(hold: HoldView): string {
  if (!hold.releasedAt) return 'no';
  const when = `${utcTime(hold.releasedAt)}${releasedBeforeItBegan(hold) ? ', before it began' : ''}`;
  return `${when}${hold.releasedBy ? ` by ${hold.releasedBy}` : ''}${hold.releaseReason ? `: ${hold.releaseReason}` : ''}`;
}

/** A hold as declaring or releasing it answers it. */
async function showHold(context: CommandContext, hold: HoldView): Promise<void> {
  if (context.json) return printJson(context.io, hold);
  context.io.out(fields([...holdFields(hold, untilOf(hold), releasedLine(hold)), ['local times', holdSpan(hold, await regionZones(context.api))]]));
}

/** "2 runs", "1 run". */
const runsCounted = (count: number): string => `${count} run${count === 1 ? '' : 's'}`;

/** The runs a hold has, counted: those let through by an override are among the held, as the planner counts them (they stay linked to the hold). */
function runsLine({ heldOccurrences, notifyOnlyOccurrences, overrideCount }: HoldDetail): string {
  const letThrough = overrideCount === 0 ? '' : ` (${overrideCount} of them let through by ${overrideCount === 1 ? 'an override' : 'overrides'})`;
  return `${heldOccurrences} held${letThrough}, ${notifyOnlyOccurrences} notify-only`;
}

/** How the hold shown has a run: held, flagged (a notify-only window's), or let through by an override, by whom, when and why. */
function underThisHold({ byHold }: HoldRun): string {
  if (!byHold) return '-';
  if (byHold.kind === 'notify-only') return 'notify-only: flagged, not held';
  if (byHold.overriddenBy === null) return `held since ${utcTime(byHold.heldAt)}`;
  const when = byHold.overriddenAt ? ` at ${utcTime(byHold.overriddenAt)}` : '';
  return `let through, overridden by ${byHold.overriddenBy}${when}${byHold.overrideReason ? `: ${byHold.overrideReason}` : ''}`;
}

export const holdCommands: Command[] = [
  {
    name: 'holds list',
    usage: 'holdfast holds list [--active] [--region IR] [--limit N]',
    summary: 'holds, newest first, with local times per region (the latest 500, or --limit N)',
    options: { active: { type: 'boolean' }, region: { type: 'string' }, limit: { type: 'string' } },
    async run(context) {
      const filter = { ...(context.values.active ? { active: 'true' as const } : {}), ...(text(context.values, 'region') ? { region: text(context.values, 'region') } : {}) };
      const body = await readPages(context, { pageMax: 500, shown: 500 }, async (page) =>
        expectOk<Page<HoldView>>(await reach(() => context.api.planner.GET('/v1/holds', { params: { query: { ...filter, ...page } } }), planner)),
      );
      if (context.json) return printJson(context.io, body);
      const zoneOf: ZoneOf = await regionZones(context.api);
      context.io.out(
        table(
          ['HOLD', 'REGIONS', 'SOURCE', 'REASON', 'STATE', 'FROM (UTC)', 'UNTIL (UTC)', 'LOCAL TIME PER REGION'],
          body.items.map((hold) => [
            hold.id,
            hold.regions.join(','),
            hold.source,
            hold.reason,
            hold.releasedAt ? `released ${utcTime(hold.releasedAt)}` : 'active',
            utcTime(hold.from),
            untilOf(hold),
            holdSpan(hold, zoneOf),
          ]),
        ),
      );
      noteMore(context, body, 'holds');
    },
  },
  {
    name: 'holds show',
    argument: 'HOLD_ID',
    usage: `holdfast holds show HOLD_ID [--status ${OCCURRENCE_STATUSES.join('|')}] [--team T] [--region R] [--from TIME] [--to TIME] [--limit N]`,
    summary:
      'a hold, what it holds counted, and the runs it holds, flags (notify-only) or lets through by an override, in start order (the first 500, or --limit N); --status, --team, --region, --from and --to narrow the runs listed, not the counts',
    options: { status: { type: 'string' }, team: { type: 'string' }, region: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, limit: { type: 'string' } },
    async run(context) {
      const id = idArgument(context, 'hold');
      // Every flag checked before any call, as the other lists check them: a typo is a usage error, not a hold read for nothing.
      wholeNumber(context.values, 'limit');
      const query = {
        hold: id,
        status: flagOneOf(context.values, 'status', OCCURRENCE_STATUSES),
        team: text(context.values, 'team'),
        region: text(context.values, 'region'),
        from: utcInstant(context.values, 'from'),
        to: utcInstant(context.values, 'to'),
      };
      const hold = expectOk<HoldDetail>(await reach(() => context.api.planner.GET('/v1/holds/{id}', { params: { path: { id } } }), planner));
      const runs = await readPages(context, { pageMax: 2000, shown: 500 }, async (page) =>
        expectOk<Page<HoldRun>>(await reach(() => context.api.planner.GET('/v1/occurrences', { params: { query: { ...query, ...page } } }), planner)),
      );
      if (context.json) return printJson(context.io, { hold, ...runs });
      context.io.out(
        fields([
          ...holdFields(hold, untilOf(hold), releasedLine(hold)),
          ['version', String(hold.version)],
          ['local times', holdSpan(hold, await regionZones(context.api))],
          ['runs', runsLine(hold)],
          ['overrides', hold.overrideCount === 0 ? 'none' : `${runsCounted(hold.overrideCount)} let through`],
        ]),
      );
      context.io.out('\n');
      const { hold: _hold, ...filters } = query;
      const narrowed = Object.entries(filters).filter(([, value]) => value !== undefined);
      if (runs.items.length === 0) {
        context.io.out(narrowed.length === 0 ? 'no runs\n' : `no runs of this hold with ${narrowed.map(([flag, value]) => `--${flag} ${value}`).join(' ')}\n`);
        return;
      }
      context.io.out(
        table(
          ['WINDOW', 'TITLE', 'TEAM', '#', 'STATUS', 'STARTS (UTC)', 'BY THIS HOLD', 'LOCAL START PER REGION'],
          runs.items.map((run) => [
            run.windowId,
            run.title,
            run.ownerTeam,
            String(run.number),
            runStatus(run),
            utcTime(run.startsAt),
            underThisHold(run),
            // A global window's run is in the regions of the holds on it; with none left in force (a released hold's), in its planned zone.
            localLines(run.startsAt, run.localTimes, run.plannedZone),
          ]),
        ),
      );
      noteMore(context, runs, 'runs');
    },
  },
  {
    name: 'holds declare',
    usage: 'holdfast holds declare --regions IR,NP --from TIME [--until TIME] --reason TEXT',
    summary: 'declare a manual hold for regions and a period',
    options: { regions: { type: 'string' }, from: { type: 'string' }, until: { type: 'string' }, reason: { type: 'string' } },
    actsOn: ['regions'],
    async run(context) {
      const { regions, from, reason } = requiredFlags({ regions: regionCodes(context.values, 'regions'), from: utcInstant(context.values, 'from'), reason: text(context.values, 'reason') });
      const body = { regions, from, until: utcInstant(context.values, 'until'), reason };
      await showHold(context, expectOk<HoldView>(await reach(() => context.api.planner.POST('/v1/holds', { body }), planner)));
    },
  },
  {
    name: 'holds release',
    argument: 'HOLD_ID',
    usage: 'holdfast holds release HOLD_ID --reason TEXT',
    summary: 'release a hold',
    options: { reason: { type: 'string' } },
    async run(context) {
      const id = idArgument(context, 'hold');
      const body = { reason: requiredText(context, 'reason') };
      const released = expectOk<HoldView>(await reach(() => context.api.planner.POST('/v1/holds/{id}/release', { params: { path: { id } }, body }), planner));
      await showHold(context, released);
      // Releasing a declaration's hold lets its windows through, nothing more: the analyzer keeps the declaration and its surges, which a person expects gone.
      if (released.source === 'declaration') {
        context.io.err(
          `holdfast: hold ${id} was a declaration's on ${released.regions.join(', ')}: its windows are let through, but the declaration stays in force, its surges active, until its period ends or it is cancelled; ` +
            'holdfast declarations list lists it, holdfast declarations cancel ID cancels it\n',
        );
      }
    },
  },
  {
    name: 'holds override',
    argument: 'WINDOW_ID',
    usage: 'holdfast holds override WINDOW_ID --reason TEXT [--occurrence N]',
    summary: 'let a held window run anyway, with the reason on the audit trail',
    options: { reason: { type: 'string' }, occurrence: { type: 'string' } },
    actsOn: ['occurrence'],
    async run(context) {
      const id = idArgument(context, 'window');
      const occurrence = wholeNumber(context.values, 'occurrence');
      const body = { reason: requiredText(context, 'reason'), occurrence };
      const overriding = await reach(() => context.api.planner.POST('/v1/windows/{id}/override', { params: { path: { id } }, body }), planner);
      if (overriding.response.status === 404) await refuseHoldId(context, id, overriding);
      const answer = expectOk(overriding);
      if (context.json) return printJson(context.io, answer);
      context.io.out(`overridden: window ${id}${occurrence ? ` occurrence ${occurrence}` : ''} may run (${body.reason})\n`);
    },
  },
  {
    name: 'explain',
    argument: 'WINDOW_ID',
    usage: 'holdfast explain WINDOW_ID',
    summary: 'why a window is held: the cause chain of every hold on it',
    async run(context) {
      const id = idArgument(context, 'window');
      const body = expectOk<ExplanationView>(await reach(() => context.api.planner.GET('/v1/windows/{id}/explanation', { params: { path: { id } } }), planner));
      if (context.json) return printJson(context.io, body);
      const zoneOf = await regionZones(context.api);
      context.io.out(`window ${id} is ${body.status}\n`);
      if (body.holds.length === 0) context.io.out('nothing holds it\n');
      const now = context.io.now();
      // The explanation keeps every hold that touched the window, first placed first: those holding it now come first, those released since last.
      const listed = body.holds.map((entry) => ({ ...entry, standing: standingOf(entry.hold, now) })).sort((a, b) => STANDINGS.indexOf(a.standing.kind) - STANDINGS.indexOf(b.standing.kind));
      for (const { hold, cause, occurrences, overridden, standing } of listed) {
        // The planner says only that some run was let through, not which: the occurrences list names them.
        const letThrough = overridden ? `, one or more let through with an override (holdfast windows occurrences ${id} names them)` : '';
        context.io.out(`hold ${hold.id} on ${hold.regions.join(', ')} (${standing.said}), occurrence(s) ${occurrences.join(', ')}${letThrough}: ${hold.reason}\n`);
        context.io.out(`  cause: ${causeOf(cause)} (${cause.source}${cause.severity ? `, ${cause.severity}` : ''}): ${cause.reason}\n`);
        if (cause.requestedBy) context.io.out(`  requested by: ${cause.requestedBy}\n`);
        const origin = startedBy(hold, cause, zoneOf);
        if (origin) context.io.out(`  started by: ${origin}\n`);
        if (cause.evidence) for (const line of decidingSample(hold, cause.evidence, cause.startSample)) context.io.out(`  ${line}\n`);
        for (const line of holdSpan(hold, zoneOf)) context.io.out(`  ${line}\n`);
      }
    },
  },
];

/**
 * What a hold came from: an alert's or a declaration's hold came through the surge it started, a detector's is that surge
 * (a traffic surge, a lost signal's, a warming region's ceiling: its kind, "surge", says no more), a manual request through none.
 */
function causeOf({ kind, causeId }: ExplanationView['holds'][number]['cause']): string {
  if (kind === 'manual request') return kind;
  const surge = `surge ${causeId} (holdfast surges show ${causeId})`;
  return kind === 'surge' ? `detector ${surge}` : `${kind} through ${surge}`;
}

/** Where a hold on a window stands, in the order explain lists them. */
const STANDINGS = ['in force', 'not begun', 'released'] as const;

function standingOf(hold: HoldView, now: number): { kind: (typeof STANDINGS)[number]; said: string } {
  if (hold.releasedAt) return { kind: 'released', said: `released ${utcTime(hold.releasedAt)}` };
  if (Date.parse(hold.from) > now) return { kind: 'not begun', said: `from ${utcTime(hold.from)}, not begun yet` };
  return { kind: 'in force', said: 'in force' };
}

/**
 * A window's id not found may be a hold's given in its place (the gate's table and holds list lead with hold ids): asked once, a hold of that id is said
 * so, with holds show, which lists the windows it holds; else the 404 stands.
 */
async function refuseHoldId(context: CommandContext, id: string, notFound: ApiAnswer): Promise<void> {
  if (!isProblem(notFound.body) || notFound.body.code !== 'window-not-found') return;
  let found: ApiAnswer;
  try {
    found = await reach(() => context.api.planner.GET('/v1/holds/{id}', { params: { path: { id } } }), planner);
  } catch {
    return;
  }
  const hold = found.body as Partial<HoldView> | undefined;
  if (!found.response.ok || hold?.id !== id || !Array.isArray(hold.regions)) return;
  throw new CliError(
    `${id} is a hold's id (${hold.regions.join(', ')}: ${hold.reason}), not a window's: holds override takes the id of a window it holds; holdfast holds show ${id} lists the windows it holds, with each run's number for --occurrence N`,
  );
}

/** What the analyzer learned the baseline from (evidence.support), as its surge reasons word it; absent from an analyzer older than support. */
const BASELINE_LEARNED_FROM: Record<Exclude<NonNullable<SurgeEvidence['support']>, 'ceiling' | 'none'>, string> = {
  'hour-of-week': ' for its local hour of the week',
  'hour-of-day': ' for its local hour of the day (its hour of the week not learned well enough yet)',
  global: ' over the whole series (its hours not learned well enough yet)',
};

/** " against a baseline of 1000 for its local hour of the week": what the deciding sample was measured against. */
function measuredAgainst({ baseline, support }: SurgeEvidence): string {
  const level = Math.round(baseline * 10) / 10;
  // A warming region's surge is a sample at or above the ceiling configured for it: its baseline is not learned yet.
  if (support === 'ceiling') return ` against the warm-up ceiling of ${level} (the region's baseline still learning)`;
  if (support === 'none') return ', with nothing learned yet to measure it against';
  return ` against a baseline of ${level}${support ? BASELINE_LEARNED_FROM[support] : ''}`;
}

/**
 * The sample that started the surge, the one its sample event id names, and the latest the evidence was updated with, if another:
 * the hold keeps the surge's latest evidence, which carries the start's sample only while the surge was updated soon after it.
 */
function decidingSample(hold: HoldView, evidence: SurgeEvidence, startSample: EvidenceSample | null | undefined): string[] {
  const regions = hold.regions.join(', ');
  const latest = evidence.samples?.at(-1);
  if (!latest) return [];
  // A planner older than startSample: the start's sample is the one taken at the hold's from, the surge's start, as the planner finds it.
  const start = startSample === undefined ? evidence.samples?.find((sample) => Date.parse(sample.at) === Date.parse(hold.from)) : startSample;
  const latestSaid = `${regions} at ${latest.at}, ${latest.value}${measuredAgainst(evidence)}`;
  if (start?.at === latest.at) return [`deciding sample: ${latestSaid}`];
  const startSaid = start
    ? `${start.at}, ${start.value}${start.expected === undefined ? '' : ` against a baseline of ${Math.round(start.expected * 10) / 10}`}`
    : `${hold.from}, as the surge started (its value is no longer in the evidence kept, the surge's latest)`;
  return [`deciding sample: ${regions} at ${startSaid}`, `latest sample: ${latestSaid}`];
}

type HoldCause = ExplanationView['holds'][number]['cause'];

/**
 * What started a hold's surge: from the surge's correlation id, a declaration's id, an alert's sender and fingerprint, a sample's
 * event id; for a lost signal's, which no sample started (its correlation id is the analyzer's own), the series gone silent and since when.
 */
function startedBy(hold: HoldView, cause: HoldCause, zoneOf: ZoneOf): string | undefined {
  if (cause.signalLoss) return signalLost(hold, cause.signalLoss, zoneOf);
  // A detector's surge carries evidence unless it stands for a lost signal: with neither, there is no sample to name.
  if (cause.kind === 'surge' && !cause.evidence) return `no sample: its surge carries no evidence, as a lost signal's does (holdfast surges show ${cause.causeId} names the series and its last sample)`;
  const { kind, correlationId } = cause;
  if (!correlationId) return undefined;
  if (kind === 'declaration') return `declaration ${correlationId} (holdfast declarations show ${correlationId})`;
  if (kind === 'alert') return `alert ${correlationId} (sender:fingerprint)`;
  // Which ids a producer knows cannot be told from the id: a bare JSON sample's is one the analyzer derived, so the deciding sample names it too.
  if (kind === 'surge') return `sample event ${correlationId} (its producer's log names it; a bare JSON sample's id is one the analyzer derived, known to its producer by the deciding sample below)`;
  return undefined;
}

/** "the requests signal from UY lost: no sample since 2026-12-06 21:29 UTC (UY 2026-12-06 18:29 America/Montevideo (-03:00)), silent 16m when its surge started". */
function signalLost(hold: HoldView, { metric, lastSampleAt, silentSeconds }: NonNullable<HoldCause['signalLoss']>, zoneOf: ZoneOf): string {
  const local = hold.regions.map((region) => `${region} ${localTime(lastSampleAt, zoneOf(region))}`).join('; ');
  return `the ${metric} signal from ${hold.regions.join(', ')} lost: no sample since ${utcTime(lastSampleAt)} (${local}), silent ${formatDuration(silentSeconds * 1000)} when its surge started`;
}
