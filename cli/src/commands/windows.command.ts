import { CliError, ExitCode, MissingInputError, UsageError } from '../cli-io';
import type { operations } from '../client/generated/planner';
import { expectOk, reach, type FieldFlags } from '../client/holdfast-api';
import { bodyFrom, flagOneOf, idArgument, inWords, printJson, regionCodes, text, utcInstant, utcInstantOf, wholeNumber, type Command, type CommandContext, type Values } from '../command';
import { localTime, offsetNote, utcTime } from '../output/local-times';
import { fields, table } from '../output/table';
import { noteMore, readPages, type Page } from '../pages';
import type { ApiAnswer } from '../client/typed-client';
import { letThroughOf, notifyOnlyNotice, reportHeld } from './gate.command';

/** A region's local times as the planner sends them. */
export interface RegionLocalTime {
  region: string;
  zone: string;
  startsAtLocal: string;
  endsAtLocal: string;
  offset: string;
}

export interface WindowView {
  windowId: string;
  version: number;
  title: string;
  ownerTeam: string;
  footprint: { global: boolean; regions: string[] };
  startsAt: string;
  endsAt: string;
  plannedZone: string;
  recurrence?: string;
  priority: string;
  surgePolicy: string;
  status: string;
  localTimes?: RegionLocalTime[];
  exdates?: string[];
  /** GET /v1/windows/{id} only: the first run not over, where the window's own times are its first run's as planned. */
  nextOccurrence?: OccurrenceView | null;
  /** A window planned: the holds its override let it through; absent from a planner older than it. */
  overridden?: string[];
}

interface OccurrenceView {
  number: number;
  startsAt: string;
  endsAt: string;
  status: OccurrenceStatus;
  localTimes: RegionLocalTime[];
  proposedSlot?: { startsAt: string; endsAt: string };
}

/** A run's status, with the slot proposed for it when its hold's release left it needing one. */
export const runStatus = (run: Pick<OccurrenceView, 'status' | 'proposedSlot'>): string => (run.proposedSlot ? `${run.status} (proposed ${utcTime(run.proposedSlot.startsAt)})` : run.status);

// Statuses of a run still to come. A hold's automatic move leaves the run scheduled at its new time (held, if a hold lands on it
// again); a run waiting for a slot is at its planned time, and one started or over is where it ran, though an update moved the window since.
const MOVABLE: readonly OccurrenceStatus[] = ['scheduled', 'held'];

/** Where the window's next run stands: moved runs (a hold's automatic move) and a proposed slot show here, not in its planned times. */
function nextRunLine(window: WindowView): [string, string][] {
  if (window.nextOccurrence === undefined) return [];
  const next = window.nextOccurrence;
  if (next === null) return [['next run', 'none left']];
  const moved = next.number === 1 && MOVABLE.includes(next.status) && next.startsAt !== window.startsAt ? ', moved from the planned time' : '';
  // Only a run waiting for a new slot takes one: the planner may still list the slot of a run started since.
  const proposal =
    next.proposedSlot && next.status === 'needs-reschedule'
      ? `; proposed slot ${utcTime(next.proposedSlot.startsAt)} to ${utcTime(next.proposedSlot.endsAt)} (take it with holdfast windows update ${window.windowId} --start ${next.proposedSlot.startsAt} --end ${next.proposedSlot.endsAt} --version ${window.version})`
      : '';
  return [['next run', `#${next.number} ${utcTime(next.startsAt)}, ${next.status}${moved}${proposal}`]];
}

interface SlotView {
  startsAt: string;
  endsAt: string;
  expectedImpact: number;
  localTimes: RegionLocalTime[];
}

const planner = 'maintenance-planner';

