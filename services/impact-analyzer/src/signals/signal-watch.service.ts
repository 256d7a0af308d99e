import { createEvent } from '@holdfast/contracts';
import { MessagingRuntime } from '@holdfast/messaging';
import { MetricsRegistry } from '@holdfast/observability';
import { Clock, InjectServiceConfig, type ServiceConfig } from '@holdfast/service-kit';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { policyOf, type AnalyzerSettings, type RegionPolicy, type SignalLossMode } from '../config/analyzer-settings';
import { signalLossCorrelation, signalLossOrigin } from '../samples/sample-assessment.service';
import { SERVICE_NAME } from '../service-name';
import type { SurgeEntity } from '../surges/surge.entity';
import { type ActiveSurges, type SurgeTrace, SurgesService } from '../surges/surges.service';
import { EventTimes } from './event-times';

/** What a run reads of every series: enough for the signal-age gauge and to tell those it must act on. */
interface WatchedSeries {
  region: string;
  metric: string;
  last_sample_at: Date;
  /** When a sample of it last arrived (was written), whatever time it carried. */
  updated_at: Date;
  signal_lost_at: Date | null;
  /** Its stored state follows a detector episode (SeriesState.active). */
  follows_episode: boolean;
}

/** A series' silence as of a run, under its region's policy. */
interface Silence {
  policy: RegionPolicy;
  silentMs: number;
  /** Its last sample's time, or when it was heard if that time is ahead of the clock: an event cannot say it was lost before it was last sampled. */
  lastSampleAt: Date;
  /** Silent for longer than its region allows, counted from this process's start at the earliest. */
  tooLong: boolean;
  lost: boolean;
}

/**
 * A region whose samples stop is news in itself. Run periodically on the injected clock: a series
 * to which no sample has arrived for longer than its region's signalLossAfterSeconds (whatever time
 * the samples carry), counted from when this process began watching at the earliest, is marked lost
 * and, per region, ignored, or news: signal.lost on region.signals.v1, the gauge and a warning
 * (notify), and with hold also a surge that says the signal was lost (failing closed). The next
 * sample ends it with signal.restored (SampleAssessmentService).
 *
 * The detector's surges of a silent series (its episode, its warm-up ceiling's) clear only on
 * samples of it, so in every mode they end once it is silent that long: held on, they would hold
 * their windows for ever. With hold, the lost signal's surge starts first and takes over. signal.lost
 * comes ahead of the surge events it causes, in the outbox and in `time` (EventTimes).
 */
@Injectable()
export class SignalWatchService {
  private readonly logger = new Logger(SignalWatchService.name);
  private readonly signalAge;
  private readonly signalLost;
  /**
   * Samples sent while no analyzer ran wait in Kafka, and the consumer reaches each series in its
   * own time: until then its row says only when the last process heard of it. Every replica that
   * restarts starts counting afresh; one that kept running kept consuming, so its rows are current.
   */
  private readonly watchingSince: number;
  /** The series the gauges were last set for. */
  private gauged = new Map<string, { region: string; metric: string }>();

  constructor(
    @InjectServiceConfig() private readonly config: ServiceConfig<AnalyzerSettings>,
    private readonly surges: SurgesService,
    private readonly messaging: MessagingRuntime,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    metrics: MetricsRegistry,
  ) {
    this.watchingSince = clock.nowMs();
    this.signalAge = metrics.gauge('holdfast_analyzer_signal_age_seconds', 'Time since the latest sample of a region’s metric', ['region', 'metric']);
    this.signalLost = metrics.gauge(
      'holdfast_analyzer_signal_lost',
      '1 while a region’s metric has gone silent for longer than its region allows and its region’s onSignalLoss is notify or hold; always 0 under ignore (the signal-age gauge shows the silence)',
      ['region', 'metric'],
    );
  }

