import { describe, expect, it } from 'vitest';
import { LabelPairTally } from './label-pair-tally';

describe('LabelPairTally', () => {
  it('counts each pair of values once, an absent first value included', () => {
    const tally = new LabelPairTally<string | undefined, string>();
    for (const [first, second] of [['a', 'x'], ['a', 'x'], ['a', 'y'], [undefined, 'x'], ['b', 'x'], [undefined, 'x']] as const) tally.add(first, second);
    const seen: [string | undefined, string, number][] = [];
    tally.forEach((first, second, count) => seen.push([first, second, count]));
    expect(seen).toEqual([
      ['a', 'x', 2],
      ['a', 'y', 1],
      [undefined, 'x', 2],
      ['b', 'x', 1],
    ]);
  });
});
