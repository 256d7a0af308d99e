import { HoldReleasedSchema, type HoldSource } from '@holdfast/contracts';
import { describe, expect, it } from 'vitest';
import { type ActiveHold, expectedEndUs } from '../gate/hold-set';
import { heldUntil, letThroughReason, releasedAfterClearance } from './hold-record';

describe('the reason a hold is released with after its cause cleared', () => {
  const clearance = (source: HoldSource, clearedAt: string | null, change: { until?: string; reason?: string } = {}) => ({
    source,
    cleared_at: clearedAt ? new Date(clearedAt) : null,
    until_at: change.until ? new Date(change.until) : null,
    cleared_reason: change.reason ?? null,
  });

  it('names the cause by its source and the time as a person reads it, not as an ISO string', () => {
    const clearedAt = '2009-06-13T05:00:00.000Z';
    expect(releasedAfterClearance(clearance('detector', clearedAt))).toBe('The surge cleared at 05:00 UTC on Sat 13 Jun 2009 and the cool-down passed');
    expect(releasedAfterClearance(clearance('alert', clearedAt))).toBe('The alert resolved at 05:00 UTC on Sat 13 Jun 2009 and the cool-down passed');
    expect(releasedAfterClearance(clearance('declaration', clearedAt))).toBe('The declared critical period ended at 05:00 UTC on Sat 13 Jun 2009 and the cool-down passed');
  });

  it('says how the surge cleared, so a lost signal does not read as traffic that calmed down', () => {
    const lost = 'No requests sample from BR for 15 minutes: the signal is lost, so the detector can no longer follow this surge (onSignalLoss: notify)';
    expect(releasedAfterClearance(clearance('detector', '2026-12-07T05:49:00Z', { reason: lost }))).toBe(`The surge cleared at 05:49 UTC on Mon 7 Dec 2026 (${lost}) and the cool-down passed`);
    expect(releasedAfterClearance(clearance('alert', '2026-12-07T05:49:00Z', { reason: 'HighErrorRate resolved in alertmanager' }))).toBe(
      'The alert resolved at 05:49 UTC on Mon 7 Dec 2026 (HighErrorRate resolved in alertmanager) and the cool-down passed',
    );
    expect(releasedAfterClearance(clearance('declaration', '2026-12-07T08:00:00Z', { until: '2026-12-07T08:00:00Z', reason: 'Declared period ended: Election in IR' }))).toBe(
      'The declared critical period ended at 08:00 UTC on Mon 7 Dec 2026 (Declared period ended: Election in IR) and the cool-down passed',
    );
  });

  it('says a declaration cleared before its end was cancelled, not that it ended, and by whom when the clearance says', () => {
    expect(releasedAfterClearance(clearance('declaration', '2026-12-06T21:48:00Z', { until: '2026-12-06T23:48:00Z' }))).toBe(
      'The declared critical period was cancelled at 21:48 UTC on Sun 6 Dec 2026, before its end at 23:48 UTC on Sun 6 Dec 2026, and the cool-down passed',
    );
    expect(releasedAfterClearance(clearance('declaration', '2026-12-06T21:48:00Z', { until: '2026-12-06T23:48:00Z', reason: 'Declaration cancelled by platform/alice: Election in IR' }))).toBe(
      'The declared critical period was cancelled at 21:48 UTC on Sun 6 Dec 2026 (Declaration cancelled by platform/alice: Election in IR), before its end at 23:48 UTC on Sun 6 Dec 2026, and the cool-down passed',
    );
    expect(releasedAfterClearance(clearance('declaration', '2026-12-06T23:48:00Z', { until: '2026-12-06T23:48:00Z' }))).toBe(
      'The declared critical period ended at 23:48 UTC on Sun 6 Dec 2026 and the cool-down passed',
    );
  });

  it("cuts a long clearance reason short so the release still fits hold.released's reason, and never halves a character", () => {
    const max = HoldReleasedSchema.shape.reason.maxLength!;
    const retired = `The requests series of BR was retired by platform/bob: ${'decommissioned '.repeat(200)}`;
    const reason = releasedAfterClearance(clearance('detector', '2026-12-07T05:49:00Z', { reason: retired }));
    expect(reason).toHaveLength(max);
    expect(reason).toMatch(/^The surge cleared at 05:49 UTC on Mon 7 Dec 2026 \(The requests series of BR was retired by platform\/bob: decommissioned .*…\) and the cool-down passed$/);
    expect(HoldReleasedSchema.shape.reason.safeParse(reason).success).toBe(true);

    const cancelled = releasedAfterClearance(clearance('declaration', '2026-12-06T21:48:00Z', { until: '2026-12-06T23:48:00Z', reason: 'x'.repeat(max) }));
    expect(cancelled).toHaveLength(max);
    expect(cancelled).toMatch(/x…\), before its end at 23:48 UTC on Sun 6 Dec 2026, and the cool-down passed$/);

    const waves = releasedAfterClearance(clearance('detector', '2026-12-07T05:49:00Z', { reason: '🌊'.repeat(max) }));
    expect(waves.length).toBeLessThanOrEqual(max);
    // In a /u pattern a surrogate matches only when it is alone, half a character.
    expect(waves).not.toMatch(/[\uD800-\uDFFF]/u);
    expect(waves).toMatch(/ \(🌊+…\) and the cool-down passed$/u);
  });

  it('reads as before for a hold whose clearance came with no reason (cleared before the planner kept it)', () => {
    expect(releasedAfterClearance(clearance('detector', '2026-12-07T05:49:00Z'))).toBe('The surge cleared at 05:49 UTC on Mon 7 Dec 2026 and the cool-down passed');
  });

  it('leaves the time out when the clearance was not recorded', () => {
    expect(releasedAfterClearance(clearance('detector', null))).toBe('The surge cleared and the cool-down passed');
  });
});

