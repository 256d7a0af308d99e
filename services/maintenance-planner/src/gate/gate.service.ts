import { Topics } from '@holdfast/contracts';
import { CONSUMER_SESSION_TIMEOUT_MS, MessagingRuntime } from '@holdfast/messaging';
import { Clock, DomainError, InjectServiceConfig, type ServiceConfig } from '@holdfast/service-kit';
import { MetricsRegistry } from '@holdfast/observability';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import type { PlannerSettings } from '../config/planner-settings';
import { stopsRunsUntilSql } from '../holds/hold-record';
import { HoldsService } from '../holds/holds.service';
import { awaitsNewSlotAt, namedRunAwaitsNewSlot, noRunLeft } from '../windows/runs-to-come';
import { windowCancelled } from '../windows/window-cancelled';
import { stopsRun } from '../windows/window-record';
import { type ActiveHold, expectedEndUs, type GateHold, type Holding, HoldSet, listingOf } from './hold-set';
import type { PartitionBehind } from './surge-log-lag';
import { SurgeLogWatch } from './surge-log-watch';

/** Holds listed in a 423 answer at most; `holdCount` says how many there are. */
export const GATE_LISTED_HOLDS = 10;

/**
 * How far before now an `at` is still taken as now: a caller's clock behind the planner's. Further
 * back the gate cannot answer truthfully, keeping only the holds not yet released.
 */
export const GATE_AT_SKEW_MS = 60_000;

/** When the gate cannot say "allowed" for want of the broker: about when a restarting broker is back, or a backlog of surges applied. */
const UNHEARD_RETRY_AFTER_SECONDS = 5;
const ASK_AGAIN_FOR_KAFKA = 'Ask again in a few seconds (GET /health/ready says when Kafka is back); holdfast gate --wait does.';

/** An instant in epoch microseconds, as PostgreSQL keeps and compares it. */
const microseconds = (column: string) => `(extract(epoch FROM ${column}) * 1000000)::bigint`;

/**
 * What one gate question reads, in one statement (one snapshot): the window (its footprint, its
 * policy, and of its run in question the holds it was let through by an override and those it is
 * held by), or nothing when regions were asked, and the version of the unreleased holds; the holds
 * themselves only when that version is not the one the gate keeps ($1). A hold committed before the
 * question changed the version in its own transaction (migration 1765100000000), so the question
 * sees them as committed, never older.
 */
