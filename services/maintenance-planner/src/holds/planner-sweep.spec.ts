import { MetricsRegistry } from '@holdfast/observability';
import { ManualClock } from '@holdfast/testing';
import { Logger } from '@nestjs/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HorizonRefusal } from '../windows/horizon-refusal';
import { PlannerSweep } from './planner-sweep.service';
import { WindowAnnouncementBacklog } from './window-announcement-backlog';

/** The sweep's collaborators as stubs: each step resolves with a count unless `failing` names it, and records that it ran; `announceOwed` replaces that step's stub. */
function sweepOf(failing: readonly string[], refusedAtEachSweep: HorizonRefusal[][] = [], announceOwed?: () => Promise<number>) {
  const ran: string[] = [];
  const step = <T>(name: string, count: T) => () => {
    ran.push(name);
    return failing.includes(name) ? Promise.reject(new Error(`${name} refused`)) : Promise.resolve(count);
  };
  let sweeps = 0;
  const extendHorizon = () => step('extendHorizon', { extended: 1, refused: refusedAtEachSweep[sweeps++] ?? [] })();
  const windows = { extendHorizon, markMissed: step('markMissed', 2) };
  const zoneRules = {
    checkNewRelease: step('checkNewRelease', [
      { windowId: 'w', runs: [], moved: 0, startsAt: null },
      { windowId: 'moved', runs: [], moved: 3, startsAt: null },
      { windowId: 'start moved', runs: [], moved: 0, startsAt: new Date('2026-11-10T09:00:00Z') },
    ]),
  };
  const holds = {
    announceOwed: announceOwed ?? step('announceOwed', 3),
    releaseDue: step('releaseDue', 4),
    openOutlasted: step('openOutlasted', 5),
    extendOpenEnded: step('extendOpenEnded', 6),
    repair: step('repair', 7),
    refreshGauges: step('refreshGauges', 0),
  };
  const metrics = new MetricsRegistry('maintenance-planner', false);
  const sweep = new PlannerSweep(windows as never, zoneRules as never, holds as never, { prune: step('prune', 8) } as never, { settings: { sweepIntervalMs: 0 } } as never, metrics);
  const counted = async (name: string) => Object.fromEntries((await metrics.registry.getSingleMetric(name)!.get()).values.map((value) => [Object.values(value.labels).filter((label) => label !== 'maintenance-planner').join(), value.value]));
  return { sweep, ran, counted, metrics };
}