describe("what a window's release says of runs let through the hold by an override", () => {
  it('names who let them through and why, each person once, with their reasons in run order', () => {
    expect(letThroughReason([{ by: 'network-ops/key-1', reason: 'the certificate expires today' }])).toBe('Let through by an override by network-ops/key-1 (the certificate expires today)');
    // One override of every run lets each through for the same reason: one override, said once.
    expect(letThroughReason([{ by: 'sre/key-2', reason: 'cannot wait' }, { by: 'sre/key-2', reason: 'cannot wait' }])).toBe('Let through by an override by sre/key-2 (cannot wait)');
    expect(
      letThroughReason([
        { by: 'sre/key-2', reason: 'first night' },
        { by: 'network-ops/key-1', reason: 'vendor on site' },
        { by: 'sre/key-2', reason: 'second night' },
      ]),
    ).toBe('Let through by overrides by sre/key-2 (first night; second night) and by network-ops/key-1 (vendor on site)');
  });

  it("cuts long reasons short so window.released's holdReason still fits", () => {
    const max = HoldReleasedSchema.shape.reason.maxLength!;
    const reason = letThroughReason([
      { by: 'sre/key-2', reason: 'a'.repeat(max) },
      { by: 'network-ops/key-1', reason: 'b'.repeat(max) },
    ]);
    expect(reason).toHaveLength(max);
    expect(reason).toMatch(/^Let through by overrides by sre\/key-2 \(a+…$/);
  });
});

describe('until when a hold holds runs, for planning, suggestions and the fan-out', () => {
  const now = new Date('2026-12-07T05:45:44.000Z');
  const until = new Date('2026-12-07T05:45:43.000Z');
  const COOL_DOWN_MS = 30 * 60_000;
  const later = (at: Date, ms: number) => new Date(at.getTime() + ms);

  it("holds a declaration not cleared yet to its until and the cool-down after it, where its release falls, also once that until passed before its surge.cleared came", () => {
    expect(heldUntil({ source: 'declaration', until_at: until, release_due_at: null }, now, COOL_DOWN_MS)).toEqual(later(until, COOL_DOWN_MS));
    expect(heldUntil({ source: 'declaration', until_at: later(now, 60_000), release_due_at: null }, now, COOL_DOWN_MS)).toEqual(later(now, 60_000 + COOL_DOWN_MS));
    // The cool-down as configured (HOLD_COOLDOWN_MINUTES=0.1, as the README's walkthrough runs it; 0).
    expect(heldUntil({ source: 'declaration', until_at: until, release_due_at: null }, now, 6_000)).toEqual(later(until, 6_000));
    expect(heldUntil({ source: 'declaration', until_at: until, release_due_at: null }, now, 0)).toEqual(until);
  });

  it("holds a manual hold to its until, with no cool-down: the sweep releases it there", () => {
    expect(heldUntil({ source: 'manual', until_at: later(now, 60_000), release_due_at: null }, now, COOL_DOWN_MS)).toEqual(later(now, 60_000));
    expect(heldUntil({ source: 'manual', until_at: null, release_due_at: null }, now, COOL_DOWN_MS)).toBeNull();
  });

  it("reads a detector's passed estimate as no end, the surge going on, and a cleared one's due release as its end, not counting the cool-down twice", () => {
    expect(heldUntil({ source: 'detector', until_at: until, release_due_at: null }, now, COOL_DOWN_MS)).toBeNull();
    expect(heldUntil({ source: 'alert', until_at: later(now, 60_000), release_due_at: null }, now, COOL_DOWN_MS)).toEqual(later(now, 60_000));
    const due = new Date('2026-12-07T05:46:13.000Z');
    expect(heldUntil({ source: 'declaration', until_at: until, release_due_at: due }, now, COOL_DOWN_MS)).toEqual(due);
  });

  it("is the end the gate's Retry-After counts to, for every hold whose end is known ahead", () => {
    const holds = [
      { source: 'declaration' as const, until_at: until, release_due_at: null },
      { source: 'manual' as const, until_at: later(now, 60_000), release_due_at: null },
      { source: 'detector' as const, until_at: until, release_due_at: later(now, 90_000) },
    ];
    for (const hold of holds) {
      const active: ActiveHold = {
        id: 'h',
        regions: ['IR'],
        reason: 'r',
        source: hold.source,
        fromUs: 0,
        untilUs: hold.until_at.getTime() * 1000,
        releaseDueUs: hold.release_due_at === null ? null : hold.release_due_at.getTime() * 1000,
      };
      expect(expectedEndUs(active, COOL_DOWN_MS * 1000), hold.source).toBe(heldUntil(hold, now, COOL_DOWN_MS)!.getTime() * 1000);
    }
  });
});
