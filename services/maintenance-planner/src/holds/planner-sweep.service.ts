import { withoutStatementValues } from '@holdfast/database';
import { MetricsRegistry, RepeatedFailure } from '@holdfast/observability';
import { InjectServiceConfig, type ServiceConfig } from '@holdfast/service-kit';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { PlannerSettings } from '../config/planner-settings';
import type { HorizonRefusal } from '../windows/horizon-refusal';
import { WindowsService } from '../windows/windows.service';
import { movedToRule, ZoneRulesCheck } from '../windows/zone-rules.check';
import { HoldsService } from './holds.service';
import { SurgeClearances } from './surge-clearances';

/** The sweep's steps, in the order they run; each result key is what the step did (a count). */
export const SWEEP_STEPS = ['extendedWindows', 'announced', 'released', 'outlasted', 'extended', 'repaired', 'missed', 'prunedClearances', 'gauges', 'zoneRules'] as const;
export type SweepStep = (typeof SWEEP_STEPS)[number];

/**
 * What one sweep did: each step's count (absent for a step that failed or was skipped), the steps
 * that failed, those skipped because a step they rely on failed, and the outcome: `ok`, `partial`
 * (some steps failed) or `failed` (every step failed or was skipped).
 */
export type SweepResult = Partial<Record<SweepStep, number>> & { failed: SweepStep[]; skipped: SweepStep[]; outcome: 'ok' | 'partial' | 'failed' };

/**
 * The periodic job, on the injected Clock's time: occurrences up to the horizon, missed
 * occurrences, cool-downs and held periods that ended, open-ended holds extended, repairs, and
 * surge clearances past their retention, and, on a newer tzdata, the stored runs checked against their rules (ZoneRulesCheck). Each step runs whatever the others did, so one that keeps
 * failing (a hold whose release PostgreSQL refuses) stops no other; only marking missed waits for
 * the repair, as it relies on it.
 * Tests call `sweep()` after moving a ManualClock instead of waiting.
 */
