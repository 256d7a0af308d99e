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
      message: "must be a number of days > 5 (Holdfast's topics keep their messages 5 days), or a late surge.started could place a hold its clearance no longer ends",
    });
  });
});

describe('HOLD_COOLDOWN_MINUTES', () => {
  it('takes minutes in plain decimal, a fraction too', () => {
    expect(plannerSettings(parse({ HOLD_COOLDOWN_MINUTES: '2.5' }).data!).holdCooldownMs).toBe(150_000);
    expect(plannerSettings(parse({ HOLD_COOLDOWN_MINUTES: '0' }).data!).holdCooldownMs).toBe(0);
  });

  it('refuses what Number() reads as a number in another form (0x1e was 30 minutes), saying what is wanted', () => {
    for (const text of ['0x1e', '3e1', '0b11110', ' 30', 'ten']) {
      expect(parse({ HOLD_COOLDOWN_MINUTES: text }).error?.issues[0].message, text).toBe('must be a number of minutes from 0 to 1440, written in decimal digits (such as 2.5)');
    }
    expect(parse({ HOLD_COOLDOWN_MINUTES: '1441' }).error?.issues[0].message).toBe('must be a number of minutes from 0 to 1440');
  });
});

describe('the whole-number durations', () => {
  it('refuses a fraction where the setting is whole, saying so', () => {
    expect(parse({ HOLD_HORIZON_HOURS: '1.5' }).error?.issues[0].message).toBe('must be a whole number of hours from 1 to 2160, written in decimal digits');
    expect(parse({ GATE_RETRY_AFTER_SECONDS: '0.5' }).error?.issues[0].message).toBe('must be a whole number of seconds from 1 to 86400, written in decimal digits');
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

describe('GATE_SURGE_OFFSETS_INTERVAL_SECONDS', () => {
  it("reads the surge consumer group's offsets every 2 s by default, or as set", () => {
    expect(plannerSettings(parse({}).data!).gateSurgeOffsetsIntervalMs).toBe(2_000);
    expect(plannerSettings(parse({ GATE_SURGE_OFFSETS_INTERVAL_SECONDS: '1.5' }).data!).gateSurgeOffsetsIntervalMs).toBe(1_500);
  });

  it('refuses an interval no longer than the consumers\' commit timer, saying why', () => {
    for (const seconds of ['1', '0.5', '0', '61']) {
      expect(parse({ GATE_SURGE_OFFSETS_INTERVAL_SECONDS: seconds }).error?.issues[0], seconds).toMatchObject({
        path: ['GATE_SURGE_OFFSETS_INTERVAL_SECONDS'],
        message: 'must be a number of seconds > 1 and ≤ 60 (a consumer commits its offsets every second: a surge applied as it should would read as not applied)',
      });
    }
  });
});