  /**
   * Marks newly silent series lost and acts on each per its region's mode; returns those newly lost.
   * Every series is read without a lock (for the gauges), and only those with something to do are
   * locked: newly lost, silent with a detector episode or surge still to end, or lost and held (or
   * not) as another onSignalLoss had it. A series long silent and dealt with is then a row read at
   * each run, where a lock on it was a write (its page and WAL).
   */
  async check(): Promise<{ region: string; metric: string }[]> {
    const now = this.clock.now();
    const [series, surges] = (await Promise.all([this.dataSource.query(READ_SERIES), this.dataSource.query(ACTIVE_DETECTOR_SURGES)])) as [
      WatchedSeries[],
      { region: string; metric: string; origin: string }[],
    ];
    this.forgetGone(series);
    // A lost signal's own surge is not the detector's to end; it ends with the signal's return.
    const isHeld = (surge: { metric: string; origin: string }) => surge.origin === signalLossOrigin(surge.metric);
    const followed = new Set(surges.filter((surge) => !isHeld(surge)).map((surge) => seriesKey(surge.region, surge.metric)));
    const held = new Set(surges.filter(isHeld).map((surge) => seriesKey(surge.region, surge.metric)));
    const due = series.filter((row) => {
      const silence = this.watch(row, now);
      const key = seriesKey(row.region, row.metric);
      // A series lost under another onSignalLoss (changed and restarted since) is held, or released, as its region now says.
      const heldOtherwise = row.signal_lost_at !== null && (silence.policy.onSignalLoss === 'hold') !== held.has(key);
      return (silence.lost && row.signal_lost_at === null) || (silence.tooLong && (row.follows_episode || followed.has(key))) || heldOtherwise;
    });
    if (due.length === 0) return [];
    return this.dataSource.transaction(async (transaction) => {
      // Read again under the lock: a sample may have arrived since, or another replica dealt with it.
      const locked: WatchedSeries[] = await transaction.query(LOCK_SERIES, [due.map((row) => row.region), due.map((row) => row.metric)]);
      if (locked.length === 0) return [];
      // Locked after the series, as the samples consumer locks them.
      const active = await this.surges.activeIn(transaction, [...new Set(locked.map((row) => row.region))], 'detector');
      // Stamps what follows a signal.lost (its held surge, the surges it ends) later than it.
      const times = new EventTimes(this.clock);
      const lost: { region: string; metric: string }[] = [];
      const silent: SilentSeries[] = [];
      for (const row of locked) {
        const silence = this.watch(row, now);
        const { policy, silentMs, tooLong, lost: isLost } = silence;
        const lastSampleAt = silence.lastSampleAt.toISOString();
        const silentFor = `${Math.round(silentMs / 60_000)} minutes`;
        if (tooLong) silent.push({ region: row.region, metric: row.metric, silentFor, mode: policy.onSignalLoss });
        if (row.signal_lost_at !== null) await this.holdAsConfigured(transaction, active, row, silence, now, times);
        if (row.signal_lost_at !== null || !isLost) continue;
        await transaction.query('UPDATE series_state SET signal_lost_at = $3 WHERE region = $1 AND metric = $2', [row.region, row.metric, now]);
        lost.push({ region: row.region, metric: row.metric });
        const mode = policy.onSignalLoss as 'notify' | 'hold';
        this.logger.warn({ region: row.region, metric: row.metric, lastSampleAt, storedLastSampleAt: row.last_sample_at.toISOString(), mode }, `signal lost: no ${row.metric} sample from ${row.region} for ${silentFor}`);
        const trace = { correlationId: signalLossCorrelation(row.region, row.metric) };
        await this.messaging.outbox.add(
          transaction,
          createEvent(
            'signal.lost',
            {
              region: row.region,
              metric: row.metric,
              lastSampleAt,
              lostAt: now.toISOString(),
              silentSeconds: Math.round(silentMs / 1000),
              onSignalLoss: mode,
              reason: `No ${row.metric} sample from ${row.region} for ${silentFor} (allowed: ${Math.round(policy.signalLossAfterSeconds / 60)} minutes)`,
            },
            { source: SERVICE_NAME, subject: `${row.region}/${row.metric}`, ...trace, time: times.signal() },
          ),
        );
        if (mode !== 'hold') continue;
        await this.holdLostSignal(transaction, row, silence, now, `No ${row.metric} sample from ${row.region} for ${silentFor}: held until the signal is back (onSignalLoss: hold)`, {
          ...trace,
          time: times.next(),
        });
      }
      await this.endFollowedSurges(transaction, active, silent, now, times);
      return lost;
    });
  }