type CreateWindowBody = operations['WindowsController_create']['requestBody']['content']['application/json'];
type UpdateWindowBody = operations['WindowsController_update']['requestBody']['content']['application/json'];
type WindowStatus = NonNullable<NonNullable<operations['WindowsController_list']['parameters']['query']>['status']>;
type OccurrenceQuery = NonNullable<operations['WindowsController_occurrences']['parameters']['query']>;
type OccurrenceStatus = NonNullable<OccurrenceQuery['status']>;
type WindowPriority = NonNullable<CreateWindowBody['priority']>;
type SurgePolicy = NonNullable<CreateWindowBody['surgePolicy']>;

// Not started yet. Of the runs not over by now, the first of these (start order) is the run due now
// or next; the planner refuses it when it is not due yet (OCCURRENCE_EARLY_START_MINUTES) and answers
// 423 when it is held. A run whose time passed while it was held waits as needs-reschedule, though its
// end may be to come: it is started only when named (--occurrence), never in place of the run due now.
const NOT_STARTED: readonly OccurrenceStatus[] = ['scheduled', 'held'];
// A run still to come: one waiting for a new slot is over by now, and an exdate leaves it waiting.
const SKIPPABLE: readonly OccurrenceStatus[] = ['scheduled', 'held'];

// Every status the list takes, no more: the Record fails to compile when the planner's document adds or drops one.
const WINDOW_STATUSES = Object.keys({
  scheduled: true,
  held: true,
  'needs-reschedule': true,
  'in-progress': true,
  completed: true,
  cancelled: true,
} satisfies Record<WindowStatus, true>) as WindowStatus[];

export const OCCURRENCE_STATUSES = Object.keys({
  scheduled: true,
  held: true,
  'needs-reschedule': true,
  'in-progress': true,
  completed: true,
  missed: true,
  cancelled: true,
} satisfies Record<OccurrenceStatus, true>) as OccurrenceStatus[];

// Checked before the call, so a typo is a usage error naming the flag and its values, not a 400 naming the body's field.
const PRIORITIES = Object.keys({ routine: true, important: true, emergency: true } satisfies Record<WindowPriority, true>) as WindowPriority[];
const SURGE_POLICIES = Object.keys({ hold: true, 'notify-only': true, exempt: true } satisfies Record<SurgePolicy, true>) as SurgePolicy[];

/** "IR 2026-06-15 01:30 Asia/Tehran (+03:30)" per footprint region, from the planner's local times when it sends them. */
export function localLines(startsAt: string, regions: readonly RegionLocalTime[] | undefined, plannedZone: string): string[] {
  if (regions?.length) return regions.map((region) => `${region.region} ${region.startsAtLocal.replace('T', ' ')} ${region.zone}${offsetNote(region.zone, region.offset)}`);
  return [`planned ${localTime(startsAt, plannedZone)}`];
}

const windowRow = (window: WindowView) => [
  window.windowId,
  window.title,
  window.ownerTeam,
  window.status,
  window.footprint.global ? 'global' : window.footprint.regions.join(','),
  utcTime(window.startsAt),
  localLines(window.startsAt, window.localTimes, window.plannedZone),
];
const WINDOW_HEADERS = ['WINDOW', 'TITLE', 'TEAM', 'STATUS', 'FOOTPRINT', 'STARTS (UTC)', 'LOCAL START PER REGION'];


const windowFlags = {
  file: { type: 'string', short: 'f' },
  title: { type: 'string' },
  team: { type: 'string' },
  regions: { type: 'string' },
  global: { type: 'boolean' },
  start: { type: 'string' },
  end: { type: 'string' },
  zone: { type: 'string' },
  rrule: { type: 'string' },
  priority: { type: 'string' },
  'surge-policy': { type: 'string' },
  version: { type: 'string' },
} as const;

/** The flag that sets each field of a window's body, named beside the field when the planner refuses it. */
export const WINDOW_FIELD_FLAGS = {
  title: '--title',
  ownerTeam: '--team',
  footprint: '--regions or --global',
  startsAt: '--start',
  endsAt: '--end',
  plannedZone: '--zone',
  recurrence: '--rrule',
  priority: '--priority',
  surgePolicy: '--surge-policy',
} as const satisfies FieldFlags;

