import { createEvent, type HoldfastEvent, type SurgeEvidence } from '@holdfast/contracts';
import { afterCommit, answeredAtCommit, prepared } from '@holdfast/database';
import { MessagingRuntime, type EventRefusal } from '@holdfast/messaging';
import { LabelPairTally, MetricsRegistry } from '@holdfast/observability';
import { RegionCatalog } from '@holdfast/regions';
import { Clock, InjectServiceConfig, type ServiceConfig } from '@holdfast/service-kit';
import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { BaselinesService } from '../baselines/baselines.service';
import { policyOf, type AnalyzerSettings, type RegionPolicy } from '../config/analyzer-settings';
import { initialSeriesState, isWarm, parseSeriesState, stepSeriesRun, withoutTimesAfter, type DetectionConfig, type SeriesState, type SurgeDecision } from '../detection';
import { SERVICE_NAME } from '../service-name';
import { EventTimes } from '../signals/event-times';
import type { SurgeEntity } from '../surges/surge.entity';
import { SurgesService, type ActiveSurges, type SurgeTrace } from '../surges/surges.service';
import { detectionConfigOf } from './detection-policy';
import type { PublishedBaseline } from './series-state.entity';
import { sampleTakenAt, sampleTimeRefusal } from './sample-time';
import { reasonOf } from './surge-reason';
import { SAMPLES_IN_HELP, SourceLabels } from './source-label';
import { LOCK_SERIES_CAP_REGIONS, overSeriesCap, pastSeriesCap, seriesKey } from './series-cap.service';
import { bucketsAt, createFreshSeries, packSeriesState, unpackSeriesState } from './stored-series-state';

export type SampleEvent = HoldfastEvent<'traffic.sample'>;

/** A sample the analyzer cannot assess, by its index in the list it was given: what the samples consumer dead-letters. */
export type SampleRefusal = EventRefusal;

interface SeriesRow {
  region: string;
  metric: string;
  state: unknown;
  baseline_buckets: Buffer | null;
  signal_lost_at: Date | null;
  published_baseline: PublishedBaseline | null;
  baseline_published_at: Date | null;
}

interface SeriesUpdate {
  row: SeriesRow;
  state: SeriesState;
  lastSampleAt: Date;
  published: { publishedBaseline: PublishedBaseline; baselinePublishedAt: Date } | null;
}

type SampleOutcome = 'assessed' | 'late' | 'refused';

/** How often a series' late samples are said in the log, at most. */
const LATE_SAID_EVERY_MS = 60_000;

/** Origins of the detector's own surges besides its episodes. */
export const ceilingOrigin = (metric: string): string => `ceiling/${metric}`;
export const signalLossOrigin = (metric: string): string => `signal-loss/${metric}`;
/** The seasonal detector's open episodes of a series: its surges other than the warm-up ceiling's and a lost signal's. */
const episodesOf = (active: ActiveSurges, region: string, metric: string): SurgeEntity[] =>
  active.ofSeries(region, metric).filter((surge) => surge.source === 'detector' && surge.origin !== ceilingOrigin(metric) && surge.origin !== signalLossOrigin(metric));
/** One chain per loss of a series' signal: signal.lost, the held surge and signal.restored (caused by the sample that ends it). */
export const signalLossCorrelation = (region: string, metric: string): string => `signal-loss:${region}/${metric}`;

// The order LOCK_SERIES locks in (ORDER BY region, metric).
const byKey = (a: { region: string; metric: string }, b: { region: string; metric: string }): number =>
  a.region < b.region ? -1 : a.region > b.region ? 1 : a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0;

const LOCK_SERIES = prepared(`SELECT region, metric, state, baseline_buckets, signal_lost_at, published_baseline, baseline_published_at FROM series_state
  WHERE (region, metric) IN (SELECT * FROM unnest($1::text[], $2::text[]))
  ORDER BY region, metric FOR UPDATE`);
