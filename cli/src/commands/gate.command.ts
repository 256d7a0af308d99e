import { DateTime } from 'luxon';
import { CliError, ExitCode, MissingInputError } from '../cli-io';
import { isProblem, notTheService, problemText, reach, type Problem } from '../client/holdfast-api';
import type { ApiAnswer } from '../client/typed-client';
import { idFlag, printJson, regionCodes, text, utcInstant, type Command, type CommandContext } from '../command';
import { formatDuration, parseDuration, retryAfterMs } from '../duration';
import { localRangePerRegion, localTime, offsetNote, utcTime, type ZoneOf } from '../output/local-times';
import { regionZones } from '../output/region-zones';
import { table } from '../output/table';

/** How long --wait waits between polls when the planner sends no Retry-After. */
const DEFAULT_INTERVAL = '30s';
const MIN_INTERVAL_MS = 1000;
/** The planner's 503 (its database or broker away), and a proxy's 502 or 504 while the planner behind it restarts. */
const CANNOT_ANSWER = [502, 503, 504];
/** How long a check made at the deadline may take (as long as --timeout, from 1 s to this): the planner answers the gate in milliseconds. */
const LAST_CHECK_MS = 5000;

/** What a held gate suggests beside retrying later: waiting, unless it was waited for (then waiting longer). */
const RUN_WITH_WAIT = 'or run with --wait';
const WAIT_LONGER = 'or give --wait a longer --timeout';
/** What a held what-if suggests instead: --wait refuses --at. */
const ASK_LATER = 'or ask about a later --at';

/** A hold as the planner's 423 problem document lists it. */
interface GateHold {
  id: string;
  regions: string[];
  reason: string;
  source: string;
  from: string;
  until: string | null;
  /** A cleared surge's hold: it holds until then (its cool-down), whatever its until estimated. */
  releaseDueAt?: string;
}

export const gateCommand: Command = {
  name: 'gate',
  usage: 'holdfast gate (--window ID | --regions IR,NP) [--at TIME | --wait [--timeout 30m] [--interval 30s]]',
  summary:
    'may maintenance start now? exit 0 allowed, 3 held (holds, reasons and when to retry printed), 1 error; --wait also waits out a planner that cannot answer; --at TIME asks what the gate will answer then if nothing changes',
  options: {
    window: { type: 'string' },
    regions: { type: 'string' },
    at: { type: 'string' },
    wait: { type: 'boolean' },
    timeout: { type: 'string' },
    interval: { type: 'string' },
  },
  async run(context) {
    const windowId = idFlag(context.values, 'window', 'window');
    const regions = regionCodes(context.values, 'regions');
    if (Boolean(windowId) === Boolean(regions?.length)) throw new MissingInputError('give exactly one of --window ID or --regions IR,NP');
    const at = utcInstant(context.values, 'at');
    const subject = windowId ? `window ${windowId}` : `regions ${regions!.join(', ')}`;
    const asked = { ...(windowId ? { windowId } : { regions: regions!.join(',') }), ...(at ? { at } : {}) };
    const ask = (signal?: AbortSignal) => reach(() => context.api.planner.GET('/v1/gate', { params: { query: asked }, signal }), 'maintenance-planner');

    if (!context.values.wait) {
      // Without --wait the gate is asked once: a timeout or interval given would be silently ignored.
      const waitOnly = ['timeout', 'interval'].find((name) => text(context.values, name) !== undefined);
      if (waitOnly) throw new CliError(`--${waitOnly} is for --wait: add --wait to wait for the gate, or leave --${waitOnly} out to ask it once`, ExitCode.usage);
      return report(context, subject, await ask(), at ? ASK_LATER : RUN_WITH_WAIT, windowId, at);
    }
    // --wait's exit 0 is what lets a job go on: a what-if's 200 says nothing of a start now.
    if (at) {
      throw new CliError(
        '--wait waits until the gate allows a start now, and with --at its allowed would be about that time, not now: a job going on after it could start while held. Leave out --at to wait for the gate now, or --wait to ask about --at once',
        ExitCode.usage,
      );
    }

    const timeoutMs = parseDuration(text(context.values, 'timeout') ?? '30m', 'timeout');
    const intervalMs = parseDuration(text(context.values, 'interval') ?? DEFAULT_INTERVAL, 'interval');
    // Shorter, a wait would ask the planner without pause and spend the key's rate limit that other jobs share.
    if (intervalMs < MIN_INTERVAL_MS) throw new CliError(`--interval must be at least 1s, not ${text(context.values, 'interval')}`, ExitCode.usage);
    const deadline = context.io.now() + timeoutMs;
    // Failing closed: a planner that cannot answer (restarting, or its database or broker away) is waited out like a hold.
    // A planner that takes the connection and never answers must not outlast --timeout: each check ends at the deadline, the last one (made at it) given a moment.
    const lastCheckMs = Math.min(LAST_CHECK_MS, Math.max(MIN_INTERVAL_MS, timeoutMs));
    const poll = () => ask(context.io.abortAfter(Math.max(lastCheckMs, deadline - context.io.now()))).catch((error: unknown) => (error instanceof CliError ? error : Promise.reject(error)));
    for (let attempt = 1; ; attempt += 1) {
      const answer = await poll();
      // Rate limited (another job on the same key) is waited out too, never sooner than it asks.
      const rateLimited = !(answer instanceof CliError) && answer.response.status === 429;
      const unavailable = answer instanceof CliError || CANNOT_ANSWER.includes(answer.response.status) || rateLimited;
      if (!unavailable && answer.response.status !== 423) return report(context, subject, answer, WAIT_LONGER, windowId);
      const left = deadline - context.io.now();
      if (left <= 0) {
        context.io.err(`gave up after ${formatDuration(timeoutMs)}: ${unavailable ? 'the maintenance-planner is still unavailable' : `${subject} is still held`}\n`);
        if (answer instanceof CliError) throw answer;
        return report(context, subject, answer, WAIT_LONGER, windowId);
      }
      const retryAfter = answer instanceof CliError ? undefined : retryAfterMs(answer.response.headers.get('retry-after'), context.io.now());
      // A hold's Retry-After is when it may end at the latest guess: --interval bounds the pause, so a release sooner is seen within it.
      const pause = Math.min(rateLimited ? (retryAfter ?? intervalMs) : Math.min(retryAfter ?? intervalMs, intervalMs), left);
      context.io.err(`[${new Date(context.io.now()).toISOString()}] check ${attempt}: ${waitingFor(subject, answer)}; next check in ${formatDuration(pause)}, giving up in ${formatDuration(left)}\n`);
      await context.io.sleep(pause);
    }
  },
};

