import { MetricsRegistry } from '@holdfast/observability';
import { Logger } from '@nestjs/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PlannerSweep } from './planner-sweep.service';

/** The sweep's collaborators as stubs: each step resolves with a count unless `failing` names it, and records that it ran. */
function sweepOf(failing: readonly string[]) {
  const ran: string[] = [];
  const step = (name: string, count: number) => () => {
    ran.push(name);
    return failing.includes(name) ? Promise.reject(new Error(`${name} refused`)) : Promise.resolve(count);
  };
  const windows = { extendHorizon: step('extendHorizon', 1), markMissed: step('markMissed', 2) };
  const holds = {
    announceOwed: step('announceOwed', 3),
    releaseDue: step('releaseDue', 4),
    openOutlasted: step('openOutlasted', 5),
    extendOpenEnded: step('extendOpenEnded', 6),
    repair: step('repair', 7),
    refreshGauges: step('refreshGauges', 0),
  };
  const metrics = new MetricsRegistry('maintenance-planner', false);
  const sweep = new PlannerSweep(windows as never, holds as never, { prune: step('prune', 8) } as never, { settings: { sweepIntervalMs: 0 } } as never, metrics);
  const counted = async (name: string) => Object.fromEntries((await metrics.registry.getSingleMetric(name)!.get()).values.map((value) => [Object.values(value.labels).filter((label) => label !== 'maintenance-planner').join(), value.value]));
  return { sweep, ran, counted };
}

describe('the planner sweep', () => {
  afterEach(() => vi.restoreAllMocks());

  it('runs every step after one that fails, logs the step that failed, counts it, and reports the sweep as partial', async () => {
    const errors = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { sweep, ran, counted } = sweepOf(['extendHorizon']);

    const result = await sweep.sweep();

    expect(ran).toEqual(['extendHorizon', 'announceOwed', 'releaseDue', 'openOutlasted', 'extendOpenEnded', 'repair', 'markMissed', 'prune', 'refreshGauges']);
    expect(result).toEqual({ announced: 3, released: 4, outlasted: 5, extended: 6, repaired: 7, missed: 2, prunedClearances: 8, gauges: 0, failed: ['extendedWindows'], skipped: [], outcome: 'partial' });
    expect(errors).toHaveBeenCalledWith(expect.objectContaining({ step: 'extendedWindows', err: expect.objectContaining({ message: 'extendHorizon refused' }) }), expect.stringContaining('sweep step extendedWindows failed'));
    expect(await counted('holdfast_sweep_step_failures_total')).toEqual({ extendedWindows: 1 });
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
    const everyStep = ['extendHorizon', 'announceOwed', 'releaseDue', 'openOutlasted', 'extendOpenEnded', 'repair', 'markMissed', 'prune', 'refreshGauges'];
    const { sweep, counted } = sweepOf(everyStep);
    expect(await sweep.sweep()).toMatchObject({ outcome: 'failed', skipped: ['missed'] });
    expect(await counted('holdfast_sweeps_total')).toEqual({ failed: 1 });
  });
});