  /** The series' silence as of now, with the gauges set to it. */
  private watch(row: WatchedSeries, now: Date): Silence {
    this.signalAge.set({ region: row.region, metric: row.metric }, Math.max(0, now.getTime() - row.last_sample_at.getTime()) / 1000);
    // Silent is nothing arriving: a pipeline that delivers samples late, but steadily, has not lost its signal.
    // A stored time ahead of this clock (a sample stamped ahead, a replica whose clock ran ahead) says
    // nothing of when the series was heard, and counted it would keep the series from being lost until
    // then: with neither time behind the clock, silence counts from this process's start.
    const heard = [row.last_sample_at.getTime(), row.updated_at.getTime()].filter((at) => at <= now.getTime());
    const heardAt = heard.length > 0 ? Math.max(...heard) : this.watchingSince;
    const policy = policyOf(this.config.settings, row.region);
    const tooLong = now.getTime() - Math.max(heardAt, this.watchingSince) > policy.signalLossAfterSeconds * 1000;
    const lost = row.signal_lost_at !== null || (policy.onSignalLoss !== 'ignore' && tooLong);
    // The gauge is what alerts read: under ignore it stays 0, even for a series lost while its region said otherwise (changed and restarted since).
    this.signalLost.set({ region: row.region, metric: row.metric }, lost && policy.onSignalLoss !== 'ignore' ? 1 : 0);
    const lastSampleAt = row.last_sample_at.getTime() <= now.getTime() ? row.last_sample_at : new Date(heardAt);
    return { policy, silentMs: now.getTime() - heardAt, lastSampleAt, tooLong, lost };
  }

  /** The surge that holds a series' region while its signal is lost (onSignalLoss: hold), from now. */
  private holdLostSignal(transaction: EntityManager, row: WatchedSeries, silence: Silence, now: Date, reason: string, trace: SurgeTrace): Promise<SurgeEntity> {
    return this.surges.open(
      transaction,
      {
        region: row.region,
        metric: row.metric,
        source: 'detector',
        origin: signalLossOrigin(row.metric),
        severity: 'major',
        startedAt: now,
        signalLoss: { lastSampleAt: silence.lastSampleAt.toISOString(), silentSeconds: Math.round(silence.silentMs / 1000) },
        reason,
      },
      trace,
    );
  }

  /**
   * A series already lost when its region's onSignalLoss changed (in the configuration, then a
   * restart): held now if it is hold, its held surge cleared if it is no longer. Left as the former
   * setting had it, the region would stay unheld, or held, until the signal came back, perhaps never.
   */
  private async holdAsConfigured(transaction: EntityManager, active: ActiveSurges, row: WatchedSeries, silence: Silence, now: Date, times: EventTimes): Promise<void> {
    const held = active.get(row.region, signalLossOrigin(row.metric));
    const mode = silence.policy.onSignalLoss;
    const lostAt = row.signal_lost_at!.toISOString();
    const trace = { correlationId: signalLossCorrelation(row.region, row.metric), time: times.next() };
    if (mode === 'hold' && !held) {
      this.logger.warn({ region: row.region, metric: row.metric, lostAt }, `signal of ${row.metric} from ${row.region}, lost since ${lostAt}, now held (onSignalLoss: hold)`);
      const opened = await this.holdLostSignal(
        transaction,
        row,
        silence,
        now,
        `No ${row.metric} sample from ${row.region} since the signal was lost at ${lostAt}: held until the signal is back, as onSignalLoss is now hold (the configuration changed)`,
        trace,
      );
      active.set(opened);
    } else if (mode !== 'hold' && held) {
      this.logger.log({ region: row.region, metric: row.metric, lostAt }, `signal of ${row.metric} from ${row.region}, lost since ${lostAt}, no longer held (onSignalLoss: ${mode})`);
      await this.surges.clear(
        transaction,
        held,
        now,
        `The ${row.metric} signal from ${row.region}, lost since ${lostAt}, no longer holds the region: onSignalLoss is now ${mode} (the configuration changed)`,
        trace,
      );
      active.cleared(held);
    }
  }