const STORED_SERIES_OF = prepared('SELECT region, metric FROM series_state WHERE region = ANY($1::text[])');
// Series over their region's cap, created ahead of the check in the same round trip: nothing reads the answer, so it travels with the COMMIT.
const DROP_SERIES = answeredAtCommit('DELETE FROM series_state WHERE (region, metric) IN (SELECT * FROM unnest($1::text[], $2::text[]))');
// Nothing reads its answer: it travels with the COMMIT.
const WRITE_SERIES = answeredAtCommit(`UPDATE series_state AS s SET
    state = u.state, baseline_buckets = ${bucketsAt('$3', 'u.position')}, samples_seen = u.samples_seen,
    last_sample_at = u.last_sample_at, signal_lost_at = NULL, updated_at = $2,
    published_baseline = coalesce(u.published_baseline, s.published_baseline),
    baseline_published_at = coalesce(u.baseline_published_at, s.baseline_published_at)
  FROM jsonb_to_recordset($1::jsonb)
    AS u(position integer, region text, metric text, state jsonb, samples_seen integer, last_sample_at timestamptz, published_baseline jsonb, baseline_published_at timestamptz)
  WHERE s.region = u.region AND s.metric = u.metric`);

/**
 * The seasonal detector in the service. A list of samples is assessed in the caller's transaction:
 * each (region, metric) state is read from PostgreSQL under a row lock, stepped purely, its
 * decisions turned into surges and events, and written back, all committing together. Nothing is
 * kept in memory between transactions, so a retry or another replica sees exactly what committed.
 */
@Injectable()
export class SampleAssessmentService {
  readonly detection: DetectionConfig;
  private readonly logger = new Logger(SampleAssessmentService.name);
  private readonly samplesIn;
  private readonly decisionLatency;
  // Series whose row this process has seen: bounded by regions times metrics.
  private readonly storedSeries = new Set<string>();
  // When each series' late samples were last said in the log (sayLate); bounded as storedSeries is.
  private readonly lateSaid = new Map<string, number>();

  constructor(
    @InjectServiceConfig() private readonly config: ServiceConfig<AnalyzerSettings>,
    private readonly catalog: RegionCatalog,
    private readonly surges: SurgesService,
    private readonly baselines: BaselinesService,
    private readonly messaging: MessagingRuntime,
    private readonly clock: Clock,
    private readonly sourceLabels: SourceLabels,
    metrics: MetricsRegistry,
  ) {
    this.detection = detectionConfigOf(config.settings);
    this.samplesIn = metrics.counter('holdfast_analyzer_samples_total', SAMPLES_IN_HELP, ['source', 'outcome']);
    this.decisionLatency = metrics.histogram(
      'holdfast_analyzer_decision_latency_seconds',
      'From a sample’s time to the surge decision it caused; arrival="backfill" when the sample was older than its region’s signal-loss time',
      ['type', 'arrival'],
      [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300, 900],
    );
  }

  /** A retired series' row is gone: a sample of it is a new series again, counted against its region's cap. */
  forget(region: string, metric: string): void {
    this.storedSeries.delete(seriesKey(region, metric));
    this.lateSaid.delete(seriesKey(region, metric));
  }

  /**
   * Why assess would refuse the sample, short of its region's series cap (which takes the database),
   * or undefined: asked by the samples consumer about a sample whose message key is wrong, as the
   * right key is its region.
   */
  refusalOf(event: SampleEvent): string | undefined {
    const known = this.catalog.find(event.data.region) !== undefined;
    const nowMs = this.clock.nowMs();
    const timeRefusal = sampleTimeRefusal(event.data.at, nowMs, this.config.settings, undefined, takenAtOf(event, nowMs));
    return known && !timeRefusal ? undefined : refusalReason(event, known, timeRefusal);
  }

  /** Assesses samples in one transaction; those of unknown regions are refused by index, the rest kept. */
  async assess(events: readonly SampleEvent[], transaction: EntityManager): Promise<SampleRefusal[]> {
    // Counted by source and outcome over the batch, once the transaction commits: a rolled-back
    // attempt (a retry, a slice found redelivered) counts nothing. The counter is touched once per pair.
    const counted = new LabelPairTally<string, SampleOutcome>();
    afterCommit(transaction, () => counted.forEach((source, outcome, samples) => this.samplesIn.inc({ source: this.sourceLabels.of(source), outcome }, samples)));
    return this.assessCounting(events, transaction, counted);
  }