const GATE_QUERY = `
  SELECT v.version::text AS version,
         w.id IS NOT NULL AS found, w.status = 'cancelled' AS cancelled, run.number AS run_number,
         -- Named, a run held past its start by holds all ended by $3 (a declaration's a cool-down, $5, after its until), the sweep not
         -- come to release them: it waits for a new slot.
         $4::int IS NOT NULL AND ${awaitsNewSlotAt('run', '$3', '$5')} AS named_awaits_new_slot,
         -- A scheduled run's start, in epoch microseconds as the holds' (exact in a float8): before it is due, only a hold reaching it stops it.
         CASE WHEN run.status = 'scheduled' THEN (extract(epoch FROM run.starts_at) * 1000000)::float8 END AS scheduled_start_us,
         w.footprint_global AS global, w.footprint_regions AS regions, w.surge_policy = 'hold' AS holdable, w.surge_policy = 'notify-only' AS notify_only,
         -- An override may be of one run: only the run in question's count.
         (SELECT array_agg(h.hold_id) FROM hold_occurrence h WHERE h.window_id = w.id AND h.number = run.number AND h.overridden_by IS NOT NULL) AS overridden,
         -- As starting it judges a held run (occurrenceStatusOf): by every hold linked to it, also one that begins later within it.
         -- A running run's links (in_progress) count alike: the run lasts into that hold, and its heldBy names it.
         (SELECT array_agg(h.hold_id) FROM hold_occurrence h
           WHERE run.status IN ('scheduled', 'in-progress') AND h.window_id = w.id AND h.number = run.number AND h.kind = 'held' AND h.released_at IS NULL AND h.overridden_by IS NULL
          HAVING bool_or(${stopsRun('h', 'run')})) AS held_run,
         CASE WHEN v.version IS NULL OR v.version IS DISTINCT FROM $1::bigint THEN (
           -- Arrays of plain values: building objects and writing instants as text cost PostgreSQL 3.5 times as much at 1k holds.
           SELECT coalesce(json_agg(json_build_array(id, regions, reason, source, ${microseconds('from_at')}, ${microseconds('until_at')}, ${microseconds('release_due_at')}) ORDER BY coalesce(release_due_at, until_at) NULLS LAST, placed_at), '[]')
             FROM hold WHERE released_at IS NULL)
         END AS holds
    FROM (VALUES (1)) AS question
    LEFT JOIN hold_set_version v ON true
    LEFT JOIN maintenance_window w ON w.id = $2
    -- The run in question: the one named ($4); or else the one holdfast windows start ID takes, the
    -- first scheduled or held and not over at $3, and only with none left the one running. A run waiting
    -- for a new slot is one only when named, as that command starts it: its end still to come, it is no
    -- run to start now (noRunLeft's 409 says so); so is one held past its start whose holds have all ended
    -- by $3, which the sweep marks so on releasing them. Branches: joined on COALESCE($4, ...), PostgreSQL
    -- hashed every run of the window.
    LEFT JOIN LATERAL (
      SELECT candidate.window_id, candidate.number, candidate.status, candidate.starts_at FROM (
        (SELECT 0 AS choice, o.window_id, o.number, o.status, o.starts_at FROM occurrence o WHERE o.window_id = w.id AND o.number = $4::int)
        UNION ALL
        (SELECT 1, o.window_id, o.number, o.status, o.starts_at FROM occurrence o
          WHERE $4::int IS NULL AND o.window_id = w.id AND o.ends_at > $3 AND o.status IN ('scheduled', 'held') AND NOT ${awaitsNewSlotAt('o', '$3', '$5')} ORDER BY o.starts_at LIMIT 1)
        UNION ALL
        (SELECT 2, o.window_id, o.number, o.status, o.starts_at FROM occurrence o
          WHERE $4::int IS NULL AND o.window_id = w.id AND o.ends_at > $3 AND o.status = 'in-progress' ORDER BY o.starts_at LIMIT 1)
      ) candidate ORDER BY candidate.choice LIMIT 1
    ) run ON true`;

/** The header a notify-only window's gate answer, or its run's start, names the holds in force in. */
export const NOTICE_HEADER = 'Holdfast-Notice';

/** The header a window's gate answer names the run in question and the holds in force it is let through by an override in. */
export const LET_THROUGH_HEADER = 'Holdfast-Let-Through';

/** The Holdfast-Let-Through header as the gate's 200 and a run's start document it. */
export const LET_THROUGH_HEADER_DOCUMENT = {
  description:
    `for a run let through by an override: run=N; holds=ID,ID, the run (the gate's run in question, or the run started) and the holds in force at the instant asked, or now for a start (also one beginning later within the run), that it is let through, soonest to end first: the first ${GATE_LISTED_HOLDS}, then more=K counting the rest; who let it through and why: GET /v1/audit?subject= the window's id`,
  schema: { type: 'string', pattern: '^run=[0-9]+; holds=[0-9a-f-]+(,[0-9a-f-]+)*(; more=[0-9]+)?$' },
};

/**
 * What a run's Holdfast-Let-Through says: the first holds it is let through, as many as a 423 lists, and how many more. Every id
 * (about 37 bytes each) made a global window overridden through 450 holds answer a header over 16 KiB, which Node's HTTP client
 * refuses and a proxy's 4-8 KiB buffers turn into a 502.
 */
function letThroughHeader(run: number, holdIds: readonly string[]): string {
  const more = holdIds.length > GATE_LISTED_HOLDS ? `; more=${holdIds.length - GATE_LISTED_HOLDS}` : '';
  return `run=${run}; holds=${holdIds.slice(0, GATE_LISTED_HOLDS).join(',')}${more}`;
}

/**
 * The gate's 200; for a notify-only window in a hold, what its Holdfast-Notice header says; for a run let through
 * holds in force by an override, what its Holdfast-Let-Through header says (`run=N; holds=ID,ID`, `; more=K` past ten).
 */
export interface GateAllowed {
  answer: { allowed: true };
  notice?: string;
  letThrough?: string;
}

/** Ids and region codes only: a header carries no hold's free-text reason (its characters need not be ones a header takes). */
function notifyOnlyNotice(listed: readonly GateHold[], count: number): string {
  const named = listed.slice(0, 3).map((hold) => `${hold.id} (${hold.regions.join(', ')})`).join('; ');
  return `notify-only window: it runs while held by ${count === 1 ? 'hold' : `${count} holds:`} ${named}${count > 3 ? ' and more' : ''}; its owners are told (GET /v1/holds/{id} says why)`;
}

