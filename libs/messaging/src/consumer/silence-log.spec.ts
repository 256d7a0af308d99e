import { describe, expect, it } from 'vitest';
import { SilenceLog } from './silence-log';

describe('SilenceLog: when a consumer was heard again after going unheard', () => {
  it('answers how long ago the latest silence longer than asked ended, ignoring the ordinary gaps between fetches', () => {
    const log = new SilenceLog();
    log.heard(0, 20_000);
    log.heard(20_000, 20_500);
    log.heard(20_500, 26_000);
    expect(log.heardAgainForMs(15_000, 30_000)).toBe(10_000);
    // A later, shorter silence does not hide the long one before it.
    expect(log.heardAgainForMs(5_000, 30_000)).toBe(4_000);
    expect(log.heardAgainForMs(20_000, 30_000)).toBeUndefined();
    expect(new SilenceLog().heardAgainForMs(0, 30_000)).toBeUndefined();
  });

  it('keeps an hour of silences, and at most 256, the shortest going first', () => {
    const log = new SilenceLog();
    log.heard(0, 30_000);
    for (let index = 0; index < 300; index++) log.heard(40_000 + index * 10_000, 42_000 + index * 10_000);
    // 300 two-second silences after the 30 s one: the short ones went, the long one stayed.
    expect(log.heardAgainForMs(10_000, 3_000_000)).toBe(2_970_000);
    // Noted over an hour after the 30 s silence ended, a silence of 1.5 s lets it go.
    log.heard(3_650_000, 3_651_500);
    expect(log.heardAgainForMs(10_000, 3_651_500)).toBeUndefined();
    expect(log.heardAgainForMs(1_000, 3_651_600)).toBe(100);
    // Under a second is a consumer's ordinary rhythm, not noted: the latest over 500 ms is still the 1.5 s one.
    log.heard(3_651_600, 3_652_500);
    expect(log.heardAgainForMs(500, 3_652_500)).toBe(1_000);
  });
});