@Injectable()
export class PlannerSweep implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PlannerSweep.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  // While PostgreSQL is away every step fails at every sweep: each step's run of failures is logged every so often, not every time.
  private readonly failures = new Map<SweepStep, RepeatedFailure>();
  private readonly incomplete = new RepeatedFailure();
  // Each refused window's run of refusals, logged every so often while it lasts: the owner has to act, and the sweep comes every minute.
  private readonly refusals = new Map<string, RepeatedFailure>();
  private readonly stepFailures;
  private readonly sweeps;
  private readonly refusedWindows;
  private readonly stepSeconds;
  private readonly windowsOffZoneRules;

  constructor(
    private readonly windows: WindowsService,
    private readonly zoneRules: ZoneRulesCheck,
    private readonly holds: HoldsService,
    private readonly clearances: SurgeClearances,
    @InjectServiceConfig() private readonly config: ServiceConfig<PlannerSettings>,
    metrics: MetricsRegistry,
  ) {
    this.stepFailures = metrics.counter('holdfast_sweep_step_failures_total', "Sweep steps that failed, by step (the sweep's other steps still ran)", ['step']);
    this.sweeps = metrics.counter('holdfast_sweeps_total', 'Sweeps run, by outcome: ok, partial (some steps failed) or failed (every step did)', ['outcome']);
    // Each step's time, failed ones included: with thousands of recurring windows the horizon step's expansion is most of a sweep.
    this.stepSeconds = metrics.histogram('holdfast_sweep_step_seconds', 'Time each sweep step took, by step, whether it succeeded or failed', ['step'], [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30]);
    this.refusedWindows = metrics.counter(
      'holdfast_horizon_refused_windows_total',
      "Recurring windows whose new runs the sweep's horizon step refused to store, once per window and sweep, by reason (overlapping-occurrences, occurrence-too-long)",
      ['reason'],
    );
    this.windowsOffZoneRules = metrics.counter(
      'holdfast_zone_rules_windows_total',
      "Windows whose runs to come a newer tzdata release no longer put where their rule does, by outcome: moved (back to the local time planned) or left (to their owners, audited runs-off-zone-rules)",
      ['outcome'],
    );
  }

  onApplicationBootstrap(): void {
    const interval = this.config.settings.sweepIntervalMs;
    if (interval > 0) {
      this.timer = setInterval(() => {
        if (this.running) return;
        this.running = this.sweep()
          // sweep() reports its steps' failures itself; this is a failure of the reporting.
          .catch((error: unknown) => this.logger.error({ err: withoutStatementValues(error) }, 'sweep failed; the next one retries'))
          .finally(() => (this.running = undefined));
      }, interval);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  async sweep(): Promise<SweepResult> {
    const result: SweepResult = { failed: [], skipped: [], outcome: 'ok' };
    const step = async (name: SweepStep, run: () => Promise<number | void>, needs: readonly SweepStep[] = []) => {
      const failedFirst = needs.filter((need) => result.failed.includes(need));
      if (failedFirst.length > 0) {
        result.skipped.push(name);
        return;
      }
      const failures = this.failures.get(name) ?? this.failures.set(name, new RepeatedFailure()).get(name)!;
      const timed = this.stepSeconds.startTimer({ step: name });
      try {
        result[name] = (await run()) ?? 0;
        failures.succeeded((fields, message) => this.logger.log(fields, message), { step: name }, `sweep step ${name} works again`);
      } catch (error) {
        result.failed.push(name);
        this.stepFailures.inc({ step: name });
        failures.log(this.logger, 'error', { step: name, err: redacted(error) }, `sweep step ${name} failed; the sweep's other steps ran, and the next sweep retries it`);
      } finally {
        timed();
      }
    };
    await step('extendedWindows', async () => {
      const { extended, refused } = await this.windows.extendHorizon();
      this.reportRefused(refused);
      return extended;
    });
    // What a stopped process left unannounced, before anything else is said about those holds.
    await step('announced', () => this.holds.announceOwed());
    // Releases and repairs before marking missed: what they let go of that has begun needs a new slot, and is not missed.
    await step('released', () => this.holds.releaseDue());
    await step('outlasted', () => this.holds.openOutlasted());
    await step('extended', () => this.holds.extendOpenEnded());
    await step('repaired', () => this.holds.repair());
    // Marking missed reads held through the holds in force: links a failed repair left would let it mark runs missed that need a new slot.
    await step('missed', () => this.windows.markMissed(), ['repaired']);
    await step('prunedClearances', () => this.clearances.prune());
    await step('gauges', () => this.holds.refreshGauges());
    // Last: after an upgrade that moved many windows' runs it may take a while, and the releases due come first.
    await step('zoneRules', async () => {
      const off = await this.zoneRules.checkNewRelease();
      const moved = off.filter(movedToRule).length;
      if (moved > 0) this.windowsOffZoneRules.inc({ outcome: 'moved' }, moved);
      if (off.length > moved) this.windowsOffZoneRules.inc({ outcome: 'left' }, off.length - moved);
      return off.length;
    });
    result.outcome = result.failed.length === 0 ? 'ok' : result.failed.length + result.skipped.length === SWEEP_STEPS.length ? 'failed' : 'partial';
    this.sweeps.inc({ outcome: result.outcome });
    if (result.outcome === 'ok') this.incomplete.succeeded((fields, message) => this.logger.log(fields, message), {}, 'sweeps complete again');
    else {
      const skipped = result.skipped.length > 0 ? `; ${result.skipped.join(', ')} skipped, as relying on a step that failed` : '';
      this.incomplete.log(this.logger, 'warn', { outcome: result.outcome, failed: result.failed, skipped: result.skipped }, `sweep ${result.outcome}: ${result.failed.join(', ')} failed${skipped}`);
    }
    return result;
  }

  /**
   * Windows whose runs the horizon step refused: counted and logged, naming the runs, at every sweep
   * (every REPEATED_FAILURE_LOG_EVERY_MS at most per window), and logged once more when a window gets
   * its runs again or is no longer due (changed, cancelled).
   */
  private reportRefused(refused: readonly HorizonRefusal[]): void {
    const now = new Set(refused.map((refusal) => refusal.windowId));
    for (const [windowId, failure] of this.refusals) {
      if (now.has(windowId)) continue;
      failure.succeeded((fields, message) => this.logger.log(fields, message), { windowId }, `window ${windowId}: the horizon step no longer refuses its runs`);
      this.refusals.delete(windowId);
    }
    for (const refusal of refused) {
      this.refusedWindows.inc({ reason: refusal.reason });
      const failure = this.refusals.get(refusal.windowId) ?? this.refusals.set(refusal.windowId, new RepeatedFailure()).get(refusal.windowId)!;
      failure.log(
        this.logger,
        'warn',
        { windowId: refusal.windowId, reason: refusal.reason, runs: refusal.runs },
        `window ${refusal.windowId} gets no runs past its last stored one (${refusal.reason}): ${refusal.detail} Its owner should PATCH its times or recurrence (the PATCH answers what to change) or cancel it; the sweep tries it again each time`,
      );
    }
  }
}

/** A failure as the log may show it: a step over many holds or windows fails with each one's error, and their statements' values stay out too. */
function redacted(error: unknown): unknown {
  return error instanceof AggregateError ? new AggregateError(error.errors.map(withoutStatementValues), error.message) : withoutStatementValues(error);
}