/** Why --wait waits: the holds on the subject, or why the planner could not say. */
function waitingFor(subject: string, answer: ApiAnswer | CliError): string {
  if (answer instanceof CliError) return answer.message;
  if (CANNOT_ANSWER.includes(answer.response.status)) return `the maintenance-planner could not answer: ${problemText(answer)}`;
  if (answer.response.status === 429) return `the maintenance-planner is rate limiting this key: ${problemText(answer)}`;
  const holds = holdsOf(answer.body);
  return `${subject} held by ${holds.length} hold(s) (${holds.map((hold) => `${hold.regions.join('+')}: ${hold.reason}`).join('; ')})`;
}

function holdsOf(body: unknown): GateHold[] {
  return isProblem(body) && Array.isArray((body as Problem).holds) ? ((body as Problem).holds as GateHold[]) : [];
}

/** The planner's notice for a notify-only window run through a hold (its Holdfast-Notice), with the command that names each hold's cause. */
export const notifyOnlyNotice = (notice: string, windowId: string): string => `holdfast: ${notice}\n  from the CLI: holdfast explain ${windowId} names each hold's cause\n`;

/**
 * The run and the holds the planner's Holdfast-Let-Through names (`run=N; holds=ID,ID`, and `; more=K` for those past
 * the first ten) in words, with the command that says who let it through and why; undefined without the header. One of
 * another shape is shown as it came.
 */
export function letThroughOf(header: string | null, windowId: string): string | undefined {
  if (header === null) return undefined;
  const named = header.match(/^run=(\d+); holds=([^;\s]+)(?:; more=(\d+))?$/);
  const holds = named?.[2].split(',') ?? [];
  const more = Number(named?.[3] ?? 0);
  const which = more > 0 ? `${holds.length + more} holds, ${holds.join(', ')} and ${more} more,` : `${holds.length === 1 ? 'hold' : 'holds'} ${holds.join(', ')}`;
  const what = named ? `run ${named[1]} is let through ${which}` : `run in question is let through holds (${header})`;
  return `window ${windowId}'s ${what} by an override (holdfast audit --subject ${windowId} says who let it through and why)`;
}