  private async assessCounting(events: readonly SampleEvent[], transaction: EntityManager, counted: LabelPairTally<string, SampleOutcome>): Promise<SampleRefusal[]> {
    const refusals: SampleRefusal[] = [];
    const bySeries = new Map<string, { atMs: number; event: SampleEvent; index: number }[]>();
    const nowMs = this.clock.nowMs();
    events.forEach((event, index) => {
      const region = this.catalog.find(event.data.region);
      // Parsed once here for the time check, the batch's time order and the detector alike.
      const atMs = Date.parse(event.data.at);
      const timeRefusal = sampleTimeRefusal(event.data.at, nowMs, this.config.settings, atMs, takenAtOf(event, nowMs));
      if (!region || timeRefusal) {
        refusals.push({ index, reason: refusalReason(event, region !== undefined, timeRefusal) });
        counted.add(event.data.source, 'refused');
        return;
      }
      const key = seriesKey(region.code, event.data.metric);
      const list = bySeries.get(key) ?? [];
      list.push({ atMs, event: region.code === event.data.region ? event : { ...event, data: { ...event.data, region: region.code } }, index });
      bySeries.set(key, list);
    });
    if (bySeries.size === 0) return refusals;

    const keys = [...bySeries.values()].map((list) => list[0].event.data);
    // The detector's surges of these regions, locked with the series in the same round trip: a decision needs them at once.
    const [{ rows, overCap }, active] = await Promise.all([this.lockSeries(transaction, keys), this.surges.activeIn(transaction, [...new Set(keys.map((key) => key.region))], 'detector')]);
    for (const key of overCap) {
      const samples = bySeries.get(seriesKey(key.region, key.metric))!;
      const [{ event: first }] = samples;
      for (const { index, event } of samples) {
        refusals.push({
          index,
          reason: overSeriesCap(first.data.region, first.data.metric, this.config.settings.seriesMaxPerRegion),
        });
        counted.add(event.data.source, 'refused');
      }
    }
    const updates: SeriesUpdate[] = [];
    const baselines: HoldfastEvent<'region.baseline'>[] = [];
    // Surge changes, in the order their samples came; applied one after another below.
    const effects: (() => Promise<void>)[] = [];
    // Stamps the surge events written after a signal.restored later than it.
    const times = new EventTimes(this.clock);
    for (const row of rows) {
      // Within a batch, samples are judged in time order: a reordered batch is not "late".
      const samples = bySeries.get(seriesKey(row.region, row.metric))!.sort((a, b) => a.atMs - b.atMs);
      const before = this.stateOf(row, nowMs);
      // A state read as fresh (unreadable, so learning again) follows none of the episodes still open: they end here, or would hold for ever.
      if (before.samplesSeen === 0) for (const orphan of episodesOf(active, row.region, row.metric)) effects.push(() => this.clearOrphan(transaction, active, orphan, samples[0].event, times.next()));
      const policy = policyOf(this.config.settings, row.region);
      // The whole run of the series is stepped on one copy of its state, then its decisions applied in order.
      const { state, steps } = stepSeriesRun(
        before,
        samples.map(({ event }) => event.data),
        { config: this.detection, zone: this.catalog.zoneOf(row.region) },
        samples.map(({ atMs }) => atMs),
      );
      // A ceiling surge clears on its cool-down even once its ceiling is no longer configured; without
      // a ceiling none opens, so the surges locked for the batch tell whether there is one to clear.
      const ceilingWatched = policy.warmupCeiling !== null || active.get(row.region, ceilingOrigin(row.metric)) !== null;
      let firstAssessed: SampleEvent | undefined;
      // Warm as the detector judges it (learned time, at any spacing), as of the run's start. The
      // ceiling's cool-down stays a count of samples below it: an absolute rule a demo's few samples clear.
      const warming = !isWarm(before, policy.warmupSamples);
      // The surge's highest sample as the run passes it (Peak).
      let peak = peakOf(before, active);
      let late = 0;
      for (const [index, step] of steps.entries()) {
        const event = samples[index].event;
        if (step.late) {
          counted.add(event.data.source, 'late');
          late++;
          continue;
        }
        if (firstAssessed === undefined) {
          firstAssessed = event;
          // Only a sample newer than the last one says the signal is back (a replay of old ones does not). Said ahead of
          // the surges it starts, in time and outbox order, or a reader sees a surge begin while the signal is lost.
          if (row.signal_lost_at) effects.push(() => this.signalRestored(transaction, row, event, times.signal()));
        }
        counted.add(event.data.source, 'assessed');
        const { decision } = step;
        if (decision) {
          // The peak passed so far is kept ahead of the decision that updates or ends the surge.
          if (peak?.passed) effects.push(this.peakKept(transaction, active, row.region, peak));
          peak = decision.type === 'surge.cleared' || decision.direction === 'down' ? null : { surgeId: decision.surgeId, value: decision.evidence.observed, passed: false };
          effects.push(() => this.apply(transaction, active, decision, policy, event, times.next()));
        } else if (peak !== null && event.data.value > peak.value) {
          peak.value = event.data.value;
          peak.passed = true;
        }
        if (ceilingWatched) effects.push(() => this.applyCeiling(transaction, active, event, policy, warming, times.next()));
      }
      if (peak?.passed) effects.push(this.peakKept(transaction, active, row.region, peak));
      if (late > 0) {
        const lastTaken = before.lastAtMs;
        afterCommit(transaction, () => this.sayLate(row.region, row.metric, late, lastTaken));
      }
      if (!firstAssessed) continue;
      const restoredBy = firstAssessed;
      // After the surges its samples start, so the region is never without one.
      if (row.signal_lost_at) effects.push(() => this.releaseHeld(transaction, active, row, restoredBy, times.next()));
      const lastSampleAt = new Date(state.lastAtMs!);
      // A profile still warming up changes every hour and is not yet one to plan by: published once warm.
      const baseline =
        !isWarm(state, policy.warmupSamples)
          ? null
          : this.baselines.changedBaseline({ publishedBaseline: row.published_baseline, baselinePublishedAt: row.baseline_published_at }, state, this.detection, lastSampleAt);
      if (baseline) baselines.push(baseline.event);
      updates.push({ row, state, lastSampleAt, published: baseline?.published ?? null });
    }
    // The surge changes, the baselines' outbox rows (one call for the batch) and the states written
    // back touch different rows: sent together, the connection pipelines them instead of waiting on
    // each in turn. Every one settles before the transaction ends, so a failure rolls back all of them.
    const settled = await Promise.allSettled([
      (async () => {
        for (const effect of effects) await effect();
      })(),
      baselines.length > 0 ? this.messaging.outbox.addAll(transaction, baselines) : undefined,
      this.writeSeries(transaction, updates),
    ]);
    for (const outcome of settled) if (outcome.status === 'rejected') throw outcome.reason;
    return refusals.sort((a, b) => a.index - b.index);
  }

