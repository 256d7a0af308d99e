import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../cli-io';
import { run } from '../main';
import { closeStandIns, newRunKey, specIo, standInService, type Answer, type Asked } from '../testing/stand-in-service';

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

describe('holdfast surges clear', () => {
  afterEach(closeStandIns);

  const holdfast = async (args: string[], answer: (asked: Asked) => Answer) => {
    const service = await standInService((asked) => (asked.url === '/v1/regions' ? { body: catalog } : answer(asked)));
    const { io, said } = specIo();
    const code = await run([...args, '--planner-url', service.url, '--analyzer-url', service.url], io);
    return { code, said, asked: service.asked.filter(({ url }) => url !== '/v1/regions') };
  };

  it('exits 2 with its usage when --reason is missing, asking nothing', async () => {
    const { code, said, asked } = await holdfast(['surges', 'clear', SURGE], () => ({ body: active }));
    expect(code).toBe(ExitCode.usage);
    expect(said.err).toBe('holdfast: --reason is required\nusage: holdfast surges clear ID --reason TEXT\n');
    expect(asked).toEqual([]);
  });

  it('posts the reason to the analyzer and prints the surge as cleared, with who cleared it and why', async () => {
    const cleared = { ...active, source: 'alert', status: 'cleared', clearedAt: '2026-06-14T20:00:00.000Z', clearedReason: 'Cleared by hand by platform/k1: resolved lost by Alertmanager' };
    const { code, said, asked } = await holdfast(['surges', 'clear', SURGE, '--reason', 'resolved lost by Alertmanager'], () => ({ body: cleared }));
    expect(code).toBe(ExitCode.ok);
    expect(asked).toEqual([{ method: 'POST', url: `/v1/surges/${SURGE}/clear`, body: { reason: 'resolved lost by Alertmanager' }, idempotencyKey: expect.stringMatching(newRunKey('surges clear')) }]);
    expect(said.out).toMatch(/^status: +cleared$/m);
    expect(said.out).toMatch(/^cleared: +2026-06-14 20:00 UTC: Cleared by hand by platform\/k1: resolved lost by Alertmanager$/m);
  });

  it("says the analyzer's refusal of a declaration's surge, followed by the declarations cancel that ends it", async () => {
    const DECLARATION = '0190e0c8-0000-7000-8000-0000000000d1';
    const detail = `Surge ${SURGE} is declaration ${DECLARATION}'s: cancel the declaration (DELETE /v1/declarations/${DECLARATION}), which clears its surge in every region it names; cleared here, the declaration would stay active with its period.`;
    const refusal = { type: 'https://holdfast.dev/problems/surge-of-declaration', title: 'Conflict', status: 409, code: 'surge-of-declaration', detail, declarationId: DECLARATION };
    const { code, said } = await holdfast(['surges', 'clear', SURGE, '--reason', 'over'], () => ({ status: 409, body: refusal }));
    expect(code).toBe(ExitCode.error);
    expect(said.err).toBe(`holdfast: ${detail} (surge-of-declaration)\n  from the CLI: holdfast declarations cancel ${DECLARATION} cancels the declaration, clearing its surge in every region it names\n`);
  });

  it("says the analyzer's refusal of a lost signal's surge, followed by the regions retire-series that ends it if the signal will not come back", async () => {
    const detail = `Surge ${SURGE} holds IR while its requests signal is lost (onSignalLoss: hold), and the signal watch would hold it again at its next run: it clears when samples of requests arrive again; retire the series if it will not come back (DELETE /v1/regions/IR/series/requests?reason=).`;
    const refusal = { type: 'https://holdfast.dev/problems/surge-of-lost-signal', title: 'Conflict', status: 409, code: 'surge-of-lost-signal', detail, region: 'IR', metric: 'requests' };
    const { code, said } = await holdfast(['surges', 'clear', SURGE, '--reason', 'over'], () => ({ status: 409, body: refusal }));
    expect(code).toBe(ExitCode.error);
    expect(said.err).toBe(
      `holdfast: ${detail} (surge-of-lost-signal)\n  from the CLI: it clears when the samples arrive again; if the series will not come back, holdfast regions retire-series IR requests --reason TEXT retires it, clearing this surge (an admin key)\n`,
    );
    // An analyzer that does not name the series: the command with its arguments to fill in.
    const { region: _region, metric: _metric, ...unnamed } = refusal;
    const bare = await holdfast(['surges', 'clear', SURGE, '--reason', 'over'], () => ({ status: 409, body: unnamed }));
    expect(bare.said.err).toContain('holdfast regions retire-series REGION METRIC --reason TEXT retires it');
  });
});
