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
    expect(said.out).toMatch(/^last sample: +2026-06-14 19:45 UTC \(\+00:00\); 2026-06-14 23:15 Asia\/Tehran \(\+03:30\)$/m);
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

  it('exits 2 without a region', async () => {
    const { io, said } = specIo();
    expect(await run(['regions', 'baseline'], io)).toBe(ExitCode.usage);
    expect(said.err).toContain('give the region');
  });
});