  /**
   * Samples left out as late, said in the log at most once a minute a series: counted in the samples
   * metric alone, a pipeline that loses their order (no message key, so one series spread over
   * partitions) had most of them dropped without a word.
   */
  private sayLate(region: string, metric: string, late: number, lastTakenMs: number | null): void {
    const key = seriesKey(region, metric);
    const nowMs = this.clock.nowMs();
    if (nowMs - (this.lateSaid.get(key) ?? Number.NEGATIVE_INFINITY) < LATE_SAID_EVERY_MS) return;
    this.lateSaid.set(key, nowMs);
    const since = lastTakenMs === null ? '' : ` (${new Date(lastTakenMs).toISOString()})`;
    this.logger.warn(
      { region, metric, late },
      `${late} sample${late === 1 ? '' : 's'} of ${metric} in ${region} came no later than the last one taken${since} and ${late === 1 ? 'was' : 'were'} left out as late: the detector reads a series in time order. A pipeline that sends samples without the message key (the region) spreads a series over partitions and loses that order: key them by region (holdfast_analyzer_samples_total{outcome="late"} counts them by source)`,
    );
  }

  /**
   * The stored state, or a fresh one when it was written by a detector version this build does not
   * read: the series learns again (a warm-up) rather than every one of its samples being dead-lettered.
   * Times in it further ahead of the clock than a sample may be are dropped (withoutTimesAfter).
   */
  private stateOf(row: SeriesRow, nowMs: number): SeriesState {
    let stored: SeriesState;
    try {
      stored = parseSeriesState(unpackSeriesState({ state: row.state, buckets: row.baseline_buckets }));
    } catch (error) {
      this.logger.warn({ region: row.region, metric: row.metric, err: error }, 'stored detector state unreadable; the series starts learning again');
      return initialSeriesState(row.region, row.metric);
    }
    // No sample further ahead is taken now; one stored before that check, or by a replica whose clock ran ahead, would make every sample until its time late.
    const state = withoutTimesAfter(stored, nowMs + this.config.settings.sampleMaxAheadMs);
    if (state !== stored) {
      const lastSampleAt = new Date(stored.lastAtMs!).toISOString();
      this.logger.warn(
        { region: row.region, metric: row.metric, lastSampleAt },
        `the stored last sample of ${row.metric} in ${row.region}, at ${lastSampleAt}, is further ahead of the clock than SAMPLE_MAX_AHEAD_SECONDS allows: its samples are taken again from now rather than dropped as late until then`,
      );
    }
    return state;
  }