/** A change's fields: a window's, and the version it was read at, which a window being planned has not. */
const CHANGE_FIELD_FLAGS = { ...WINDOW_FIELD_FLAGS, version: '--version' } as const satisfies FieldFlags;

/** The fields of `Body` a request cannot do without. */
type RequiredField<Body> = { [Field in keyof Body]-?: object extends Pick<Body, Field> ? never : Field }[keyof Body];

// Every field the planner needs to plan a window, by the flag that gives it: the Record fails to compile when its document requires another.
const NEEDED_TO_PLAN = {
  title: '--title',
  ownerTeam: '--team',
  footprint: '--regions (or --global)',
  startsAt: '--start',
  endsAt: '--end',
  plannedZone: '--zone',
} as const satisfies Record<RequiredField<CreateWindowBody>, string>;

/**
 * Refuses a window to plan that lacks a field it cannot do without, naming the flag that gives each
 * (and the file's field, with --file), where the planner's 400 names only the field of its request body.
 */
function assertPlannable(body: Record<string, unknown>, file: string | undefined): void {
  const missing = (Object.keys(NEEDED_TO_PLAN) as (keyof typeof NEEDED_TO_PLAN)[]).filter((field) => body[field] === undefined || body[field] === null || body[field] === '');
  if (missing.length === 0) return;
  const flags = inWords(missing.map((field) => NEEDED_TO_PLAN[field]));
  throw new MissingInputError(`${flags} ${missing.length === 1 ? 'is' : 'are'} required${file ? `, or ${inWords(missing)} in ${file}` : ''}`);
}

/**
 * The file's instants in UTC, as its flags' are: a person writes the offset of where they plan.
 * A value that is not text is left to the planner, which names the field.
 */
function fileInstantsInUtc(body: Record<string, unknown>, file: string): void {
  const inUtc = (fields: Record<string, unknown>, names: readonly string[], prefix = '') => {
    for (const name of names) if (typeof fields[name] === 'string') fields[name] = utcInstantOf(fields[name], `${file}'s ${prefix}${name}`);
  };
  inUtc(body, ['startsAt', 'endsAt']);
  const flexibility = body.flexibility;
  if (flexibility && typeof flexibility === 'object') inUtc(flexibility as Record<string, unknown>, ['earliestStartAt', 'deadlineAt'], 'flexibility.');
}

/** The body of a create or update: the file (YAML or JSON), then each flag given over it, typed as the API's body (the planner checks it). */
export function windowBody<Body extends CreateWindowBody | UpdateWindowBody>(values: Values, readFile: (path: string) => string): Body {
  const regions = regionCodes(values, 'regions');
  // A global footprint has no regions: taking one flag over the other would plan a window other than the one asked for.
  if (values.global && regions !== undefined) throw new CliError('give --regions IR,NP or --global, not both: a global window covers every region', ExitCode.usage);
  const body = bodyFrom(values, readFile, 'window', {
    title: text(values, 'title'),
    ownerTeam: text(values, 'team'),
    footprint: values.global ? { global: true, regions: [] } : regions ? { global: false, regions } : undefined,
    startsAt: utcInstant(values, 'start'),
    endsAt: utcInstant(values, 'end'),
    plannedZone: text(values, 'zone'),
    recurrence: text(values, 'rrule'),
    priority: flagOneOf(values, 'priority', PRIORITIES),
    surgePolicy: flagOneOf(values, 'surge-policy', SURGE_POLICIES),
    version: wholeNumber(values, 'version'),
  });
  const file = text(values, 'file');
  if (file) fileInstantsInUtc(body, file);
  return body as Body;
}