interface GateRow {
  version: string | null;
  found: boolean;
  cancelled: boolean | null;
  /** The run in question; null when, unnamed, the window has none scheduled or held and not over at the instant asked, none running (noRunLeft then says whether any is left, or one waits for a new slot). */
  run_number: number | null;
  /** The run named waits for a new slot as the sweep will mark it: held past its start by holds all ended by the instant asked. */
  named_awaits_new_slot: boolean | null;
  /** The run in question's start when it is scheduled (not started, not waiting for a new slot). */
  scheduled_start_us: number | null;
  global: boolean | null;
  regions: string[] | null;
  holdable: boolean | null;
  notify_only: boolean | null;
  overridden: string[] | null;
  /** The holds its run in question is held by, when it is held: in force now or beginning later within the run. */
  held_run: string[] | null;
  /** Every unreleased hold, in listing order, when the version is not the one asked about. */
  holds: HoldRow[] | null;
}

/** A hold as the statement sends it: id, regions, reason, source, from, until and release due in epoch microseconds. */
type HoldRow = [string, string[], string, string, number, number | null, number | null];

const activeHold = ([id, regions, reason, source, fromUs, untilUs, releaseDueUs]: HoldRow): ActiveHold => ({ id, regions, reason, source, fromUs, untilUs, releaseDueUs });

/**
 * "May I start now?", answered from the planner's own tables with one indexed statement per
 * question: the unreleased holds are kept in memory, and each statement says whether they are
 * still the ones PostgreSQL has, sending them again when not.
 */
