import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../cli-io';
import { run } from '../main';
import { closeStandIns, specIo, standInService } from '../testing/stand-in-service';

// specIo's clock reads 2026-06-14 20:00 UTC.
const SURGE = '0190e0c8-0000-7000-8000-0000000000c3';
const active = {
  id: SURGE, region: 'IR', metric: 'requests', source: 'detector', status: 'active', severity: 'major',
  reason: 'requests in IR rose to 60000, 48.7x the expected 1233', clearedReason: null,
  startedAt: '2026-06-13T22:00:00.000Z', expectedEndAt: '2026-06-14T01:30:00.000Z', clearedAt: null, evidence: null,
};
const catalog = { items: [{ code: 'IR', name: 'Iran', kind: 'country', zone: 'Asia/Tehran', zones: ['Asia/Tehran'] }] };

describe('holdfast surges: an expected end that has passed', () => {
  afterEach(closeStandIns);

  const holdfast = async (args: string[], body: unknown) => {
    const service = await standInService((asked) => ({ body: asked.url === '/v1/regions' ? catalog : body }));
    const { io, said } = specIo();
    expect(await run([...args, '--planner-url', service.url, '--analyzer-url', service.url], io)).toBe(ExitCode.ok);
    return said.out;
  };

  it('show: says of an active surge that its expected end passed and the surge goes on, an estimate the analyzer does not retract', async () => {
    expect(await holdfast(['surges', 'show', SURGE], active)).toMatch(/^expected end: +2026-06-14 01:30 UTC; 2026-06-14 05:00 Asia\/Tehran \(\+03:30\) \(passed; the surge goes on\)$/m);
    // Ahead, or of a surge that cleared, the end is only what it is.
    expect(await holdfast(['surges', 'show', SURGE], { ...active, expectedEndAt: '2026-06-14T21:30:00.000Z' })).toMatch(/^expected end: +2026-06-14 21:30 UTC; 2026-06-15 01:00 Asia\/Tehran \(\+03:30\)$/m);
    const cleared = { ...active, status: 'cleared', clearedAt: '2026-06-14T02:00:00.000Z', clearedReason: 'requests in IR fell back' };
    expect(await holdfast(['surges', 'show', SURGE], cleared)).toMatch(/^expected end: +2026-06-14 01:30 UTC; 2026-06-14 05:00 Asia\/Tehran \(\+03:30\)$/m);
  });

  it('list: marks an active surge whose expected end passed in its status, and leaves the others as they are', async () => {
    const ahead = { ...active, id: '0190e0c8-0000-7000-8000-0000000000c4', expectedEndAt: '2026-06-14T21:30:00.000Z' };
    const unestimated = { ...active, id: '0190e0c8-0000-7000-8000-0000000000c5', expectedEndAt: null };
    const cleared = { ...active, id: '0190e0c8-0000-7000-8000-0000000000c6', status: 'cleared', clearedAt: '2026-06-14T02:00:00.000Z' };
    const out = await holdfast(['surges', 'list'], { items: [active, ahead, unestimated, cleared], nextCursor: null });
    const statusOf = (id: string) => out.split('\n').find((line) => line.startsWith(id))?.split(/ {2,}/)[3];
    expect(statusOf(SURGE)).toBe('active (expected end passed)');
    expect(statusOf(ahead.id)).toBe('active');
    expect(statusOf(unestimated.id)).toBe('active');
    expect(statusOf(cleared.id)).toBe('cleared');
  });

  it('--json: gives the analyzer\'s answer as it is, the expected end unmarked', async () => {
    expect(JSON.parse(await holdfast(['surges', 'show', SURGE, '--json'], active))).toEqual(active);
  });
});
