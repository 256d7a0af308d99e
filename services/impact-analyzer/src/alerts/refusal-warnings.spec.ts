import { describe, expect, it } from 'vitest';
import { RefusalWarnings } from './refusal-warnings';

describe('RefusalWarnings', () => {
  it("warns of an alert's refusal once an interval however often the alert comes again, saying how many refusals it stands for", () => {
    let now = 0;
    const warnings = new RefusalWarnings(600_000, () => now);
    const refused = () => warnings.refused('alertmanager', 'fp-EdgeTraffic', 'unknown-region');
    expect(refused()).toEqual({ warn: true, refusals: 1 });
    now += 300_000;
    expect([refused(), refused()]).toEqual([
      { warn: false, refusals: 1 },
      { warn: false, refusals: 2 },
    ]);
    now += 300_000;
    expect(refused()).toEqual({ warn: true, refusals: 3 });
  });

  it('warns apart of each sender, alert and reason', () => {
    const warnings = new RefusalWarnings(600_000, () => 0);
    expect(warnings.refused('alertmanager', 'fp-EdgeTraffic', 'unknown-region').warn).toBe(true);
    expect(warnings.refused('alertmanager', 'fp-EdgeTraffic', 'unreadable-starts-at').warn).toBe(true);
    expect(warnings.refused('alertmanager', 'fp-Other', 'unknown-region').warn).toBe(true);
    expect(warnings.refused('grafana', 'fp-EdgeTraffic', 'unknown-region').warn).toBe(true);
    expect(warnings.refused('alertmanager', 'fp-EdgeTraffic', 'unknown-region').warn).toBe(false);
  });

  it('forgets the alerts refused longest ago beyond those it remembers', () => {
    const warnings = new RefusalWarnings(600_000, () => 0, 2);
    const refused = (fingerprint: string) => warnings.refused('alertmanager', fingerprint, 'unknown-region').warn;
    expect([refused('a'), refused('b'), refused('a'), refused('c')]).toEqual([true, true, false, true]);
    // b was refused longest ago: forgotten, so warned of again; a was kept.
    expect([refused('a'), refused('b')]).toEqual([false, true]);
  });
});