/** A window's runs, page after page, and how far a recurring window's runs are stored (plannedThrough; absent from a planner before 2026-12-06). */
async function runsOf(context: CommandContext, id: string, status?: OccurrenceStatus, from?: string, to?: string) {
  let plannedThrough: string | null | undefined;
  const runs = await readPages(context, { pageMax: 2000 }, async (page) => {
    // letThroughBy: absent from a planner before 2026-12-07.
    const answer = expectOk<Page<OccurrenceView & { heldBy: string[]; letThroughBy?: string[] }> & { plannedThrough?: string | null }>(
      await reach(() => context.api.planner.GET('/v1/windows/{id}/occurrences', { params: { path: { id }, query: { status, from, to, ...page } } }), planner),
    );
    plannedThrough = answer.plannedThrough;
    return answer;
  });
  return { ...runs, plannedThrough };
}

type Step = 'start' | 'complete';

/** The run the command takes without --occurrence: the next run not started (start) or the one in progress (complete); or why there is none. */
async function chosenRun(context: CommandContext, id: string, step: Step): Promise<number | CliError> {
  if (step === 'start') {
    const next = (await runsOf(context, id, undefined, new Date().toISOString())).items.find((run) => NOT_STARTED.includes(run.status));
    return next?.number ?? (await noRunLeft(context, id));
  }
  const running = (await runsOf(context, id, 'in-progress')).items;
  if (running.length === 0) return new CliError(`no run of window ${id} is in progress: holdfast windows start ${id} starts the next one`);
  if (running.length > 1) throw new CliError(`runs ${running.map((run) => run.number).join(', ')} of window ${id} are in progress: name one with --occurrence N`, ExitCode.usage);
  return running[0].number;
}

/** Why `start` takes no run: none left, but a run waiting for a new slot (over by now or not) may be started by name. */
async function noRunLeft(context: CommandContext, id: string): Promise<CliError> {
  const none = `window ${id} has no run left to start (holdfast windows occurrences ${id} lists them)`;
  const waiting = (await runsOf(context, id, 'needs-reschedule')).items.map((run) => run.number);
  if (waiting.length === 0) return new CliError(none);
  const [first] = waiting;
  const runs = waiting.length === 1 ? `run ${first} waits for a new slot, held past its time` : `runs ${waiting.join(', ')} wait for a new slot, each held past its time`;
  return new CliError(`${none}; ${runs}: holdfast windows start ${id} --occurrence ${first} starts run ${first} anyway, or holdfast windows show ${id} proposes a slot and the update that takes it`);
}

/**
 * A run that an earlier run of this command may have taken under its key, when none is left to take: a start or
 * completion sent to it now is refused (already in progress or completed), and a refusal (409) is not kept for its key,
 * so the key, if unused, stays free for the run the job takes next.
 */
async function runTakenBefore(context: CommandContext, id: string, step: Step): Promise<number | undefined> {
  const runs = (await runsOf(context, id)).items;
  const taken = step === 'start' ? (runs.find((run) => run.status === 'in-progress') ?? runs.findLast((run) => run.status === 'completed')) : runs.findLast((run) => run.status === 'completed');
  return taken?.number;
}

/** The planner's 409 for a run that cannot be started or completed as it stands. */
function refusedForItsState(answer: ApiAnswer): boolean {
  const code = (answer.body as { code?: unknown } | undefined)?.code;
  return answer.response.status === 409 && (code === 'occurrence-not-startable' || code === 'occurrence-not-in-progress');
}

/** The run an Idempotency-Key was used for by an earlier run of this command, as the planner's idempotency-key-reused names its request. */
function runOfReusedKey(answer: ApiAnswer, id: string, step: Step): number | undefined {
  const problem = answer.body as { code?: unknown; detail?: unknown } | undefined;
  if (answer.response.status !== 422 || problem?.code !== 'idempotency-key-reused' || typeof problem.detail !== 'string') return undefined;
  const run = new RegExp(`\\(POST \\S*/v1/windows/${id}/occurrences/(\\d+)/${step}[?)\\s]`, 'i').exec(problem.detail)?.[1];
  return run === undefined ? undefined : Number(run);
}

