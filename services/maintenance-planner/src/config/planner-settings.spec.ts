import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { plannerEnvironment, plannerSettings } from './planner-settings';

const parse = (env: Record<string, string>) => z.object(plannerEnvironment).safeParse(env);

describe('SURGE_CLEARANCE_RETENTION_DAYS', () => {
  it('keeps a clearance that overtook its start 14 days by default', () => {
    expect(plannerSettings(parse({}).data!).surgeClearanceRetentionMs).toBe(14 * 86_400_000);
    expect(plannerSettings(parse({ SURGE_CLEARANCE_RETENTION_DAYS: '30' }).data!).surgeClearanceRetentionMs).toBe(30 * 86_400_000);
  });

  it('refuses a retention the topics outlive, saying why', () => {
    const result = parse({ SURGE_CLEARANCE_RETENTION_DAYS: '5' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({
      path: ['SURGE_CLEARANCE_RETENTION_DAYS'],
      message: "must be more than the 5 days Holdfast's topics keep their messages, or a late surge.started could place a hold its clearance no longer ends",
    });
  });
});

describe('PLAN_MAX_AHEAD_DAYS', () => {
  it('lets a window or a manual hold start up to 730 days ahead by default, or as set', () => {
    expect(plannerSettings(parse({}).data!).planMaxAheadMs).toBe(730 * 86_400_000);
    expect(plannerSettings(parse({ PLAN_MAX_AHEAD_DAYS: '400' }).data!).planMaxAheadMs).toBe(400 * 86_400_000);
  });

  it('refuses a bound of none, or past ten years', () => {
    for (const days of ['0', '-1', '3651', 'two years']) {
      expect(parse({ PLAN_MAX_AHEAD_DAYS: days }).error?.issues[0].path, days).toEqual(['PLAN_MAX_AHEAD_DAYS']);
    }
  });
});