  /**
   * Locks the series (creating those never seen), in key order so concurrent batches cannot
   * deadlock. A series this process has not seen stored yet is created (if no one did) ahead of the
   * lock in the same round trip; should a row be missing all the same, it is created and read back.
   * Those that would take their region past SERIES_MAX_PER_REGION (the earliest new ones kept) come
   * back in `overCap`, their rows deleted with the COMMIT: the count rides in the same round trip,
   * ahead of the create, so a region's first sample costs no round trip more. The regions of new
   * series are locked first, as HTTP intake locks them to reserve its series, so replicas and the
   * intake count each other's new series instead of passing the cap together.
   */
  private async lockSeries(transaction: EntityManager, keys: { region: string; metric: string }[]): Promise<{ rows: SeriesRow[]; overCap: { region: string; metric: string }[] }> {
    const select = (wanted: { region: string; metric: string }[]): Promise<SeriesRow[]> =>
      transaction.query(LOCK_SERIES, [wanted.map((key) => key.region), wanted.map((key) => key.metric)]);
    // In the order the series first came in the batch, for the cap (the earliest new ones are kept); created in key order, as the lock
    // takes them, so two replicas creating the same new series cannot deadlock.
    const firstCome = keys.filter((key) => !this.storedSeries.has(seriesKey(key.region, key.metric)));
    const unseen = [...firstCome].sort(byKey);
    const unseenRegions = [...new Set(unseen.map((key) => key.region))];
    // The lock sent first on the connection: the count then sees every series HTTP intake reserved before, and none
    // reserved meanwhile can be the row an over-cap series' drop deletes.
    const [, stored, , rows] = await Promise.all([
      unseen.length > 0 ? transaction.query(LOCK_SERIES_CAP_REGIONS, [unseenRegions]) : undefined,
      unseen.length > 0 ? (transaction.query(STORED_SERIES_OF, [unseenRegions]) as Promise<{ region: string; metric: string }[]>) : [],
      unseen.length > 0 ? this.createSeries(transaction, unseen) : undefined,
      select(keys),
    ]);
    const found = new Set(rows.map((row) => seriesKey(row.region, row.metric)));
    if (rows.length < keys.length) {
      const missing = keys.filter((key) => !found.has(seriesKey(key.region, key.metric))).sort(byKey);
      const [, created] = await Promise.all([this.createSeries(transaction, missing), select(missing)]);
      rows.push(...created);
    }
    const overCap = this.overCap(firstCome, stored);
    const over = new Set(overCap.map((key) => seriesKey(key.region, key.metric)));
    const kept = over.size > 0 ? rows.filter((row) => !over.has(seriesKey(row.region, row.metric))) : rows;
    if (over.size > 0) await transaction.query(DROP_SERIES, [overCap.map((key) => key.region), overCap.map((key) => key.metric)]);
    // Kept rows are deleted only by a retirement (which forgets them here), so a series seen once needs no create again (a rolled-back create,
    // or a retirement on another replica, only costs the fallback above).
    for (const row of kept) this.storedSeries.add(seriesKey(row.region, row.metric));
    return { rows: kept, overCap };
  }