  /** The gauges of series no longer stored (retired) are dropped, on every replica, rather than left at their last value. */
  private forgetGone(series: readonly WatchedSeries[]): void {
    const present = new Map(series.map((row) => [seriesKey(row.region, row.metric), { region: row.region, metric: row.metric }]));
    for (const [key, labels] of this.gauged) {
      if (present.has(key)) continue;
      this.signalAge.remove(labels);
      this.signalLost.remove(labels);
    }
    this.gauged = present;
  }

  /**
   * Clears the detector's surges of silent series, but for a lost signal's own, and ends the episode
   * their stored states follow: samples that come back then start a new surge if the level still
   * surges, instead of continuing one no longer published.
   */
  private async endFollowedSurges(transaction: EntityManager, active: ActiveSurges, silent: SilentSeries[], now: Date, times: EventTimes): Promise<void> {
    if (silent.length === 0) return;
    for (const { region, metric, silentFor, mode } of silent) {
      const reason =
        mode === 'hold'
          ? `No ${metric} sample from ${region} for ${silentFor}: the signal is lost, and the surge held for it takes over from this one (onSignalLoss: hold)`
          : mode === 'notify'
            ? `No ${metric} sample from ${region} for ${silentFor}: the signal is lost, so the detector can no longer follow this surge (onSignalLoss: notify)`
            : `No ${metric} sample from ${region} for ${silentFor}, so the detector can no longer follow this surge (onSignalLoss: ignore)`;
      for (const surge of active.ofSeries(region, metric)) {
        if (surge.origin === signalLossOrigin(metric)) continue;
        await this.surges.clear(transaction, surge, now, reason, { correlationId: signalLossCorrelation(region, metric), time: times.next() });
      }
    }
    await transaction.query(END_EPISODES, [silent.map((series) => series.region), silent.map((series) => series.metric)]);
  }
}

interface SilentSeries {
  region: string;
  metric: string;
  silentFor: string;
  mode: SignalLossMode;
}

const WATCHED_COLUMNS = `region, metric, last_sample_at, updated_at, signal_lost_at, jsonb_typeof(state -> 'active') = 'object' AS follows_episode`;
const READ_SERIES = `SELECT ${WATCHED_COLUMNS} FROM series_state WHERE last_sample_at IS NOT NULL`;
// In key order, as the consumer locks series; one a batch of samples holds is left to the next run.
const LOCK_SERIES = `SELECT ${WATCHED_COLUMNS} FROM series_state
  WHERE (region, metric) IN (SELECT * FROM unnest($1::text[], $2::text[])) ORDER BY region, metric FOR UPDATE SKIP LOCKED`;
const ACTIVE_DETECTOR_SURGES = `SELECT region, metric, origin FROM surge WHERE source = 'detector' AND status = 'active' AND metric IS NOT NULL`;
const seriesKey = (region: string, metric: string): string => `${region}\u0000${metric}`;

// SeriesState.active is the episode the detector follows; rows with none are left untouched.
const END_EPISODES = `UPDATE series_state SET state = jsonb_set(state, '{active}', 'null'::jsonb)
  WHERE (region, metric) IN (SELECT * FROM unnest($1::text[], $2::text[])) AND jsonb_typeof(state -> 'active') = 'object'`;