/**
 * Starts or completes the run --occurrence names or, without it, the one the runs as they stand give. Run again under
 * the same key (a retried job), that choice may differ from the first run's (its run is in progress now, or the next is
 * due): the planner names the run the key was used for, and the request is sent there again for its first answer,
 * never to start a second run.
 */
async function takeRun(context: CommandContext, id: string, step: Step): Promise<{ n: number; answer: ApiAnswer }> {
  const send = (n: number, underLastKey = false) =>
    reach(
      () =>
        step === 'start'
          ? context.api.planner.POST('/v1/windows/{id}/occurrences/{n}/start', { params: { path: { id, n } }, underLastKey })
          : context.api.planner.POST('/v1/windows/{id}/occurrences/{n}/complete', { params: { path: { id, n } }, underLastKey }),
      planner,
    );
  const named = wholeNumber(context.values, 'occurrence');
  if (named !== undefined) return { n: named, answer: await send(named) };
  const chosen = await chosenRun(context, id, step);
  // A new key was used by no earlier run: nothing to look for.
  const probed = chosen instanceof CliError && context.api.givenIdempotencyKey ? await runTakenBefore(context, id, step) : undefined;
  if (chosen instanceof CliError && probed === undefined) throw chosen;
  const n = probed ?? (chosen as number);
  const answer = await send(n);
  const usedFor = runOfReusedKey(answer, id, step);
  if (usedFor !== undefined && usedFor !== n) return { n: usedFor, answer: await send(usedFor, true) };
  // Not the key's answer but the run's own refusal: the run looked at was none to take. Any other refusal (a key
  // without the scope, a planner away) is said as it is, not as "no run".
  if (chosen instanceof CliError && refusedForItsState(answer)) throw chosen;
  return { n, answer };
}

function showRun(context: CommandContext, id: string, run: OccurrenceView): void {
  if (context.json) return printJson(context.io, run);
  context.io.out(
    fields([
      ['run', `${run.number} of window ${id}`],
      ['status', run.status],
      ['starts', utcTime(run.startsAt)],
      ['ends', utcTime(run.endsAt)],
      ['local start per region', localLines(run.startsAt, run.localTimes, 'UTC')],
    ]),
  );
}

/** The holds a window planned with an override went through, the reason given, and where to read the runs each lets through. */
function letThroughLine(holdIds: readonly string[], reason: string | undefined): [string, string][] {
  if (holdIds.length === 0) return [];
  const why = reason ? ` (${reason})` : '';
  const where = holdIds.length === 1 ? `holdfast holds show ${holdIds[0]} lists the runs it lets through` : 'holdfast holds show ID lists the runs each lets through';
  return [['let through', `${holdIds.length === 1 ? 'hold' : 'holds'} ${holdIds.join(', ')} by its override${why}; ${where}`]];
}

/**
 * `heldBy`: the holds holding a held window (its held runs' heldBy), named beside its status with where to read why;
 * `override`: the reason a window was planned with, beside the holds it let the window through (its answer's overridden).
 */
function showWindow(context: CommandContext, window: WindowView, heldBy: readonly string[] = [], override?: string): void {
  if (context.json) return printJson(context.io, window);
  context.io.out(
    fields([
      ['window', window.windowId],
      ['title', window.title],
      ['team', window.ownerTeam],
      ['status', window.status],
      ...(heldBy.length ? ([['held by', `${heldBy.join(', ')} (holdfast explain ${window.windowId} says why)`]] as [string, string][]) : []),
      ...letThroughLine(window.overridden ?? [], override),
      ['version', String(window.version)],
      ['priority', window.priority],
      ['surge policy', window.surgePolicy],
      ['footprint', window.footprint.global ? 'global' : window.footprint.regions.join(', ')],
      ['starts', `${utcTime(window.startsAt)}; planned ${localTime(window.startsAt, window.plannedZone)}`],
      ['ends', `${utcTime(window.endsAt)}; planned ${localTime(window.endsAt, window.plannedZone)}`],
      ['recurrence', window.recurrence ?? 'none'],
      ...(window.exdates?.length ? ([['exdates', window.exdates.join(', ')]] as [string, string][]) : []),
      ...nextRunLine(window),
      ['local start per region', localLines(window.startsAt, window.localTimes, window.plannedZone)],
    ]),
  );
}

