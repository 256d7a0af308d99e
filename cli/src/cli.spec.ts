import { describe, expect, expectTypeOf, it } from 'vitest';
import { ExitCode, type CliIo } from './cli-io';
import type { paths as PlannerPaths } from './client/generated/planner';
import type { PathsWith, TypedClient } from './client/typed-client';
import { problemText } from './client/holdfast-api';
import { localLines, WINDOW_FIELD_FLAGS, windowBody } from './commands/windows.command';
import { formatDuration, parseDuration, retryAfterMs } from './duration';
import { helpText, run } from './main';
import { localTime, zoneOfRegion } from './output/local-times';
import { table } from './output/table';

const io = (files: Record<string, string> = {}) => {
  const said = { out: '', err: '' };
  const value: CliIo = {
    out: (text) => (said.out += text),
    err: (text) => (said.err += text),
    env: {},
    sleep: async () => undefined,
    now: () => Date.parse('2026-06-14T20:00:00Z'),
    abortAfter: (ms) => AbortSignal.timeout(ms),
    readFile: (path) => files[path] ?? '',
    readLine: async () => '',
  };
  return { io: value, said };
};

describe('holdfast command line', () => {
  it('names the zone with every local time: 14:00 in Los Angeles was 01:30 in Tehran in June 2009', () => {
    expect(localTime('2009-06-15T21:00:00Z', 'America/Los_Angeles')).toBe('2009-06-15 14:00 America/Los_Angeles (-07:00)');
    expect(localTime('2009-06-15T21:00:00Z', zoneOfRegion('IR'))).toBe('2009-06-16 01:30 Asia/Tehran (+04:30)');
    expect(localTime('2026-06-15T21:00:00Z', zoneOfRegion('ir'))).toBe('2026-06-16 00:30 Asia/Tehran (+03:30)');
    expect(zoneOfRegion('eu-west')).toBe('UTC');
  });

  it("writes the planner's local time of a region in UTC without the offset, and of any other region with it", () => {
    const localTimes = [
      { region: 'eu-west', zone: 'UTC', startsAtLocal: '2026-06-15T21:00', endsAtLocal: '2026-06-15T22:00', offset: '+00:00' },
      { region: 'IR', zone: 'Asia/Tehran', startsAtLocal: '2026-06-16T00:30', endsAtLocal: '2026-06-16T01:30', offset: '+03:30' },
    ];
    expect(localLines('2026-06-15T21:00:00Z', localTimes, 'UTC')).toEqual(['eu-west 2026-06-15 21:00 UTC', 'IR 2026-06-16 00:30 Asia/Tehran (+03:30)']);
  });

  it('reads durations as CI configurations write them and Retry-After in both of its forms', () => {
    expect(parseDuration('30m', 'timeout')).toBe(1_800_000);
    expect(parseDuration('1h30m', 'timeout')).toBe(5_400_000);
    expect(parseDuration('45', 'timeout')).toBe(45_000);
    expect(() => parseDuration('half an hour', 'timeout')).toThrow(/--timeout half an hour is not a duration/);
    expect(formatDuration(90_500)).toBe('1m 31s');
    const now = Date.parse('2026-06-14T20:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Sun, 14 Jun 2026 20:05:00 GMT', now)).toBe(300_000);
    expect(retryAfterMs(null, now)).toBeUndefined();
  });

  it('builds a window from a YAML file with the flags over it', () => {
    const body = windowBody({ file: 'w.yaml', title: 'Router upgrade', regions: 'ir,NP' }, () => 'title: old\nownerTeam: network-ops\nplannedZone: America/Los_Angeles\nstartsAt: "2009-06-15T21:00:00Z"\n');
    expect(body).toEqual({ title: 'Router upgrade', ownerTeam: 'network-ops', plannedZone: 'America/Los_Angeles', startsAt: '2009-06-15T21:00:00Z', footprint: { global: false, regions: ['IR', 'NP'] } });
    expect(() => windowBody({ file: 'list.yaml' }, () => '- a\n- b\n')).toThrow(/one window as a YAML or JSON object/);
  });

  it('lays a table out with multi-line cells for local times per region', () => {
    expect(table(['A', 'LOCAL'], [['x', ['IR 01:30', 'NP 02:45']]])).toBe('A  LOCAL\n-  --------\nx  IR 01:30\n   NP 02:45\n');
    expect(table(['A'], [])).toBe('(none)\n');
  });

  it('exits 2 with the usage on a wrong command line, and 0 with the command list on --help', async () => {
    const unknown = io();
    expect(await run(['frobnicate'], unknown.io)).toBe(ExitCode.usage);
    expect(unknown.said.err).toContain('unknown command "frobnicate"');
    const gate = io();
    expect(await run(['gate'], gate.io)).toBe(ExitCode.usage);
    expect(gate.said.err).toContain('give exactly one of --window ID or --regions IR,NP');
    const badStatus = io();
    expect(await run(['windows', 'list', '--status', 'hled'], badStatus.io)).toBe(ExitCode.usage);
    expect(badStatus.said.err).toContain('--status must be one of scheduled, held, needs-reschedule, in-progress, completed, cancelled, not hled');
    const noReason = io();
    expect(await run(['windows', 'cancel', '0190e0c8-0000-7000-8000-000000000001'], noReason.io)).toBe(ExitCode.usage);
    expect(noReason.said.err).toContain('give --reason');
    const badFlag = io();
    expect(await run(['holds', 'list', '--colour'], badFlag.io)).toBe(ExitCode.usage);
    expect(badFlag.said.err).toContain('usage: holdfast holds list');
    const help = io();
    expect(await run(['--help'], help.io)).toBe(ExitCode.ok);
    expect(help.said.out).toBe(helpText());
    expect(help.said.out).toMatch(/gate .*exit 0 allowed, 3 held/);
  });

  it('types calls by the generated OpenAPI paths: a path or body the planner does not serve does not compile', () => {
    expectTypeOf<'/v1/keys'>().toExtend<PathsWith<PlannerPaths, 'post'>>();
    expectTypeOf<'/v1/audit'>().not.toExtend<PathsWith<PlannerPaths, 'post'>>();
    const typed = (client: TypedClient<PlannerPaths>) => {
      // @ts-expect-error the planner has no such path
      void client.GET('/v1/nothing');
      // @ts-expect-error a revoke names its key
      void client.POST('/v1/keys/{keyId}/revoke', { body: { reason: 'rotated' } });
      // @ts-expect-error scopes are the planner's, not any string
      void client.POST('/v1/keys', { body: { team: 'sre', scopes: ['everything'], name: 'ci' } });
    };
    expect(typed).toBeTypeOf('function');
  });

  it('names the flag beside each refused field of a window, and the field alone where no flag sets it', () => {
    const refusal = {
      status: 400,
      title: 'Bad Request',
      code: 'invalid-body',
      detail: 'The request body is invalid: ownerTeam is required but missing; footprint.regions.0 unknown; shares is not a field of this request',
      errors: [
        { path: 'ownerTeam', message: 'is required but missing' },
        { path: 'footprint.regions.0', message: 'unknown region XX' },
        { path: 'shares', message: 'is not a field of this request' },
      ],
    };
    const answer = { body: refusal, response: new Response(null, { status: 400 }) };
    expect(problemText(answer, WINDOW_FIELD_FLAGS)).toBe(
      [
        `${refusal.detail} (invalid-body)`,
        '  ownerTeam (--team): is required but missing',
        '  footprint.regions.0 (--regions or --global): unknown region XX',
        '  shares: is not a field of this request',
      ].join('\n'),
    );
    expect(problemText(answer)).toContain('\n  ownerTeam: is required but missing\n');
  });
});