  /** Of the series this process has not seen, those past their region's cap given what was stored before this batch. */
  private overCap<K extends { region: string; metric: string }>(unseen: readonly K[], stored: readonly { region: string; metric: string }[]): K[] {
    if (unseen.length === 0) return [];
    const known = new Set(stored.map((row) => seriesKey(row.region, row.metric)));
    const count = new Map<string, number>();
    for (const row of stored) count.set(row.region, (count.get(row.region) ?? 0) + 1);
    return pastSeriesCap(unseen, count, (key) => known.has(key), this.config.settings.seriesMaxPerRegion);
  }

  private createSeries(transaction: EntityManager, keys: { region: string; metric: string }[]): Promise<unknown> {
    return createFreshSeries(transaction, keys, this.clock.now());
  }

  private async writeSeries(transaction: EntityManager, updates: SeriesUpdate[]): Promise<void> {
    if (updates.length === 0) return;
    // One JSON document for all rows, the driver sending it as is rather than escaping each state inside
    // an array literal; the buckets of all rows as one binary parameter, each row taking its slice.
    const packed = updates.map((u) => packSeriesState(u.state));
    const rows = updates.map((u, index) => ({
      position: index + 1,
      region: u.row.region,
      metric: u.row.metric,
      state: packed[index].state,
      samples_seen: u.state.samplesSeen,
      last_sample_at: u.lastSampleAt.toISOString(),
      published_baseline: u.published?.publishedBaseline ?? null,
      baseline_published_at: u.published?.baselinePublishedAt.toISOString() ?? null,
    }));
    await transaction.query(WRITE_SERIES, [JSON.stringify(rows), this.clock.now(), Buffer.concat(packed.map((p) => p.buckets))]);
  }

  /** A detector decision becomes a surge change; quiet regions below their minimum volume publish nothing. */
  private async apply(transaction: EntityManager, surges: ActiveSurges, decision: SurgeDecision, policy: RegionPolicy, cause: SampleEvent, time: Date): Promise<void> {
    const trace = traceOf(cause, time);
    const { region, metric } = decision;
    const active = surges.get(region, decision.surgeId);
    const evidence = evidenceOf(decision);
    // The region's volume is what it carries now or usually, whichever is more: a quiet region does
    // not fire on a handful, and a busy one whose traffic collapses to nothing does.
    const loudEnough = Math.max(decision.evidence.observed, decision.evidence.baseline) >= policy.minimumVolume;
    const ageSeconds = Math.max(0, this.clock.nowMs() - Date.parse(decision.at)) / 1000;
    // A sample older than a lost signal is history sent late (a backfill, a pipeline catching up): its
    // age is no measure of how fast the analyzer decides, and hours of it would swamp the p99.
    this.decisionLatency.observe({ type: decision.type, arrival: ageSeconds > policy.signalLossAfterSeconds ? 'backfill' : 'live' }, ageSeconds);
    if (decision.type === 'surge.cleared') {
      if (!active) return;
      await this.surges.clear(transaction, active, new Date(decision.at), `${metric} in ${region} has been back near its usual level for its cool-down (${policy.coolDownSamples} samples at five-minute spacing)`, trace);
      surges.cleared(active);
      return;
    }
    const reason = reasonOf(decision);
    const expectedEndAt = decision.expectedEnd ? new Date(decision.expectedEnd) : null;
    if (active) {
      surges.set(
        await this.surges.update(transaction, active, { severity: decision.severity, evidence, reason, expectedEndAt, peakValue: Math.max(active.peakValue ?? 0, decision.evidence.observed) }, trace),
      );
      return;
    }
    // A surge the detector keeps while it is too quiet to publish starts once it is loud enough.
    if (!loudEnough) return;
    const opened = await this.surges.open(
      transaction,
      {
        region,
        metric,
        source: 'detector',
        origin: decision.surgeId,
        severity: decision.severity,
        // The sample's time; open starts the surge no later than now, when one stamped ahead is seen.
        startedAt: new Date(decision.startedAt),
        expectedEndAt,
        evidence,
        reason,
        peakValue: decision.evidence.observed,
        causeEventId: cause.id,
      },
      trace,
    );
    surges.set(opened);
  }