export const windowCommands: Command[] = [
  {
    name: 'windows list',
    usage: 'holdfast windows list [--from TIME] [--to TIME] [--region IR] [--team T] [--status held|scheduled|needs-reschedule|in-progress|completed|cancelled] [--limit N]',
    summary: 'windows by time range, region, team or status, in start order (the first 500, or --limit N)',
    options: { from: { type: 'string' }, to: { type: 'string' }, region: { type: 'string' }, team: { type: 'string' }, status: { type: 'string' }, limit: { type: 'string' } },
    async run(context) {
      const query = { from: utcInstant(context.values, 'from'), to: utcInstant(context.values, 'to'), region: text(context.values, 'region'), team: text(context.values, 'team'), status: flagOneOf(context.values, 'status', WINDOW_STATUSES) };
      const listed = await readPages(context, { pageMax: 500, shown: 500 }, async (page) => expectOk<Page<WindowView>>(await reach(() => context.api.planner.GET('/v1/windows', { params: { query: { ...query, ...page } } }), planner)));
      if (context.json) return printJson(context.io, listed);
      context.io.out(table(WINDOW_HEADERS, listed.items.map(windowRow)));
      noteMore(context, listed, 'windows');
    },
  },
  {
    name: 'windows show',
    argument: 'ID',
    usage: 'holdfast windows show ID',
    summary: 'one window with its local times',
    async run(context) {
      const id = idArgument(context, 'window');
      const window = expectOk<WindowView>(await reach(() => context.api.planner.GET('/v1/windows/{id}', { params: { path: { id } } }), planner));
      // The window names no hold, its held runs do: read for a held window alone, and not for --json, the planner's answer.
      const heldBy = window.status === 'held' && !context.json ? [...new Set((await runsOf(context, id, 'held')).items.flatMap((run) => run.heldBy))] : [];
      showWindow(context, window, heldBy);
    },
  },
  {
    name: 'windows create',
    usage: 'holdfast windows create (--file window.yaml | --title T --team T (--regions IR,NP | --global) --start TIME --end TIME --zone America/Los_Angeles) [--rrule R] [--priority P] [--surge-policy hold]',
    summary: 'plan a window from flags or a YAML/JSON file (flags override the file)',
    options: windowFlags,
    async run(context) {
      // Among the flags for update's sake, and refused here by name: left out, --version N would be the global --version and N an unexpected argument.
      if (text(context.values, 'version') !== undefined) throw new UsageError('--version is for holdfast windows update: a window being planned has no version yet');
      const body = windowBody<CreateWindowBody>(context.values, context.io.readFile);
      assertPlannable(body, text(context.values, 'file'));
      const planned = expectOk<WindowView>(await reach(() => context.api.planner.POST('/v1/windows', { body }), planner), WINDOW_FIELD_FLAGS);
      showWindow(context, planned, [], body.override?.reason);
    },
  },
  {
    name: 'windows update',
    argument: 'ID',
    usage: 'holdfast windows update ID --version N [--file changes.yaml] [--title ...] [--start TIME] [--end TIME] ...',
    summary: 'change a window (the version you read guards against lost updates)',
    options: windowFlags,
    async run(context) {
      const id = idArgument(context, 'window');
      const body = windowBody<UpdateWindowBody>(context.values, context.io.readFile);
      showWindow(context, expectOk<WindowView>(await reach(() => context.api.planner.PATCH('/v1/windows/{id}', { params: { path: { id } }, body }), planner), CHANGE_FIELD_FLAGS));
    },
  },
  {
    name: 'windows cancel',
    argument: 'ID',
    usage: 'holdfast windows cancel ID --reason TEXT [--version N]',
    summary: 'cancel a window',
    options: { reason: { type: 'string' }, version: { type: 'string' } },
    async run(context) {
      const id = idArgument(context, 'window');
      const reason = text(context.values, 'reason');
      // The planner records why a window was cancelled; asking here saves a round trip that would only be refused.
      if (!reason) throw new MissingInputError('give --reason: the planner records why a window was cancelled');
      const body = { reason, version: wholeNumber(context.values, 'version') };
      showWindow(context, expectOk<WindowView>(await reach(() => context.api.planner.POST('/v1/windows/{id}/cancel', { params: { path: { id } }, body }), planner)));
    },
  },
  {
    name: 'windows occurrences',
    argument: 'ID',
    usage: `holdfast windows occurrences ID [--status ${OCCURRENCE_STATUSES.join('|')}] [--from TIME] [--to TIME] [--limit N]`,
    summary: 'each run of a window (those overlapping --from/--to), its status, any slot proposed for it and its holds, in local time per region (every one, or the first --limit N)',
    options: { status: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, limit: { type: 'string' } },
    async run(context) {
      const id = idArgument(context, 'window');
      const body = await runsOf(context, id, flagOneOf(context.values, 'status', OCCURRENCE_STATUSES), utcInstant(context.values, 'from'), utcInstant(context.values, 'to'));
      if (context.json) return printJson(context.io, { windowId: id, ...body });
      // A global window's run no hold names has no region to be read in: its "planned" is in the window's zone, as windows show
      // says it. The window is read once, and only then: a regional window's runs, and a held global window's, name their regions.
      const plannedZone = body.items.some((occurrence) => occurrence.localTimes.length === 0)
        ? expectOk<WindowView>(await reach(() => context.api.planner.GET('/v1/windows/{id}', { params: { path: { id } } }), planner)).plannedZone
        : 'UTC';
      context.io.out(
        table(
          ['#', 'STATUS', 'STARTS (UTC)', 'ENDS (UTC)', 'HOLDS', 'LOCAL START PER REGION'],
          body.items.map((occurrence) => [
            String(occurrence.number),
            runStatus(occurrence),
            utcTime(occurrence.startsAt),
            utcTime(occurrence.endsAt),
            [...occurrence.heldBy, ...(occurrence.letThroughBy ?? []).map((holdId) => `${holdId} (let through)`)],
            localLines(occurrence.startsAt, occurrence.localTimes, plannedZone),
          ]),
        ),
      );
      noteMore(context, body, 'runs');
      // A rule's later runs are not stored yet: a COUNT=6 series starting months ahead lists one, which reads as all of them.
      if (body.plannedThrough && !body.nextCursor) context.io.err(`runs are stored through ${utcTime(body.plannedThrough)}; later ones its rule gives, if any, are added as that horizon moves on (OCCURRENCE_HORIZON_DAYS)\n`);
    },
  },
  {
    name: 'windows start',
    argument: 'ID',
    usage: 'holdfast windows start ID [--occurrence N]',
    summary: 'mark a run in progress if the gate allows it: exit 3 held, holds printed; 1 when the run cannot start; the next run not started unless --occurrence N',
    options: { occurrence: { type: 'string' } },
    actsOn: ['occurrence'],
    async run(context) {
      const id = idArgument(context, 'window');
      const { n, answer } = await takeRun(context, id, 'start');
      if (answer.response.status === 423) return reportHeld(context, `window ${id} run ${n}`, answer, `or wait for it with holdfast gate --window ${id} --wait`, `holdfast holds override ${id} --occurrence ${n} --reason TEXT`);
      showRun(context, id, expectOk<OccurrenceView>(answer));
      // A notify-only window started through a hold: which one, as the gate says it.
      const notice = answer.response.headers.get('holdfast-notice');
      if (notice) context.io.err(notifyOnlyNotice(notice, id));
      // A run an override let through runs in holds in force: which, and where to read who let it through, as holdfast gate says it.
      const letThrough = letThroughOf(answer.response.headers.get('holdfast-let-through'), id);
      if (letThrough) context.io.err(`holdfast: ${letThrough}\n`);
    },
  },
  {
    name: 'windows complete',
    argument: 'ID',
    usage: 'holdfast windows complete ID [--occurrence N]',
    summary: 'mark a run completed; the run in progress unless --occurrence N',
    options: { occurrence: { type: 'string' } },
    actsOn: ['occurrence'],
    async run(context) {
      const id = idArgument(context, 'window');
      const { answer } = await takeRun(context, id, 'complete');
      showRun(context, id, expectOk<OccurrenceView>(answer));
    },
  },
  {
    name: 'windows skip',
    argument: 'ID',
    usage: 'holdfast windows skip ID --occurrence N [--version N]',
    summary: "cancel one run of a recurring window, the others keeping their numbers: its start is added to the window's exdates (take it out of them with windows update --file to bring the run back)",
    options: { occurrence: { type: 'string' }, version: { type: 'string' } },
    async run(context) {
      const id = idArgument(context, 'window');
      const n = wholeNumber(context.values, 'occurrence');
      if (n === undefined) throw new MissingInputError(`give --occurrence N, the run to skip (holdfast windows occurrences ${id} lists them)`);
      const window = expectOk<WindowView>(await reach(() => context.api.planner.GET('/v1/windows/{id}', { params: { path: { id } } }), planner));
      if (!window.recurrence) throw new CliError(`window ${id} does not recur: to call off its one run, cancel it (holdfast windows cancel ${id} --reason TEXT)`);
      const run = (await runsOf(context, id)).items.find((one) => one.number === n);
      if (!run) throw new CliError(`window ${id} has no run ${n} stored (holdfast windows occurrences ${id} lists them)`);
      if (!SKIPPABLE.includes(run.status)) throw new CliError(`run ${n} of window ${id} is ${run.status}: only a run still to come, scheduled or held, can be skipped`);
      // The run's instant, not its local time: in a fall-back's repeated hour a local time names the first pass only.
      const exdate = `${new Date(run.startsAt).toISOString().slice(0, 19)}Z`;
      const version = wholeNumber(context.values, 'version') ?? window.version;
      // A run moved after a hold starts at no time of the rule: the planner refuses the exdate (exdate-names-no-run), naming the run nearest it.
      expectOk<WindowView>(await reach(() => context.api.planner.PATCH('/v1/windows/{id}', { params: { path: { id } }, body: { version, exdates: [...(window.exdates ?? []), exdate] } }), planner));
      showRun(context, id, (await runsOf(context, id)).items.find((one) => one.number === n) ?? run);
    },
  },
  {
    name: 'windows suggestions',
    argument: 'ID',
    usage: 'holdfast windows suggestions ID [--count 3]',
    summary: 'the least harmful slots for a window, in each affected region\'s local time',
    options: { count: { type: 'string' } },
    async run(context) {
      const id = idArgument(context, 'window');
      const count = wholeNumber(context.values, 'count');
      const body = expectOk<{ slots: SlotView[]; notes?: string[] }>(await reach(() => context.api.planner.GET('/v1/windows/{id}/suggestions', { params: { path: { id }, query: { count } } }), planner));
      if (context.json) return printJson(context.io, body);
      const slots = body.slots;
      context.io.out(
        table(
          ['STARTS (UTC)', 'ENDS (UTC)', 'EXPECTED IMPACT', 'LOCAL START PER REGION'],
          slots.map((slot) => [utcTime(slot.startsAt), utcTime(slot.endsAt), slot.expectedImpact.toFixed(3), localLines(slot.startsAt, slot.localTimes, 'UTC')]),
        ),
      );
      for (const note of body.notes ?? []) context.io.out(`note: ${note}\n`);
    },
  },
];