@Injectable()
export class GateService {
  private readonly answers;
  /** The unreleased holds as of the last version a statement returned. */
  private holdSet: HoldSet | undefined;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly holds: HoldsService,
    @InjectServiceConfig() private readonly config: ServiceConfig<PlannerSettings>,
    private readonly messaging: MessagingRuntime,
    private readonly surgeLog: SurgeLogWatch,
    metrics: MetricsRegistry,
  ) {
    this.answers = metrics.counter('holdfast_gate_answers_total', 'Gate answers, by outcome', ['outcome']);
  }

  private get coolDownUs(): number {
    return this.config.settings.holdCooldownMs * 1000;
  }

  /** TypeORM's pg pool: its query() takes a statement name, which TypeORM's own query() does not pass on. */
  private get pool(): Pool {
    return (this.dataSource.driver as PostgresDriver).master as Pool;
  }

  /**
   * Throws the 423 problem document (holds listed, Retry-After set) when something holds it. For a
   * window, `occurrence` names the run (start asks for its own, and is answered the 423 the gate gives for
   * it, a run waiting for a new slot included); without it, the next run scheduled or held (the one
   * `holdfast windows start ID` takes), else the one in progress. A held run is held also by a hold that
   * begins later within it, as starting it answers: a caller waiting at the gate before the start waits
   * for what the start waits for. An `at` ahead is
   * answered as the gate will answer then if nothing changes: the run in question then, by the holds in
   * force then and those reaching that run. A run that may not start yet is held only by the holds that
   * reach it, as an override lets it through those alone. A window with no run left to start, like a
   * cancelled one, is a 409: it never runs again; so is one asked about a time past its last run (none
   * left then); so is one whose only run to start waits for a new slot, held past its start, its end
   * passed or still to come: it runs once moved, not now.
   */
  async check(query: { windowId?: string; regions?: string[]; at?: Date; occurrence?: number }): Promise<GateAllowed> {
    const now = this.clock.now();
    const at = this.askedAt(query.at, now);
    const regions = query.windowId ? null : this.holds.knownRegions(query.regions ?? []);
    const kept = this.holdSet;
    // A named statement: each pooled connection plans it once, not on every question.
    const { rows } = await this.pool.query<GateRow>({
      name: 'planner-gate',
      text: GATE_QUERY,
      values: [kept?.version ?? null, query.windowId ?? null, at, query.occurrence ?? null, this.config.settings.holdCooldownMs],
    });
    const [row] = rows;
    // The statement sends the holds only when the kept ones are not current; a question answered
    // while another reloads keeps the set its own statement vouched for.
    let holdSet = kept as HoldSet;
    if (row.holds !== null) {
      holdSet = new HoldSet(row.version, row.holds.map(activeHold), this.coolDownUs);
      if (row.version !== null) this.holdSet = holdSet;
    }
    if (query.windowId && !row.found) throw new DomainError('window-not-found', 404, `No window ${query.windowId}: list windows with GET /v1/windows.`);
    // Neither "go" nor "wait": a cancelled window never runs, and a caller retrying on 423 would wait forever.
    if (query.windowId && row.cancelled) {
      this.answers.inc({ outcome: 'cancelled' });
      throw await windowCancelled(this.dataSource, query.windowId, 'do not start it or wait for it');
    }
    // Nor for one with no run to start, none left or one waiting for a new slot (whose start now would run it outside
    // any slot): read only when the statement found no run in question, which is rare. Judged at the instant asked: a
    // what-if past the last run has none left then, though it has one now (it said 200, the gate asked then 409).
    // A run named that waits so, its holds ended by time before the sweep released them, is refused as the gate refuses it unnamed.
    const question = { at, now, sweepIntervalMs: this.config.settings.sweepIntervalMs, coolDownMs: this.config.settings.holdCooldownMs };
    const ended =
      query.windowId && row.run_number === null
        ? await noRunLeft(this.dataSource, query.windowId, question)
        : query.windowId && query.occurrence !== undefined && row.named_awaits_new_slot
          ? await namedRunAwaitsNewSlot(this.dataSource, query.windowId, query.occurrence, question)
          : null;
    if (ended) {
      this.answers.inc({ outcome: ended.code });
      throw ended;
    }
    // Exempt and notify-only windows are never stopped, not even for want of the broker.
    const holdable = !query.windowId || row.holdable === true;
    // A run that may not start yet (more than OCCURRENCE_EARLY_START_MINUTES after the instant asked) is not stopped by a hold in
    // force then that ends before it starts: 423 and "ask for an override" for it sent callers to an override that found nothing to let through.
    const dueUs = (at.getTime() + this.config.settings.earlyStartMs) * 1000;
    const notDueStartUs = row.scheduled_start_us !== null && row.scheduled_start_us > dueUs ? row.scheduled_start_us : null;
    const footprint = row.global ? null : (row.regions ?? []);
    // The holds linked to the run hold it from before their from, as starting it judges it: for a start too, whose 423 lists what
    // the gate's does (it listed the holds in force alone), and for a what-if, as the gate asked then will (one without them said 200
    // before a 423). A start judges the links again in its own transaction (heldRun), for one linked since this statement.
    const holding = !holdable ? undefined : holdSet.holding(query.windowId ? footprint : regions, at.getTime() * 1000, row.overridden, GATE_LISTED_HOLDS, row.held_run, notDueStartUs);
    if (!holding || holding.count === 0) {
      if (holdable) this.assertSurgesHeard(query.windowId ? footprint : (regions ?? []));
      this.answers.inc({ outcome: 'allowed' });
      // DESIGN.md section 6's answer, exactly: callers compare it whole; what more there is to say goes in headers.
      const allowed: GateAllowed = { answer: { allowed: true } };
      // A notify-only window runs through holds, but its owners should know one is in force as they start.
      const flagged = row.notify_only ? holdSet.holding(footprint, at.getTime() * 1000, row.overridden, GATE_LISTED_HOLDS) : undefined;
      if (flagged && flagged.count > 0) allowed.notice = notifyOnlyNotice(flagged.listed, flagged.count);
      // A run let through by an override runs in the holds it was let through: "nothing holds it" would be false.
      const overridden = row.overridden;
      if (query.windowId && holdable && overridden !== null && row.run_number !== null) {
        // As starting it judges it: also a hold it was let through that begins later within the run.
        const inForce = holdSet.holding(footprint, at.getTime() * 1000, null, Number.POSITIVE_INFINITY, overridden, notDueStartUs);
        const letThrough = inForce.listed.filter((hold) => overridden.includes(hold.id)).map((hold) => hold.id);
        if (letThrough.length > 0) allowed.letThrough = letThroughHeader(row.run_number, letThrough);
      }
      return allowed;
    }
    this.answers.inc({ outcome: 'held' });
    // Only the regions asked that a hold holds are named: "Regions FR, DE are held" with DE free would send its owner looking for a hold on DE.
    const asked = [...new Set(regions ?? [])];
    const held = asked.length > 1 ? asked.filter((region) => holdSet.holding([region], at.getTime() * 1000, null, 0).count > 0) : asked;
    const what = query.windowId ? `Window ${query.windowId} is` : held.length === 1 ? `Region ${held[0]} is` : `Regions ${held.join(', ')} are`;
    throw this.held(what, holding, at, query.windowId ? this.notYetMarked(row, holding) : undefined);
  }

  /**
   * Why a window that reads scheduled, with an empty heldBy, is held at the gate: its run in question starts further ahead
   * than HOLD_HORIZON_HOURS, and of the holds listed those not linked to it (an open-ended hold links runs only that far ahead,
   * the sweep carrying it on) reach it all the same. Undefined when every hold listed is linked, or the run is nearer.
   */
  private notYetMarked(row: GateRow, { listed }: Holding): string | undefined {
    const horizonMs = this.config.settings.holdHorizonMs;
    if (row.scheduled_start_us === null || row.run_number === null) return undefined;
    const startMs = Math.floor(row.scheduled_start_us / 1000);
    if (startMs <= this.clock.now().getTime() + horizonMs) return undefined;
    const marked = row.held_run ?? [];
    const unmarked = listed.filter((hold) => !marked.includes(hold.id)).map((hold) => hold.id);
    if (unmarked.length === 0) return undefined;
    const which = unmarked.length === 1 ? `Hold ${unmarked[0]} reaches` : `Holds ${unmarked.join(', ')} reach`;
    // Held by another hold linked to it, the run reads held, its heldBy naming that one alone.
    const how = marked.length === 0 ? 'not yet marked held (it reads scheduled, heldBy empty)' : `not yet marked held by ${unmarked.length === 1 ? 'it' : 'them'} (its heldBy names ${marked.join(', ')} only)`;
    return (
      `${which} run ${row.run_number} (starting ${new Date(startMs).toISOString()}), though that run is ${how}: ` +
      `the planner marks it held, and tells its owners with window.held, once it starts within HOLD_HORIZON_HOURS (${horizonMs / 3_600_000} h) of now, at its first sweep from ${new Date(startMs - horizonMs).toISOString()}.`
    );
  }

  /**
   * Fails closed while the broker does not answer the surges consumer: a surge or a declaration
   * made meanwhile waits in the analyzer's outbox, so "nothing holds it" could be false. A hold the
   * planner has is still answered (423): that much it knows. It fails closed too until the consumer has
   * applied what its partitions held when they were assigned to it (after its start, after a rebalance):
   * the surges published while the planner was down, or while another replica had those partitions.
   * And, for `regions` (null: a global window, every partition), while its consumer group has not applied
   * what a partition carrying them held an interval ago: another replica has it, stuck or catching up.
   * GATE_MAX_SURGE_SILENCE_SECONDS=0 turns off the silence rule alone: catching up is no guess about
   * the broker, it is a backlog known not to be applied.
   */
  private assertSurgesHeard(regions: readonly string[] | null): void {
    const limitMs = this.config.settings.gateMaxSurgeSilenceMs;
    if (limitMs > 0) this.assertBrokerHeard(limitMs);
    // A field read: the log ends are read once per assignment, not per question. A planner answering before it had
    // read its backlog said "allowed" for ~3 s after a restart for regions that 30 declarations made while it was down held.
    const catchingUp = this.messaging.catchingUp(Topics.regionSurges);
    if (catchingUp) {
      const { after, messagesBehind } = catchingUp;
      const behind = messagesBehind === undefined ? 'the log ends of its partitions not read yet' : `${messagesBehind} ${messagesBehind === 1 ? 'message' : 'messages'} behind the log ends read when its partitions were assigned`;
      throw this.unheard(
        `The planner is catching up on region.surges.v1 after ${after === 'start' ? 'its start' : "its consumer group's rebalance"}: ${behind}, so a surge or a declaration published before then may not be held yet, and it cannot say that nothing holds this. Ask again in a few seconds; holdfast gate --wait does.`,
        { silentSeconds: 0, ...(messagesBehind === undefined ? {} : { messagesBehind }) },
      );
    }
    // A field read too (SurgeLogWatch reads the offsets in the background). Its own consumer judges only the partitions
    // assigned to it: with a second member of the group holding a surge unapplied, a replica answered 200 for its region.
    const behind = this.surgeLog.behindFor(regions);
    if (behind.length > 0) {
      const messagesBehind = behind.reduce((sum, partition) => sum + partition.messagesBehind, 0);
      const partitions = behind.map(({ partition }) => partition);
      const named = `region.surges.v1 ${partitions.length === 1 ? 'partition' : 'partitions'} ${partitions.join(', ')}`;
      const what = regions === null ? 'any region (a global window)' : regions.join(', ');
      const one = partitions.length === 1;
      throw this.unheard(
        `The planner's consumer group has not applied everything ${named} held: by the group's committed offsets, read every ${this.surgeLog.intervalSeconds} s, ${one ? 'it is' : 'they are'} ${messagesBehind} ${messagesBehind === 1 ? 'message' : 'messages'} behind ${one ? 'its log end' : 'their log ends'}, and ${one ? 'was' : 'were'} behind a read before. By the group's description ${holdersInWords(behind)}: a member behind is catching up, slow, or gone (a replica that died is put out of the group after its ${CONSUMER_SESSION_TIMEOUT_MS / 1000} s session, and another takes ${one ? 'it' : 'them'} over), so a surge or a declaration for ${what} may not be held yet, and this planner cannot say that nothing holds this. Ask again in a few seconds; holdfast gate --wait does.`,
        { silentSeconds: 0, messagesBehind, partitions },
      );
    }
  }

  /** The silence rule: the broker has not answered the surges consumer for longer than `limitMs`, or has answered again for less than that since. */
  private assertBrokerHeard(limitMs: number): void {
    const silentMs = this.messaging.silentForMs(Topics.regionSurges) ?? 0;
    if (silentMs > limitMs) {
      throw this.unheard(
        `The planner's consumer of region.surges.v1 has had nothing from Kafka for ${Math.round(silentMs / 1000)} s (GATE_MAX_SURGE_SILENCE_SECONDS is ${limitMs / 1000}; the broker away, or its consumer group rebalancing): a surge or a declaration made meanwhile would not be held yet, so it cannot say that nothing holds this. ${ASK_AGAIN_FOR_KAFKA}`,
        { silentSeconds: Math.round(silentMs / 1000) },
      );
    }
    // Heard again is not caught up: a surge declared meanwhile waits in the analyzer's outbox until
    // its producer reaches the broker too (a CI run of e2e/broker-outage saw "allowed" for ~10 s here).
    const heardAgainMs = this.messaging.heardAgainForMs(Topics.regionSurges, limitMs);
    if (heardAgainMs !== undefined && heardAgainMs < limitMs) {
      throw this.unheard(
        `The planner's consumer of region.surges.v1 hears Kafka again since ${Math.round(heardAgainMs / 1000)} s, after more than GATE_MAX_SURGE_SILENCE_SECONDS (${limitMs / 1000}) without it: a surge or a declaration made meanwhile may still be on its way from the analyzer, so for as long again it cannot say that nothing holds this. ${ASK_AGAIN_FOR_KAFKA}`,
        { silentSeconds: 0 },
      );
    }
  }

  private unheard(detail: string, extensions: { silentSeconds: number; messagesBehind?: number; partitions?: number[] }): DomainError {
    this.answers.inc({ outcome: 'unheard' });
    return new DomainError('surges-unheard', 503, detail, {
      dependency: 'Kafka',
      ...extensions,
      retryAfterSeconds: UNHEARD_RETRY_AFTER_SECONDS,
    });
  }

  /**
   * The instant a question is about: now, or a time ahead (a what-if). A time past is refused: the
   * holds released since are not kept, so a time they held would read free. Now itself, or within the
   * skew before it, is now, answered as a question without `at` is.
   */
  private askedAt(at: Date | undefined, now: Date): Date {
    if (at === undefined) return now;
    if (at.getTime() > now.getTime()) return at;
    const behindMs = now.getTime() - at.getTime();
    if (behindMs <= GATE_AT_SKEW_MS) return now;
    throw new DomainError(
      'gate-at-in-the-past',
      422,
      `The gate answers for now or a time ahead; at ${at.toISOString()} is ${Math.round(behindMs / 1000)} s before now (${now.toISOString()}), and holds released since are not kept, so it cannot say whether that time was held. Leave at out to ask about now; the audit trail (GET /v1/audit) says what held a region when.`,
      { errors: [{ path: 'at', message: `must not be more than ${GATE_AT_SKEW_MS / 1000} s before now` }] },
    );
  }

  /**
   * A start's 423, judged in its own transaction with the run locked, for a run that reads held by a
   * hold linked to it after the gate's statement read its links (check counts those it read), listing
   * the holds linked to the run. When each of them stops runs no longer at `at` (stopsRunsUntilSql: a
   * cleared surge's cool-down or a manual hold's period passed, the sweep not yet come; a declaration's
   * until and the cool-down after it, as the gate's HoldSet ends it, its clearance come or not), they hold it no
   * longer: null for a run they reached only after its start, which starts as the gate said; the 409
   * run-awaits-new-slot for one held past its start, which the sweep marks so on releasing them.
   */
  async heldRun(db: EntityManager, windowId: string, number: number, at: Date): Promise<DomainError | null> {
    const rows = (await db.query(
      `SELECT hold.id, hold.regions, hold.reason, hold.source, hold.from_at, hold.until_at, hold.release_due_at FROM hold_occurrence l JOIN hold ON hold.id = l.hold_id
        WHERE l.window_id = $1 AND l.number = $2 AND l.kind = 'held' AND l.released_at IS NULL AND l.overridden_by IS NULL
          AND COALESCE(${stopsRunsUntilSql('hold', '$4')}, 'infinity') > $3
        ORDER BY coalesce(hold.release_due_at, hold.until_at) NULLS LAST, hold.placed_at`,
      [windowId, number, at, this.config.settings.holdCooldownMs],
    )) as { id: string; regions: string[]; reason: string; source: string; from_at: Date; until_at: Date | null; release_due_at: Date | null }[];
    // Its holds ended by time, the sweep not come: it waits for a new slot, as the gate said (or would have, asked after they ended).
    if (rows.length === 0) return namedRunAwaitsNewSlot(db, windowId, number, { at, now: at, sweepIntervalMs: this.config.settings.sweepIntervalMs, coolDownMs: this.config.settings.holdCooldownMs });
    const microsecondsOf = (instant: Date | null) => (instant === null ? null : instant.getTime() * 1000);
    const linked = rows.map<ActiveHold>((hold) => ({
      id: hold.id,
      regions: hold.regions,
      reason: hold.reason,
      source: hold.source,
      fromUs: hold.from_at.getTime() * 1000,
      untilUs: microsecondsOf(hold.until_at),
      releaseDueUs: microsecondsOf(hold.release_due_at),
    }));
    const atUs = at.getTime() * 1000;
    const ends = linked.flatMap((hold) => {
      const end = expectedEndUs(hold, this.coolDownUs);
      return end !== null && end > atUs ? [end] : [];
    });
    return this.held(`Run ${number} of window ${windowId} is`, { count: linked.length, listed: linked.slice(0, GATE_LISTED_HOLDS).map((hold) => listingOf(hold, this.coolDownUs)), latestUntilUs: ends.length ? Math.max(...ends) : null }, at);
  }

  /** `note`: what more the detail says before what to do (notYetMarked). */
  private held(what: string, { count, listed, latestUntilUs }: Holding, at: Date, note?: string): DomainError {
    // Nothing can start before the latest bounded hold ends, however soon an open-ended one is released.
    // Counted from now, not from `at`: Retry-After tells the caller when to ask again, whatever time it asked about.
    const retryAfterSeconds = latestUntilUs === null ? this.config.settings.gateRetryAfterSeconds : Math.max(1, Math.ceil((Math.floor(latestUntilUs / 1000) - this.clock.now().getTime()) / 1000));
    const named = listed.slice(0, 3).map((hold) => `${hold.id} (${hold.regions.join(', ')}: ${hold.reason})`).join('; ');
    const more = count > 3 ? ` and ${count - 3} more` : '';
    return new DomainError(
      'held',
      423,
      `${what} held by ${count === 1 ? 'hold' : 'holds'} ${named}${more}.${note ? ` ${note}` : ''} Wait and retry, or ask for an override with a reason.`,
      { holds: listed, holdCount: count, retryAfterSeconds, at: at.toISOString() },
    );
  }
}

/** Who has the partitions behind, by the group's description: a member's id and host, or none while the group reassigns them. */
function holdersInWords(behind: readonly PartitionBehind[]): string {
  const named = behind.map(({ partition, heldBy }) =>
    heldBy ? `partition ${partition} is held by group member ${heldBy.memberId} on ${heldBy.host}` : `partition ${partition} is held by no member (the group is assigning it)`,
  );
  return named.join('; ');
}