  /**
   * While a series warms up the seasonal detector says nothing; a region may instead name an
   * absolute ceiling. Such a surge clears after the region's cool-down of samples below it, or of
   * any samples once the ceiling is no longer configured.
   */
  private async applyCeiling(transaction: EntityManager, surges: ActiveSurges, event: SampleEvent, policy: RegionPolicy, warming: boolean, time: Date): Promise<void> {
    const ceiling = policy.warmupCeiling;
    const { region, metric, value, at } = event.data;
    const found = surges.get(region, ceilingOrigin(metric));
    if (!found) {
      if (ceiling === null || !warming || value < ceiling) return;
      const opened = await this.surges.open(
        transaction,
        {
          region,
          metric,
          source: 'detector',
          origin: ceilingOrigin(metric),
          severity: value >= ceiling * 4 ? 'critical' : value >= ceiling * 2 ? 'major' : 'minor',
          // As a detector surge: no later than now (open), the evidence keeping the sample's time.
          startedAt: new Date(at),
          evidence: { observed: value, baseline: ceiling, score: value / ceiling, support: 'ceiling', samples: [{ at, value }] },
          reason: `${metric} in ${region} reached ${value}, at or above the warm-up ceiling ${ceiling} (the seasonal baseline is still learning)`,
          peakValue: value,
          causeEventId: event.id,
        },
        traceOf(event, time),
      );
      surges.set(opened);
      return;
    }
    // Its peak is its highest sample while it lasts.
    const active = await this.surges.keepPeak(transaction, found, value);
    if (active !== found) surges.set(active);
    if (ceiling !== null && value >= ceiling) {
      if (active.calmSamples > 0) {
        await this.surges.recordCalm(transaction, active, 0);
        surges.set({ ...active, calmSamples: 0 });
      }
      return;
    }
    const calm = active.calmSamples + 1;
    if (calm < policy.coolDownSamples) {
      await this.surges.recordCalm(transaction, active, calm);
      surges.set({ ...active, calmSamples: calm });
      return;
    }
    const reason =
      ceiling === null
        ? `${metric} in ${region}: no warm-up ceiling is configured any more, and ${calm} samples came since`
        : `${metric} in ${region} stayed below the warm-up ceiling ${ceiling} for ${calm} samples`;
    await this.surges.clear(transaction, active, new Date(at), reason, traceOf(event, time));
    surges.cleared(active);
  }

  /** A detector episode whose series' state was read as fresh (unreadable, or learning again): nothing would ever clear it. */
  private async clearOrphan(transaction: EntityManager, surges: ActiveSurges, orphan: SurgeEntity, event: SampleEvent, time: Date): Promise<void> {
    const reason = `${orphan.metric} in ${orphan.region}: the detector's stored state for this series could not be read, so it learns again and this surge is no longer followed`;
    await this.surges.clear(transaction, orphan, this.clock.now(), reason, traceOf(event, time));
    surges.cleared(orphan);
  }