/** `windowId` when the gate was asked of a window, whose holds can be overridden and told of by the planner's notice; `at` the time a what-if asked about. */
async function report(context: CommandContext, subject: string, answer: ApiAnswer, howToWait: string, windowId?: string, at?: string): Promise<number> {
  const { response, body } = answer;
  // Only the planner's own answer allows: anything else that succeeds (a proxy's sign-in page, another service on the port) fails closed.
  if (response.status === 200 && (body as { allowed?: unknown } | undefined)?.allowed === true) {
    // A notify-only window runs through a hold: its owner is told which, on stderr, where a job's log keeps it.
    const notice = response.headers.get('holdfast-notice');
    // A run let through by an override runs while those holds are in force: "nothing holds it" would be false.
    const letThrough = windowId ? letThroughOf(response.headers.get('holdfast-let-through'), windowId) : undefined;
    // Allowed now is no start now for a run days ahead, which windows start refuses: the line names the run judged (a Let-Through names it already).
    const judged = windowId && !at && !letThrough ? await runJudgedNow(context, windowId) : undefined;
    if (context.json) {
      printJson(context.io, body);
      if (letThrough) context.io.err(`holdfast: ${letThrough}\n`);
      if (judged?.notDue) context.io.err(`holdfast: ${subject}: ${judged.said}\n`);
    } else {
      const run = judged ? `; ${judged.said}` : '';
      context.io.out(notice ? `allowed: ${subject} runs (notify-only)${run}\n` : letThrough ? `allowed: ${letThrough}\n` : `allowed: nothing holds ${subject} ${at ? `at ${at}` : 'now'}${run}\n`);
    }
    if (notice) context.io.err(windowId ? notifyOnlyNotice(notice, windowId) : `holdfast: ${notice}\n`);
    return ExitCode.ok;
  }
  if (response.ok) throw new CliError(notTheService(answer, "the planner's gate answer", '--planner-url or HOLDFAST_PLANNER_URL'));
  // A 409 is final, as any refusal but a hold: --wait does not wait on it.
  if (response.status !== 423) throw new CliError(windowId ? refusalOfWindow(answer, windowId) : problemText(answer));
  return reportHeld(context, subject, answer, howToWait, windowId && `holdfast holds override ${windowId} --reason TEXT`);
}

/** A window's run as its runs list (GET /v1/windows/{id}/occurrences) gives it. */
interface ListedRun {
  number: number;
  status: string;
  startsAt: string;
  /** From when windows start takes it (its start less OCCURRENCE_EARLY_START_MINUTES); a planner from before 2026-12-07 gives none. */
  startableFrom?: string | null;
  localTimes?: { region: string; zone: string }[];
}

/**
 * The run a window's gate judged now, in words: the first scheduled or held and not over, else the one in progress, as
 * the planner's gate and windows start take it. Not its nextOccurrence, which may be a run waiting for a new slot that
 * the gate passes over. Undefined when the runs cannot be read or none is to start: the allowed stands as it came.
 */
async function runJudgedNow(context: CommandContext, windowId: string): Promise<{ said: string; notDue: boolean } | undefined> {
  const now = context.io.now();
  let items: unknown;
  try {
    // One page of the planner's largest: a window's runs not over by now are far fewer.
    const answer = await context.api.planner.GET('/v1/windows/{id}/occurrences', { params: { path: { id: windowId }, query: { from: new Date(now).toISOString(), limit: 2000 } } });
    items = answer.response.ok ? (answer.body as { items?: unknown } | undefined)?.items : undefined;
  } catch {
    return undefined;
  }
  if (!Array.isArray(items)) return undefined;
  const runs = items as ListedRun[];
  // A held run whose start has passed, in an allowed answer with no override named, is one whose holds ended before the
  // sweep released them: it waits for a new slot, and the gate judged the run after it.
  const judged = (listed: ListedRun) => listed.status === 'scheduled' || (listed.status === 'held' && Date.parse(listed.startsAt) > now);
  const run = runs.find(judged) ?? runs.find((listed) => listed.status === 'in-progress');
  if (!run) return undefined;
  if (run.status === 'in-progress') return { said: `its run ${run.number} is in progress`, notDue: false };
  const startsInMs = Date.parse(run.startsAt) - now;
  if (startsInMs <= 0) return { said: `its run ${run.number} is due`, notDue: false };
  const zones = run.localTimes ?? [];
  const local = zones.map((region) => `; ${region.region} ${localTime(run.startsAt, region.zone)}`).join('');
  const next = `its next run, ${run.number}, starts in ${formatDuration(startsInMs)} (${utcTime(run.startsAt)}${local}): `;
  const refused = `and holdfast windows start ${windowId} refuses it until then`;
  const startableFrom = typeof run.startableFrom === 'string' ? Date.parse(run.startableFrom) : NaN;
  // A planner without startableFrom keeps its early-start allowance to itself: its setting is named, not guessed.
  if (Number.isNaN(startableFrom)) return { said: `${next}not due until OCCURRENCE_EARLY_START_MINUTES (the planner's setting) before then, ${refused}`, notDue: true };
  // In the run's regions' zones too, as its start is.
  const utc = timeToTheSecond(startableFrom, 'UTC');
  const localFrom = zones.map((region) => `${region.region} ${timeToTheSecond(startableFrom, region.zone)}`);
  if (startableFrom <= now) return { said: `${next}due now (may start from ${[utc, ...localFrom].join('; ')})`, notDue: false };
  return { said: `${next}not due until ${utc} (${[...localFrom, 'OCCURRENCE_EARLY_START_MINUTES before its start'].join('; ')}), ${refused}`, notDue: true };
}

