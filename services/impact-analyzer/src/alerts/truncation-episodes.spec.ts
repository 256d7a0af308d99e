import { describe, expect, it } from 'vitest';
import { TruncationEpisodes } from './truncation-episodes';

describe('TruncationEpisodes', () => {
  it("counts a group's cut once however often its notification is re-sent, and again once it changes or comes back", () => {
    const episodes = new TruncationEpisodes();
    const sent = (truncatedAlerts: number, groupKey = '{}:{alertname="EdgeErrorRateHigh"}') => episodes.newlyLeftOut('alertmanager', groupKey, truncatedAlerts);
    expect([sent(2), sent(2), sent(2)]).toEqual([2, 0, 0]);
    // Alerts joined the group: a new cut.
    expect([sent(5), sent(5)]).toEqual([5, 0]);
    // The group fitted, then was cut again.
    expect([sent(0), sent(5)]).toEqual([0, 5]);
    // Another group, or the same group key from another sender, is its own.
    expect(sent(5, '{}:{alertname="Other"}')).toBe(5);
    expect(episodes.newlyLeftOut('grafana', '{}:{alertname="EdgeErrorRateHigh"}', 5)).toBe(5);
  });

  it('forgets the groups heard from longest ago beyond the groups it remembers', () => {
    const episodes = new TruncationEpisodes(2);
    const sent = (group: string) => episodes.newlyLeftOut('alertmanager', group, 3);
    expect([sent('a'), sent('b'), sent('a'), sent('c')]).toEqual([3, 3, 0, 3]);
    // b was heard from longest ago: forgotten, so counted again; a was kept.
    expect([sent('a'), sent('b')]).toEqual([0, 3]);
  });
});
