import { describe, expect, it } from 'vitest';
import { analyzerService } from '../app.module';
import type { AnalyzerSettings } from '../config/analyzer-settings';
import { sampleTakenAt, sampleTimeRefusal } from './sample-time';

describe('sampleTimeRefusal', () => {
  const settings = analyzerService.configFromEnvironment({}).settings as AnalyzerSettings;
  const now = Date.parse('2026-12-04T12:00:00Z');
  const refusal = (at: string) => sampleTimeRefusal(at, now, settings);

  it('takes samples late by minutes, hours or days of a backfill, up to SAMPLE_MAX_AGE_DAYS (30 by default) before the clock', () => {
    for (const at of ['2026-12-04T11:55:00Z', '2026-12-04T03:00:00Z', '2026-11-17T12:00:00Z', '2026-11-04T12:00:00Z']) expect(refusal(at), at).toBeUndefined();
  });

  it('refuses a sample older than SAMPLE_MAX_AGE_DAYS, naming its age, the bound and what to check', () => {
    expect(refusal('2026-11-04T11:59:59Z')).toBe(
      "at 2026-11-04T11:59:59Z is 30 days before the analyzer's clock (2026-12-04T12:00:00.000Z); samples older than SAMPLE_MAX_AGE_DAYS (30) are refused, as a time that old is more likely set wrong than a backfill: check the sender's clock and how it writes times (seconds read as milliseconds land in 1970), or raise SAMPLE_MAX_AGE_DAYS for a longer backfill",
    );
    // A Unix time in seconds read as milliseconds, a year typed wrong, a time decades back: each named.
    expect(refusal(new Date(Math.floor(now / 1000)).toISOString())).toMatch(/^at 1970-01-21T\S+ is 20\d{3} days before the analyzer's clock/);
    expect(refusal('2025-12-04T12:00:00Z')).toMatch(/^at 2025-12-04T12:00:00Z is 365 days before/);
    expect(refusal('1999-06-14T21:00:00Z')).toContain('SAMPLE_MAX_AGE_DAYS (30)');
  });

  it('follows SAMPLE_MAX_AGE_DAYS as configured', () => {
    const longer = analyzerService.configFromEnvironment({ SAMPLE_MAX_AGE_DAYS: '400' }).settings as AnalyzerSettings;
    expect(sampleTimeRefusal('2025-12-04T12:00:00Z', now, longer)).toBeUndefined();
    expect(sampleTimeRefusal('2025-10-04T12:00:00Z', now, longer)).toContain('SAMPLE_MAX_AGE_DAYS (400)');
  });

  it('judges the age as of when the sample was taken, when given, and the time ahead against the clock still', () => {
    const takenMs = Date.parse('2026-12-04T11:58:00Z');
    // 30 days before it was taken, less a minute: a sample the intake accepted two minutes before the clock.
    expect(sampleTimeRefusal('2026-11-04T11:59:00Z', now, settings, undefined, takenMs)).toBeUndefined();
    expect(sampleTimeRefusal('2026-11-04T11:57:00Z', now, settings, undefined, takenMs)).toMatch(
      /^at 2026-11-04T11:57:00Z is 30 days before the analyzer took it \(2026-12-04T11:58:00.000Z\); samples older than SAMPLE_MAX_AGE_DAYS \(30\) are refused/,
    );
    expect(sampleTimeRefusal('2026-12-04T12:05:30Z', now, settings, undefined, takenMs)).toMatch(/^at 2026-12-04T12:05:30Z is 330 s ahead of the analyzer's clock \(2026-12-04T12:00:00.000Z\)/);
  });

  it('names a zero time as such rather than by its age', () => {
    expect(refusal('1970-01-01T00:00:00Z')).toMatch(/^at 1970-01-01T00:00:00Z is the Unix epoch, which a pipeline writes for a time it never set/);
  });
});

describe('sampleTakenAt', () => {
  const now = Date.parse('2026-12-04T12:00:00Z');

  it("judges the analyzer's own intake's samples as of when it took them, an outside producer's as of now", () => {
    expect(sampleTakenAt({ source: 'impact-analyzer', time: '2026-12-04T11:58:00.000Z' }, now, 'impact-analyzer')).toBe(now - 120_000);
    expect(sampleTakenAt({ source: 'impact-analyzer', time: '2026-12-04T12:05:00.000Z' }, now, 'impact-analyzer')).toBe(now);
    expect(sampleTakenAt({ source: 'cdn-logs', time: '2026-12-04T11:58:00.000Z' }, now, 'impact-analyzer')).toBe(now);
  });

  it("takes no time further back than the topic keeps messages, so a producer naming the analyzer's source with an old time moves the check by days at most", () => {
    expect(sampleTakenAt({ source: 'impact-analyzer', time: '2026-10-01T00:00:00.000Z' }, now, 'impact-analyzer')).toBe(Date.parse('2026-11-29T12:00:00Z'));
  });
});