/** An instant as localTime writes it, with its seconds when it has any: an allowance in fractions of a minute starts a run between minutes. */
function timeToTheSecond(at: number, zone: string): string {
  const instant = DateTime.fromMillis(at, { zone });
  return instant.second === 0 ? localTime(instant.toISO(), zone) : `${instant.toFormat('yyyy-MM-dd HH:mm:ss')} ${zone}${offsetNote(zone, instant.toFormat('ZZ'))}`;
}

/** A run held past its time that waits for a new slot, as the planner's 409 run-awaits-new-slot names it. */
interface WaitingRun {
  number: number;
  proposedSlot: { startsAt: string; endsAt: string } | null;
}

/**
 * The planner's refusal of a window; for a run waiting for a new slot, with the CLI's way to take the slot proposed
 * (as `windows show` words it), or to choose one, and to run it now anyway (as `windows start` words it).
 */
function refusalOfWindow(answer: ApiAnswer, windowId: string): string {
  const problem = answer.body as (Problem & { waitingRun?: WaitingRun; windowVersion?: number }) | undefined;
  const run = problem?.waitingRun;
  if (answer.response.status !== 409 || problem?.code !== 'run-awaits-new-slot' || !run || typeof problem.windowVersion !== 'number') return problemText(answer);
  const update = (start: string, end: string) => `holdfast windows update ${windowId} --start ${start} --end ${end} --version ${problem.windowVersion}`;
  const move = run.proposedSlot
    ? `${update(run.proposedSlot.startsAt, run.proposedSlot.endsAt)} takes the slot proposed`
    : `holdfast windows suggestions ${windowId} proposes slots, and ${update('START', 'END')} takes one`;
  return `${problemText(answer)}\n  from the CLI: ${move}; holdfast windows start ${windowId} --occurrence ${run.number} runs it now anyway, outside its slot`;
}

/** A 423 from the planner (the gate's, or a run's start): the holds, when to retry and how to wait instead, and exit 3. */
export async function reportHeld(context: CommandContext, subject: string, answer: ApiAnswer, howToWait: string, override?: string): Promise<number> {
  const { response, body } = answer;
  if (context.json) {
    printJson(context.io, body);
    return ExitCode.held;
  }
  const retry = retryAfterMs(response.headers.get('retry-after'), context.io.now());
  const holds = holdsOf(body);
  const zoneOf = await regionZones(context.api);
  context.io.out(`held: ${(body as Problem).detail ?? `${subject} is held`}\n`);
  context.io.out(
    table(
      ['HOLD', 'SOURCE', 'REASON', 'UNTIL (UTC)', 'LOCAL TIME PER REGION'],
      holds.map((hold) => {
        const until = hold.releaseDueAt ?? hold.until;
        return [hold.id, hold.source, hold.reason, until === null ? 'until released' : utcTime(until), localRangePerRegion(hold.regions, hold.from, until, zoneOf)];
      }),
    ),
  );
  if (retry !== undefined) context.io.out(`${retryAdvice(holds, (body as Problem).holdCount, retry, context.io.now(), zoneOf, howToWait)}\n`);
  // A window's holds can be overridden (a key with holds:override); a region's cannot.
  if (override) context.io.out(`to run it anyway, with the reason on the audit trail: ${override}\n`);
  return ExitCode.held;
}