  /** Samples are back: signal.restored says so, as of the sample's time (a late one's may precede lostAt). */
  private async signalRestored(transaction: EntityManager, row: SeriesRow, event: SampleEvent, time: Date): Promise<void> {
    const { region, metric } = row;
    // Never later than now, as a surge's start and clear are not: a sample stamped ahead (within SAMPLE_MAX_AHEAD_SECONDS) restores it when seen.
    const restoredAt = new Date(Math.min(Date.parse(event.data.at), this.clock.nowMs()));
    await this.messaging.outbox.add(
      transaction,
      createEvent(
        'signal.restored',
        { region, metric, lostAt: row.signal_lost_at!.toISOString(), restoredAt: restoredAt.toISOString(), reason: signalBackReason(region, metric) },
        // In the loss's chain, caused by the sample that ended it.
        { source: SERVICE_NAME, subject: `${region}/${metric}`, correlationId: signalLossCorrelation(region, metric), causationId: event.id, time },
      ),
    );
  }

  /** Samples are back: a surge held for the lost signal clears. */
  private async releaseHeld(transaction: EntityManager, surges: ActiveSurges, row: SeriesRow, event: SampleEvent, time: Date): Promise<void> {
    const held = surges.get(row.region, signalLossOrigin(row.metric));
    if (!held) return;
    // Held from when the analyzer saw the signal go, so released when it sees it back: the sample's own time
    // may be earlier (a late pipeline), and the planner's cool-down counts from the clearing.
    await this.surges.clear(transaction, held, this.clock.now(), signalBackReason(row.region, row.metric), traceOf(event, time));
    surges.cleared(held);
  }

  /** The effect that keeps a peak a surge's samples passed on its row (keepPeak: when it is still above the row's). */
  private peakKept(transaction: EntityManager, surges: ActiveSurges, region: string, { surgeId, value }: Peak): () => Promise<void> {
    return async () => {
      const surge = surges.get(region, surgeId);
      if (!surge) return;
      const kept = await this.surges.keepPeak(transaction, surge, value);
      if (kept !== surge) surges.set(kept);
    };
  }
}

/**
 * The highest sample of a series' surge (upward; a collapse has no peak to follow) while it lasts, followed over a batch's
 * samples in time order: the detector updates a surge as its score grows, which a level far past its start need not make
 * it (the hour's first samples are learned as they come), so a passed peak is kept on the surge's row apart from its decisions.
 */
interface Peak {
  surgeId: string;
  value: number;
  /** A sample passed the row's peak: to be kept. */
  passed: boolean;
}

/** The peak of the series' surge as stored, if it has one the detector is following. */
function peakOf(state: SeriesState, surges: ActiveSurges): Peak | null {
  const following = state.active;
  if (following?.direction !== 'up') return null;
  const surge = surges.get(state.region, following.surgeId);
  return surge ? { surgeId: following.surgeId, value: surge.peakValue ?? 0, passed: false } : null;
}

const takenAtOf = (event: SampleEvent, nowMs: number): number => sampleTakenAt(event, nowMs, SERVICE_NAME);

/** Both said at once: a dead letter replayed once its region is configured would be refused again for its time. */
function refusalReason(event: SampleEvent, knownRegion: boolean, timeRefusal: string | undefined): string {
  const unknown = knownRegion ? undefined : `unknown region ${event.data.region}: use an ISO 3166-1 alpha-2 country code or a custom region configured in HOLDFAST_CUSTOM_REGIONS`;
  return [unknown, timeRefusal].filter((reason) => reason !== undefined).join('; ');
}

const signalBackReason = (region: string, metric: string): string => `Samples of ${metric} from ${region} are arriving again`;

function traceOf(event: SampleEvent, time: Date): SurgeTrace {
  return { correlationId: event.correlationid, causationId: event.id, time };
}

function evidenceOf(decision: SurgeDecision): SurgeEvidence {
  const { evidence } = decision;
  return {
    observed: evidence.observed,
    baseline: Math.max(0, evidence.baseline),
    score: evidence.score,
    direction: decision.direction,
    zScore: evidence.zScore,
    scale: evidence.scale,
    support: evidence.support,
    cumulative: Math.max(0, evidence.cumulative),
    samples: evidence.samples.map((sample) => ({ at: sample.at, value: sample.value, expected: Math.max(0, sample.expected), zScore: sample.zScore })),
  };
}