describe('the planner sweep', () => {
  afterEach(() => vi.restoreAllMocks());

  it('runs every step after one that fails, logs the step that failed, counts it, and reports the sweep as partial', async () => {
    const errors = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { sweep, ran, counted, metrics } = sweepOf(['extendHorizon']);

    const result = await sweep.sweep();

    expect(ran).toEqual(['extendHorizon', 'announceOwed', 'releaseDue', 'openOutlasted', 'extendOpenEnded', 'repair', 'markMissed', 'prune', 'refreshGauges', 'checkNewRelease']);
    expect(result).toEqual({ zoneRules: 3, announced: 3, released: 4, outlasted: 5, extended: 6, repaired: 7, missed: 2, prunedClearances: 8, gauges: 0, failed: ['extendedWindows'], skipped: [], outcome: 'partial' });
    expect(errors).toHaveBeenCalledWith(expect.objectContaining({ step: 'extendedWindows', err: expect.objectContaining({ message: 'extendHorizon refused' }) }), expect.stringContaining('sweep step extendedWindows failed'));
    const timed = ((await metrics.registry.getSingleMetric('holdfast_sweep_step_seconds')!.get()).values as { labels: Record<string, string>; value: number; metricName?: string }[]).filter((value) => value.metricName === 'holdfast_sweep_step_seconds_count');
    // Every step timed once, the failed one included.
    expect(Object.fromEntries(timed.map((value) => [value.labels.step, value.value]))).toEqual({ extendedWindows: 1, announced: 1, released: 1, outlasted: 1, extended: 1, repaired: 1, missed: 1, prunedClearances: 1, gauges: 1, zoneRules: 1 });
    expect(await counted('holdfast_sweep_step_failures_total')).toEqual({ extendedWindows: 1 });
    // The windows a newer tzdata found off their rule: two moved back to the local time planned, one left to its owner.
    expect(await counted('holdfast_zone_rules_windows_total')).toEqual({ moved: 2, left: 1 });
    expect(await counted('holdfast_sweeps_total')).toEqual({ partial: 1 });
  });

  it('does not mark runs missed after a failed repair, whose links would have it mark runs missed that need a new slot, and runs the rest', async () => {
    vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { sweep, ran } = sweepOf(['repair']);

    const result = await sweep.sweep();

    expect(ran).not.toContain('markMissed');
    expect(ran).toEqual(expect.arrayContaining(['prune', 'refreshGauges']));
    expect(result).toMatchObject({ failed: ['repaired'], skipped: ['missed'], outcome: 'partial', prunedClearances: 8 });
    expect(result.missed).toBeUndefined();
  });

  it('reports ok when every step works, and failed when none did', async () => {
    vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    expect((await sweepOf([]).sweep.sweep()).outcome).toBe('ok');
    const everyStep = ['checkNewRelease', 'extendHorizon', 'announceOwed', 'releaseDue', 'openOutlasted', 'extendOpenEnded', 'repair', 'markMissed', 'prune', 'refreshGauges'];
    const { sweep, counted } = sweepOf(everyStep);
    expect(await sweep.sweep()).toMatchObject({ outcome: 'failed', skipped: ['missed'] });
    expect(await counted('holdfast_sweeps_total')).toEqual({ failed: 1 });
  });

  it("counts and logs each window whose new runs the horizon step refused, naming the runs, reports the sweep ok, and says when a window gets its runs again", async () => {
    const warnings = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const logs = vi.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    vi.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
    const overlapping: HorizonRefusal = {
      windowId: 'w-overlap',
      reason: 'overlapping-occurrences',
      runs: [
        { startsAt: '2026-10-01T10:00:00.000Z', endsAt: '2026-10-02T11:00:00.000Z', stored: false },
        { startsAt: '2026-10-02T10:00:00.000Z', endsAt: '2026-10-03T11:00:00.000Z', stored: false },
      ],
      detail: 'The run from 2026-10-01T10:00:00.000Z lasts until 2026-10-02T11:00:00.000Z, after the next run starts at 2026-10-02T10:00:00.000Z: a run must end before the next begins.',
    };
    const tooLong: HorizonRefusal = { windowId: 'w-long', reason: 'occurrence-too-long', runs: [{ startsAt: '2026-10-01T00:00:00.000Z', endsAt: '2026-11-10T00:00:00.000Z', stored: false }], detail: 'lasts 960 hours' };
    const { sweep, counted } = sweepOf([], [[overlapping, tooLong], [tooLong]]);

    expect(await sweep.sweep()).toMatchObject({ extendedWindows: 1, failed: [], outcome: 'ok' });
    expect(await counted('holdfast_horizon_refused_windows_total')).toEqual({ 'overlapping-occurrences': 1, 'occurrence-too-long': 1 });
    expect(warnings).toHaveBeenCalledWith(
      expect.objectContaining({ windowId: 'w-overlap', reason: 'overlapping-occurrences', runs: overlapping.runs }),
      expect.stringMatching(/^window w-overlap gets no runs past its last stored one \(overlapping-occurrences\): The run from 2026-10-01T10:00:00.000Z .* Its owner should PATCH its times or recurrence/),
    );
    expect(warnings).toHaveBeenCalledWith(expect.objectContaining({ windowId: 'w-long', reason: 'occurrence-too-long' }), expect.any(String));

    // The overlapping window was changed and got its runs: said once; the other is still refused and counted again.
    await sweep.sweep();
    expect(await counted('holdfast_horizon_refused_windows_total')).toEqual({ 'overlapping-occurrences': 1, 'occurrence-too-long': 2 });
    expect(logs).toHaveBeenCalledWith(expect.objectContaining({ windowId: 'w-overlap' }), 'window w-overlap: the horizon step no longer refuses its runs');
    expect(logs).not.toHaveBeenCalledWith(expect.objectContaining({ windowId: 'w-long' }), expect.any(String));
  });

  it("logs the hold announcements PostgreSQL refuses sweep after sweep as the announced step's failure, once for the run, not at every sweep", async () => {
    const errors = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    vi.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
    const refused = () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
    const dataSource = { manager: { query: refused }, query: refused, transaction: refused };
    const backlog = new WindowAnnouncementBacklog(dataSource as never, new ManualClock('2026-12-01T00:00:00Z') as never, {} as never);
    const { sweep, counted } = sweepOf([], [], () => backlog.drainAll());

    for (let i = 0; i < 5; i++) expect((await sweep.sweep()).failed).toEqual(['announced']);

    expect(errors.mock.calls.map(([, message]) => message)).toEqual([expect.stringMatching(/^sweep step announced failed.*\(logged every 30 s while it fails\)$/)]);
    expect(await counted('holdfast_sweep_step_failures_total')).toEqual({ announced: 5 });
  });
});
