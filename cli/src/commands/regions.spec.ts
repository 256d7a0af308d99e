import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../cli-io';
import { run } from '../main';
import { closeStandIns, specIo, standInService } from '../testing/stand-in-service';

const HOURS_PER_WEEK = 168;
// Learned Monday 09:00 and 10:00 local (index = (isoWeekday - 1) * 24 + local hour) and Sunday 23:00.
const values: (number | null)[] = Array.from({ length: HOURS_PER_WEEK }, () => null);
const sampleCounts = Array.from({ length: HOURS_PER_WEEK }, () => 0);
Object.assign(values, { 9: 1234.5, 10: 0.05, 167: 87 });
Object.assign(sampleCounts, { 9: 12, 10: 3, 167: 1 });
const requests = { metric: 'requests', zone: 'Asia/Tehran', values, sampleCounts, sampleCount: 16, lastSampleAt: '2026-06-14T19:45:00.000Z', signalLostAt: null, publishedAt: null };

describe('holdfast regions', () => {
  afterEach(closeStandIns);

  it("lists each region's zone, its offset now and the other zones it spans, a few of them", async () => {
    const items = [
      { code: 'IR', name: 'Iran', kind: 'country', zone: 'Asia/Tehran', zones: ['Asia/Tehran'] },
      { code: 'US', name: 'United States of America', kind: 'country', zone: 'America/New_York', zones: ['America/New_York', 'America/Detroit', 'America/Chicago', 'America/Denver', 'America/Los_Angeles'] },
      { code: 'eu-west', name: 'Western Europe', kind: 'custom', zone: 'Europe/Dublin', zones: ['Europe/Dublin', 'Europe/London'] },
    ];
    const service = await standInService(() => ({ body: { items } }));
    const { io, said } = specIo();
    expect(await run(['regions', '--planner-url', service.url], io)).toBe(ExitCode.ok);
    expect(service.asked.map(({ url }) => url)).toEqual(['/v1/regions']);
    expect(said.out).toMatch(/^REGION +NAME +KIND +ZONE +OFFSET NOW +OTHER ZONES$/m);
    expect(said.out).toMatch(/^IR +Iran +country +Asia\/Tehran +\+03:30 +-$/m);
    expect(said.out).toMatch(/^US +United States of America +country +America\/New_York +-04:00 +America\/Detroit, America\/Chicago, America\/Denver and 1 more$/m);
    expect(said.out).toMatch(/^eu-west +Western Europe +custom +Europe\/Dublin +\+01:00 +Europe\/London$/m);
  });

  it('shows a baseline per local weekday and hour, with the samples behind each hour and the zone named', async () => {
    const service = await standInService(() => ({ body: { region: 'IR', zone: 'Asia/Tehran', hoursPerWeek: HOURS_PER_WEEK, metrics: [requests] } }));
    const { io, said } = specIo();
    expect(await run(['regions', 'baseline', 'IR', '--metric', 'requests', '--analyzer-url', service.url], io)).toBe(ExitCode.ok);
    expect(service.asked.map(({ url }) => url)).toEqual(['/v1/regions/IR/baseline?metric=requests']);
    expect(said.out).toMatch(/^region: +IR \(Asia\/Tehran\)$/m);
    expect(said.out).toMatch(/^last sample: +2026-06-14 19:45 UTC; 2026-06-14 23:15 Asia\/Tehran \(\+03:30\)$/m);
    expect(said.out).toMatch(/^signal: +receiving$/m);
    expect(said.out).toMatch(/^now: +Sun 2026-06-14 23:30 Asia\/Tehran \(\+03:30\)$/m);
    const rows = said.out.split('\n');
    const header = rows.findIndex((line) => line.startsWith('LOCAL (Asia/Tehran)'));
    const cells = (line: string) => line.trim().split(/ +/);
    expect(cells(rows[header])).toEqual(['LOCAL', '(Asia/Tehran)', ...Array.from({ length: 24 }, (_, hour) => String(hour).padStart(2, '0'))]);
    // Monday: its hours' levels, then the samples behind each.
    expect(cells(rows[header + 2])).toEqual(['Mon', ...Array(9).fill('-'), '1.23K', '0.05', ...Array(13).fill('-')]);
    expect(cells(rows[header + 3])).toEqual(['samples', ...Array(9).fill('0'), '12', '3', ...Array(13).fill('0')]);
    expect(cells(rows[header + 14])).toEqual(['Sun', ...Array(23).fill('-'), '87']);
    expect(said.out).not.toContain('has none of its own yet');

    // Tuesday 09:00 has no samples of its own: its level is Monday's hour, which the table says.
    const leaning = { ...requests, values: Object.assign([...values], { 33: 1100 }) };
    const borrowed = await standInService(() => ({ body: { region: 'IR', zone: 'Asia/Tehran', hoursPerWeek: HOURS_PER_WEEK, metrics: [leaning] } }));
    const second = specIo();
    expect(await run(['regions', 'baseline', 'IR', '--analyzer-url', borrowed.url], second.io)).toBe(ExitCode.ok);
    expect(second.said.out).toContain('An hour with a level over 0 samples has none of its own yet: its level is the one learned at that hour on the other days.\n');
  });

  it('says whether the series decides yet: warming up, with what decides meanwhile, or on its baseline', async () => {
    const said = async (warmUp: object | null) => {
      const service = await standInService(() => ({ body: { region: 'IR', zone: 'Asia/Tehran', hoursPerWeek: HOURS_PER_WEEK, metrics: [{ ...requests, warmUp }] } }));
      const { io, said: out } = specIo();
      expect(await run(['regions', 'baseline', 'IR', '--analyzer-url', service.url], io)).toBe(ExitCode.ok);
      return out.out;
    };
    expect(await said({ learnedHours: 0.5, neededHours: 24, warmupCeiling: null })).toMatch(
      /^decides: +not yet: warming up, 0\.5 of the 24 hours of samples it learns first; until then no sample surges \(set a warm-up ceiling in ANALYZER_DETECTION to decide meanwhile\)$/m,
    );
    expect(await said({ learnedHours: 2, neededHours: 24, warmupCeiling: 1000 })).toMatch(/^decides: +not yet: warming up, 2 of the 24 hours of samples it learns first; until then a sample at or above the warm-up ceiling 1000 surges$/m);
    expect(await said(null)).toMatch(/^decides: +yes: on its learned baseline$/m);
  });

  it('says the detection settings in force for the region once, after its metrics, and what its directions leave out', async () => {
    const detection = { sensitivity: 2, coolDownSamples: 12, rearmAfterSamples: 6, directions: ['down'], minimumVolume: 0, warmupSamples: 288, warmupCeiling: null, onSignalLoss: 'notify', signalLossAfterSeconds: 900 };
    const said = async (body: object) => {
      const service = await standInService(() => ({ body: { region: 'IR', zone: 'Asia/Tehran', hoursPerWeek: HOURS_PER_WEEK, metrics: [requests, { ...requests, metric: 'errors' }], ...body } }));
      const { io, said: out } = specIo();
      expect(await run(['regions', 'baseline', 'IR', '--analyzer-url', service.url], io)).toBe(ExitCode.ok);
      return out.out;
    };
    const out = await said({ detection });
    expect(out.match(/^detection:/gm)).toHaveLength(1);
    expect(out.slice(out.lastIndexOf('LOCAL (Asia/Tehran)'))).toMatch(
      /\ndetection: +sensitivity 2, directions \["down"\]: collapses only, no surge up\n +coolDownSamples 12, rearmAfterSamples 6, minimumVolume 0\n +warmupSamples 288, warmupCeiling null\n +onSignalLoss notify, signalLossAfterSeconds 900\n$/,
    );
    expect(await said({ detection: { ...detection, directions: ['up'] } })).toMatch(/^detection: +sensitivity 2, directions \["up"\]: surges up only, no collapse$/m);
    expect(await said({ detection: { ...detection, directions: ['up', 'down'] } })).toMatch(/^detection: +sensitivity 2, directions \["up","down"\]$/m);
    // An older analyzer answers none.
    expect(await said({})).not.toContain('detection:');
  });

  it("prints the analyzer's JSON with --json, and its problem when nothing is learned", async () => {
    const body = { region: 'IR', zone: 'Asia/Tehran', hoursPerWeek: HOURS_PER_WEEK, metrics: [requests] };
    const analyzer = await standInService(() => ({ body }));
    const json = specIo();
    expect(await run(['regions', 'baseline', 'IR', '--json', '--analyzer-url', analyzer.url], json.io)).toBe(ExitCode.ok);
    expect(JSON.parse(json.said.out)).toEqual(body);
    const detail = 'No samples of any metric have been learned for NP yet: send some to POST /v1/samples or traffic.samples.v1.';
    const unlearned = await standInService(() => ({ status: 404, body: { status: 404, title: 'Not Found', code: 'no-baseline', detail } }));
    const none = specIo();
    expect(await run(['regions', 'baseline', 'NP', '--analyzer-url', unlearned.url], none.io)).toBe(ExitCode.error);
    expect(none.said.err).toBe(`holdfast: ${detail} (no-baseline)\n`);
  });

  describe('retire-series', () => {
    const retired = {
      region: 'IR',
      metric: 'requests',
      lastSampleAt: '2026-06-14T19:45:00.000Z',
      signalLostAt: '2026-06-14T19:55:00.000Z',
      retiredAt: '2026-06-14T20:00:00.000Z',
      clearedSurges: ['0190e0c8-0000-7000-8000-000000000001', '0190e0c8-0000-7000-8000-000000000002'],
    };
    const catalog = { items: [{ code: 'IR', name: 'Iran', kind: 'country', zone: 'Asia/Tehran', zones: ['Asia/Tehran'] }] };
    const services = async () => ({ analyzer: await standInService(() => ({ body: retired })), planner: await standInService(() => ({ body: catalog })) });

    it("retires a series with the reason, showing when it was last heard and lost in the region's local time, and the surges it cleared", async () => {
      const { analyzer, planner } = await services();
      const { io, said } = specIo();
      expect(await run(['regions', 'retire-series', 'IR', 'requests', '--reason', 'renamed to http_requests', '--analyzer-url', analyzer.url, '--planner-url', planner.url], io)).toBe(ExitCode.ok);
      expect(analyzer.asked.map(({ method, url }) => `${method} ${url}`)).toEqual(['DELETE /v1/regions/IR/series/requests?reason=renamed+to+http_requests']);
      expect(said.out).toMatch(/^series: +requests, retired \(a sample of it arriving later starts it afresh\)$/m);
      expect(said.out).toMatch(/^region: +IR \(Asia\/Tehran\)$/m);
      expect(said.out).toMatch(/^last sample: +2026-06-14 19:45 UTC; 2026-06-14 23:15 Asia\/Tehran \(\+03:30\)$/m);
      expect(said.out).toMatch(/^signal: +lost since 2026-06-14 19:55 UTC; 2026-06-14 23:25 Asia\/Tehran \(\+03:30\)$/m);
      expect(said.out).toMatch(/^retired: +2026-06-14 20:00 UTC; 2026-06-14 23:30 Asia\/Tehran \(\+03:30\)$/m);
      expect(said.out).toMatch(/^cleared surges: +0190e0c8-0000-7000-8000-000000000001\n +0190e0c8-0000-7000-8000-000000000002$/m);
    });

    it("prints the analyzer's JSON with --json, and its problem for a series it does not have", async () => {
      const { analyzer, planner } = await services();
      const json = specIo();
      expect(await run(['regions', 'retire-series', 'IR', 'requests', '--reason', 'dropped', '--json', '--analyzer-url', analyzer.url, '--planner-url', planner.url], json.io)).toBe(ExitCode.ok);
      expect(JSON.parse(json.said.out)).toEqual(retired);
      const detail = 'IR has no series requestz: GET /v1/regions/IR/baseline lists its metrics.';
      const unknown = await standInService(() => ({ status: 404, body: { status: 404, title: 'Not Found', code: 'series-not-found', detail } }));
      const none = specIo();
      expect(await run(['regions', 'retire-series', 'IR', 'requestz', '--reason', 'dropped', '--analyzer-url', unknown.url], none.io)).toBe(ExitCode.error);
      expect(none.said.err).toBe(`holdfast: ${detail} (series-not-found)\n`);
    });

    it("names a country by its code in upper case, as every region the CLI sends, and leaves a custom region's code as written", async () => {
      const { analyzer, planner } = await services();
      for (const region of ['ir', 'eu-west']) {
        const { io, said } = specIo();
        expect(await run(['regions', 'retire-series', region, 'requests', '--reason', 'dropped', '--analyzer-url', analyzer.url, '--planner-url', planner.url], io), said.err).toBe(ExitCode.ok);
      }
      // The stand-in answers with a retirement: only the path asked for matters here.
      await run(['regions', 'baseline', 'np', '--analyzer-url', analyzer.url], specIo().io);
      const noMetric = specIo();
      expect(await run(['regions', 'retire-series', 'ir', '--reason', 'dropped', '--analyzer-url', analyzer.url], noMetric.io)).toBe(ExitCode.usage);
      expect(noMetric.said.err).toBe('holdfast: give the metric to retire after the region; holdfast regions baseline IR lists its metrics\nusage: holdfast regions retire-series REGION METRIC --reason TEXT\n');
      expect(analyzer.asked.map(({ method, url }) => `${method} ${url}`)).toEqual([
        'DELETE /v1/regions/IR/series/requests?reason=dropped',
        'DELETE /v1/regions/eu-west/series/requests?reason=dropped',
        'GET /v1/regions/NP/baseline',
      ]);
    });

    it('exits 2 with its usage without the metric or --reason, asking nothing, and on a word more', async () => {
      const analyzer = await standInService(() => ({ body: retired }));
      for (const [args, message] of [
        [['IR', '--reason', 'dropped'], 'give the metric to retire after the region; holdfast regions baseline IR lists its metrics'],
        [['IR', 'requests'], '--reason is required'],
        [['IR', 'requests', 'extra', '--reason', 'dropped'], 'unexpected argument "extra"'],
      ] as const) {
        const { io, said } = specIo();
        expect(await run(['regions', 'retire-series', ...args, '--analyzer-url', analyzer.url], io), args.join(' ')).toBe(ExitCode.usage);
        expect(said.err).toBe(`holdfast: ${message}\nusage: holdfast regions retire-series REGION METRIC --reason TEXT\n`);
      }
      expect(analyzer.asked).toEqual([]);
    });
  });

  it('exits 2 without a region', async () => {
    const { io, said } = specIo();
    expect(await run(['regions', 'baseline'], io)).toBe(ExitCode.usage);
    expect(said.err).toContain('give the region');
  });
});