/** The sources whose until is a surge's expected end, an estimate: their hold lasts until the surge clears and its cool-down passes. */
const SURGE_ESTIMATED = ['detector', 'alert'];

/** What ends a hold with no end yet, by its source; any hold also ends when someone releases it (holdfast holds release). */
const LASTS_UNTIL: Record<string, string> = {
  detector: 'its surge clears and the cool-down after it passes, or someone releases it',
  alert: 'its alert resolves and the cool-down after it passes, or someone releases it',
  declaration: 'its declaration ends or is cancelled and the cool-down after it passes, or someone releases it',
  manual: 'someone releases it',
};
const lastsUntil = (source: string) => LASTS_UNTIL[source] ?? 'someone releases it';

/** Where a listed hold ends, as the planner counts Retry-After: its release due or until, an estimate for a surge's; undefined with none (a surge's estimate passed included). */
function endOf(hold: GateHold, now: number): { at: number; estimate: boolean } | undefined {
  if (hold.releaseDueAt) return { at: Date.parse(hold.releaseDueAt), estimate: false };
  if (hold.until === null) return undefined;
  const estimate = SURGE_ESTIMATED.includes(hold.source);
  const at = Date.parse(hold.until);
  return estimate && at <= now ? undefined : { at, estimate };
}

/** "the alert hold on AR", "the 2 alert holds on AR": holds alike named once. */
const holdsNamed = (hold: GateHold, count = 1) => (count === 1 ? `the ${hold.source} hold on ${hold.regions.join(', ')}` : `the ${count} ${hold.source} holds on ${hold.regions.join(', ')}`);

/**
 * When to ask the gate again, in UTC and the held regions' zones, and whose end that is. Retry-After is when the last hold
 * with an end ends (GATE_RETRY_AFTER_SECONDS while none has one): a hold with no end may hold on past it, and is named with
 * what ends it, so the time does not read as the one the subject is free. `holdCount`: every hold, the 423 listing the first 10.
 */
function retryAdvice(holds: readonly GateHold[], holdCount: unknown, retryMs: number, now: number, zoneOf: ZoneOf, howToWait: string): string {
  const at = new Date(now + retryMs).toISOString();
  const regions = [...new Set(holds.flatMap((hold) => hold.regions))];
  const local = regions.flatMap((region) => (zoneOf(region) === 'UTC' ? [] : [`; ${region} ${localTime(at, zoneOf(region))}`])).join('');
  const unlisted = typeof holdCount === 'number' ? Math.max(0, holdCount - holds.length) : 0;
  const ends = holds.map((hold) => ({ hold, end: endOf(hold, now) }));
  const last = ends.reduce<(typeof ends)[number] | undefined>((latest, entry) => (entry.end && (!latest?.end || entry.end.at > latest.end.at) ? entry : latest), undefined);
  // The 423 lists the holds soonest to end first: past the tenth, the last end may be one not listed.
  const when = !last
    ? 'when the planner suggests asking again'
    : unlisted > 0
      ? 'when the last of its holds with an end ends'
      : `when ${holdsNamed(last.hold)} ${last.end!.estimate ? 'is expected to end' : 'ends'}`;
  const alike = new Map<string, { hold: GateHold; count: number; estimate: boolean }>();
  for (const { hold, end } of ends) {
    if (end && !end.estimate) continue;
    const key = `${hold.source} ${hold.regions.join(',')} ${Boolean(end)}`;
    const seen = alike.get(key);
    if (seen) seen.count += 1;
    else alike.set(key, { hold, count: 1, estimate: Boolean(end) });
  }
  const caveats = [...alike.values()].map(({ hold, count, estimate }) => {
    const named = holdsNamed(hold, count);
    if (estimate) return `${named} may outlast that: ${count === 1 ? "its until is its surge's estimate, and it lasts" : "each one's until is its surge's estimate, and each lasts"} until ${lastsUntil(hold.source)}`;
    return `${named} ${count === 1 ? 'has no end: it lasts' : 'have no end: each lasts'} until ${lastsUntil(hold.source)}`;
  });
  if (unlisted > 0) caveats.push(`${unlisted} more ${unlisted === 1 ? 'hold is' : 'holds are'} not listed here and may have no end (holdfast holds list --active lists every hold)`);
  return `retry after ${formatDuration(retryMs)} (${utcTime(at)}${local}), ${when}, ${howToWait}${caveats.map((caveat) => `; ${caveat}`).join('')}`;
}
