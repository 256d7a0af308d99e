import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../cli-io';
import { run } from '../main';
import { closeStandIns, newRunKey, specIo, standInService, type Answer, type Asked } from '../testing/stand-in-service';

const HOLD = '0190e0c8-0000-7000-8000-0000000000b1';
const hold = { id: HOLD, regions: ['IR', 'NP'], reason: 'election night', source: 'manual', placedAt: '2026-06-14T18:00:00.000Z', from: '2026-06-14T18:00:00.000Z', until: null, active: true, releasedAt: null };

describe('holdfast holds and regions named on the command line', () => {
  afterEach(closeStandIns);

  const holdfast = async (args: string[], answer: (asked: Asked) => unknown = () => hold) => {
    const service = await standInService((asked) => (asked.url === '/v1/regions' ? { status: 404, body: { status: 404, title: 'Not Found' } } : { body: answer(asked) }));
    const { io, said } = specIo();
    const code = await run([...args, '--planner-url', service.url, '--analyzer-url', service.url], io);
    return { code, said, asked: service.asked.filter(({ url }) => url !== '/v1/regions') };
  };

  it('release: exits 2 with its usage when --reason is missing, asking nothing, rather than saying the planner cannot be reached', async () => {
    const { code, said, asked } = await holdfast(['holds', 'release', HOLD]);
    expect(code).toBe(ExitCode.usage);
    expect(said.err).toBe('holdfast: --reason is required\nusage: holdfast holds release HOLD_ID --reason TEXT\n');
    expect(asked).toEqual([]);
    const released = await holdfast(['holds', 'release', HOLD, '--reason', 'count over'], () => ({ ...hold, releasedAt: '2026-06-14T21:00:00.000Z' }));
    expect(released.code).toBe(ExitCode.ok);
    expect(released.asked).toEqual([{ method: 'POST', url: `/v1/holds/${HOLD}/release`, body: { reason: 'count over' }, idempotencyKey: expect.stringMatching(newRunKey('holds release')) }]);
  });

  it('release: says who released the hold and why, as holds show does', async () => {
    const released = { ...hold, active: false, releasedAt: '2026-06-14T21:00:00.000Z', releasedBy: 'ops', releaseReason: 'count over', heldOccurrences: 2, notifyOnlyOccurrences: 0 };
    const { code, said } = await holdfast(['holds', 'release', HOLD, '--reason', 'count over'], () => released);
    expect(code).toBe(ExitCode.ok);
    expect(said.out).toMatch(/^released: +2026-06-14 21:00 UTC by ops: count over$/m);
    // A manual hold's release ends what it holds: nothing more to say.
    expect(said.err).toBe('');
  });

  it("release: says on stderr that a declaration's hold released leaves the declaration in force, and how to find and cancel it", async () => {
    const released = { ...hold, source: 'declaration', active: false, releasedAt: '2026-06-14T21:00:00.000Z', releasedBy: 'ops', releaseReason: 'exempted', heldOccurrences: 2, notifyOnlyOccurrences: 0 };
    const { code, said } = await holdfast(['holds', 'release', HOLD, '--reason', 'exempted'], () => released);
    expect(code).toBe(ExitCode.ok);
    expect(said.out).toMatch(/^source: +declaration$/m);
    expect(said.err).toBe(
      `holdfast: hold ${HOLD} was a declaration's on IR, NP: its windows are let through, but the declaration stays in force, its surges active, until its period ends or it is cancelled; ` +
        'holdfast declarations list lists it, holdfast declarations cancel ID cancels it\n',
    );
    // The same on stderr beside the JSON, which stays the planner's answer.
    const json = await holdfast(['holds', 'release', HOLD, '--reason', 'exempted', '--json'], () => released);
    expect(JSON.parse(json.said.out)).toEqual(released);
    expect(json.said.err).toBe(said.err);
  });

  it('list: shows a released hold up to its release, not open, and a cleared surge\'s hold up to its release due', async () => {
    const released = { ...hold, regions: ['IR'], from: '2026-12-05T06:36:00.000Z', active: false, releasedAt: '2026-12-05T08:30:00.000Z' };
    const cooling = { ...hold, id: '0190e0c8-0000-7000-8000-0000000000b2', regions: ['IR'], source: 'detector', from: '2026-12-05T06:36:00.000Z', until: '2026-12-05T07:00:00.000Z', releaseDueAt: '2026-12-05T07:25:00.000Z' };
    const { said } = await holdfast(['holds', 'list'], () => ({ items: [released, cooling], nextCursor: null }));
    expect(said.out).toContain('IR 2026-12-05 10:06 Asia/Tehran (+03:30) - released 2026-12-05 12:00 (+03:30)\n');
    expect(said.out).toContain('IR 2026-12-05 10:06 Asia/Tehran (+03:30) - 2026-12-05 10:55 (+03:30)\n');
  });

  it('list: gives each hold its period in UTC beside its local times, as every table does', async () => {
    const cooling = { ...hold, regions: ['IR'], source: 'detector', from: '2026-12-05T06:36:00.000Z', until: '2026-12-05T07:00:00.000Z', releaseDueAt: '2026-12-05T07:25:00.000Z' };
    const { said } = await holdfast(['holds', 'list'], () => ({ items: [cooling, { ...hold, id: '0190e0c8-0000-7000-8000-0000000000b3' }], nextCursor: null }));
    const [header, , ...rows] = said.out.split('\n');
    expect(header).toMatch(/ STATE +FROM \(UTC\) +UNTIL \(UTC\) +LOCAL TIME PER REGION$/);
    // A cleared surge's hold until its release due, as its local times; one with no end until released.
    expect(rows[0]).toMatch(/ active +2026-12-05 06:36 UTC +2026-12-05 07:25 UTC +IR 2026-12-05 10:06 Asia\/Tehran/);
    expect(rows.join('\n')).toMatch(/ active +2026-06-14 18:00 UTC +until released +IR 2026-06-14 21:30 Asia\/Tehran/);
  });

  it("list and show: end a declaration's hold where the gate's 423 does, its until and the cool-down, saying so", async () => {
    const declaration = { ...hold, regions: ['PE'], source: 'declaration', from: '2026-12-11T06:00:00.000Z', until: '2026-12-11T08:00:00.000Z', releaseDueAt: null, holdsUntil: '2026-12-11T08:30:00.000Z' };
    const gated = { status: 423, title: 'Locked', code: 'held', detail: 'Regions PE are held.', holds: [{ ...declaration, until: declaration.holdsUntil }], holdCount: 1, at: '2026-12-11T07:00:00.000Z' };
    const service = await standInService((asked) => {
      if (asked.url === '/v1/regions') return { status: 404, body: { status: 404, title: 'Not Found' } };
      if (asked.url.startsWith('/v1/gate')) return { status: 423, headers: { 'retry-after': '5400' }, body: gated };
      if (asked.url.startsWith('/v1/occurrences')) return { body: { items: [], nextCursor: null } };
      if (asked.url === `/v1/holds/${HOLD}`) return { body: { ...declaration, version: 1, heldOccurrences: 0, notifyOnlyOccurrences: 0, overrides: [], overrideCount: 0 } };
      return { body: { items: [declaration], nextCursor: null } };
    });
    const said = async (args: string[]) => {
      const { io, said: output } = specIo();
      await run([...args, '--planner-url', service.url], io);
      return output.out;
    };
    const until = '2026-12-11 08:30 UTC (its until, 2026-12-11 08:00 UTC, and the cool-down after it)';
    expect(await said(['gate', '--regions', 'PE'])).toMatch(/ declaration +election night +2026-12-11 08:30 UTC +PE 2026-12-11 01:00 America\/Lima \(-05:00\) - 2026-12-11 03:30 \(-05:00\)$/m);
    expect(await said(['holds', 'list'])).toContain(` ${until} `);
    expect(await said(['holds', 'list'])).toContain('PE 2026-12-11 01:00 America/Lima (-05:00) - 2026-12-11 03:30 (-05:00)\n');
    expect(await said(['holds', 'show', HOLD])).toMatch(new RegExp(`^until: +${until.replace(/[()]/g, '\\$&')}$`, 'm'));
  });

  it('surges show: gives why a cleared surge surged and, with its clearing, why it ended', async () => {
    const SURGE = '0190e0c8-0000-7000-8000-0000000000c2';
    const surge = {
      id: SURGE, region: 'IR', metric: 'requests', source: 'detector', status: 'cleared', severity: 'major',
      reason: 'requests in IR rose to 60000, 48.7x the expected 1233', clearedReason: 'requests in IR fell back below 2x the expected 1233',
      startedAt: '2026-06-14T18:00:00.000Z', expectedEndAt: null, clearedAt: '2026-06-14T20:30:00.000Z', evidence: null,
    };
    const { said } = await holdfast(['surges', 'show', SURGE], () => surge);
    expect(said.out).toMatch(/^why: +requests in IR rose to 60000, 48\.7x the expected 1233$/m);
    expect(said.out).toMatch(/^cleared: +2026-06-14 20:30 UTC: requests in IR fell back below 2x the expected 1233$/m);
  });

  it("explain: names a declaration's hold by its surge and the declaration that started it, each with the command that shows it", async () => {
    const WINDOW = '0190e0c8-0000-7000-8000-0000000000f1';
    const SURGE = '0190e0c8-0000-7000-8000-0000000000c1';
    const DECLARATION = '0190e0c8-0000-7000-8000-0000000000d1';
    const cause = { kind: 'declaration', source: 'declaration', causeId: SURGE, reason: 'election in IN', severity: 'major', evidence: null, requestedBy: null, causeEventId: null, correlationId: DECLARATION };
    const { said } = await holdfast(['explain', WINDOW], () => ({ windowId: WINDOW, status: 'held', holds: [{ hold: { ...hold, source: 'declaration' }, occurrences: [1], overridden: false, inProgressWhenHeld: false, cause, audit: [] }], audit: [] }));
    expect(said.out).toContain(`  cause: declaration through surge ${SURGE} (holdfast surges show ${SURGE}) (declaration, major): election in IN\n`);
    expect(said.out).toContain(`  started by: declaration ${DECLARATION} (holdfast declarations show ${DECLARATION})\n`);
  });

  it("explain: names a detector's hold as a detector surge, and an alert's as the alert through its surge", async () => {
    const WINDOW = '0190e0c8-0000-7000-8000-0000000000f1';
    const SURGE = '0190e0c8-0000-7000-8000-0000000000c1';
    const explained = async (kind: string, source: string) => {
      const cause = { kind, source, causeId: SURGE, reason: 'requests in IR', severity: 'critical', evidence: null, requestedBy: null, causeEventId: null, correlationId: null };
      const { said } = await holdfast(['explain', WINDOW], () => ({ windowId: WINDOW, status: 'held', holds: [{ hold: { ...hold, regions: ['IR'], source }, occurrences: [1], overridden: false, inProgressWhenHeld: false, cause, audit: [] }], audit: [] }));
      return said.out.split('\n').find((line) => line.startsWith('  cause: '));
    };
    expect(await explained('surge', 'detector')).toBe(`  cause: detector surge ${SURGE} (holdfast surges show ${SURGE}) (detector, critical): requests in IR`);
    expect(await explained('alert', 'alert')).toBe(`  cause: alert through surge ${SURGE} (holdfast surges show ${SURGE}) (alert, critical): requests in IR`);
  });

  it('explain: names the deciding sample by region, time and value, as a producer knows it when the analyzer derived its id', async () => {
    const WINDOW = '0190e0c8-0000-7000-8000-0000000000f1';
    const SURGE = '0190e0c8-0000-7000-8000-0000000000c1';
    const SAMPLE = '74e4deef-93b8-500a-8589-c185afb9bd9a';
    const evidence = { observed: 8000, baseline: 161.8372, score: 121.3, samples: [{ at: '2026-12-06T23:40:00.000Z', value: 170, expected: 160, z: 0.3 }, { at: '2026-12-06T23:45:00.000Z', value: 8000, expected: 162, z: 480 }] };
    const cause = { kind: 'surge', source: 'detector', causeId: SURGE, reason: 'requests in IR', severity: 'critical', evidence, requestedBy: null, causeEventId: SAMPLE, correlationId: SAMPLE };
    const { said } = await holdfast(['explain', WINDOW], () => ({ windowId: WINDOW, status: 'held', holds: [{ hold: { ...hold, regions: ['IR'], source: 'detector', from: '2026-12-06T23:45:00.000Z' }, occurrences: [1], overridden: false, inProgressWhenHeld: false, cause, audit: [] }], audit: [] }));
    expect(said.out).toContain(`  started by: sample event ${SAMPLE} (its producer's log names it; a bare JSON sample's id is one the analyzer derived, known to its producer by the deciding sample below)\n`);
    expect(said.out).toContain('  deciding sample: IR at 2026-12-06T23:45:00.000Z, 8000 against a baseline of 161.8\n');
    expect(said.out).not.toContain('latest sample');
  });

  it("explain: says a lost signal's hold was started by the signal lost, its series and since when, never naming its chain's id as a sample event", async () => {
    const WINDOW = '0190e0c8-0000-7000-8000-0000000000f1';
    const SURGE = '0190e0c8-0000-7000-8000-0000000000c1';
    const lostHold = { ...hold, regions: ['UY'], source: 'detector', from: '2026-12-06T21:45:00.000Z' };
    const explained = async (signalLoss?: object | null) => {
      const cause = {
        kind: 'surge', source: 'detector', causeId: SURGE, reason: 'No requests sample from UY for 16 minutes: held until the signal is back (onSignalLoss: hold)', severity: 'major',
        evidence: null, startSample: null, requestedBy: null, causeEventId: null, correlationId: 'signal-loss:UY/requests', ...(signalLoss === undefined ? {} : { signalLoss }),
      };
      const { said } = await holdfast(['explain', WINDOW], () => ({ windowId: WINDOW, status: 'held', holds: [{ hold: lostHold, occurrences: [1], overridden: false, inProgressWhenHeld: false, cause, audit: [] }], audit: [] }));
      expect(said.out).not.toContain('signal-loss:UY/requests');
      expect(said.out).not.toContain('sample event');
      return said.out.split('\n').filter((line) => line.startsWith('  started by: ') || line.startsWith('  deciding sample: '));
    };
    expect(await explained({ metric: 'requests', lastSampleAt: '2026-12-06T21:29:00.000Z', silentSeconds: 960 })).toEqual([
      '  started by: the requests signal from UY lost: no sample since 2026-12-06 21:29 UTC (UY 2026-12-06 18:29 America/Montevideo (-03:00)), silent 16m when its surge started',
    ]);
    // A hold placed before the planner kept the signal lost, or a planner older than signalLoss: its surge names the series.
    const unkept = [`  started by: no sample: its surge carries no evidence, as a lost signal's does (holdfast surges show ${SURGE} names the series and its last sample)`];
    expect(await explained(null)).toEqual(unkept);
    expect(await explained()).toEqual(unkept);
  });

  it("explain: pairs the sample event that started the surge with that surge's starting sample, and labels the latest update's sample as the latest", async () => {
    const WINDOW = '0190e0c8-0000-7000-8000-0000000000f1';
    const SURGE = '0190e0c8-0000-7000-8000-0000000000c1';
    const SAMPLE = 'e7f6553b-93b8-500a-8589-c185afb9bd9a';
    // The hold keeps the surge's latest evidence: updated the next afternoon, it no longer reaches back to the start at 21:25.
    const evidence = { observed: 21408, baseline: 10409, score: 4, support: 'hour-of-week', samples: [{ at: '2026-12-07T16:25:00.000Z', value: 20100, expected: 10400 }, { at: '2026-12-07T16:30:00.000Z', value: 21408, expected: 10409 }] };
    const explained = async (startSample?: object | null) => {
      const cause = { kind: 'surge', source: 'detector', causeId: SURGE, reason: 'requests in IN', severity: 'major', evidence, startSample, requestedBy: null, causeEventId: SAMPLE, correlationId: SAMPLE };
      const surgeHold = { ...hold, regions: ['IN'], source: 'detector', from: '2026-12-06T21:25:00.000Z' };
      const { said } = await holdfast(['explain', WINDOW], () => ({ windowId: WINDOW, status: 'held', holds: [{ hold: surgeHold, occurrences: [1], overridden: false, inProgressWhenHeld: false, cause, audit: [] }], audit: [] }));
      const lines = said.out.split('\n');
      const startedBy = lines.findIndex((line) => line.startsWith(`  started by: sample event ${SAMPLE} `));
      expect(startedBy).toBeGreaterThan(0);
      return lines.slice(startedBy + 1, startedBy + 3);
    };
    const latest = '  latest sample: IN at 2026-12-07T16:30:00.000Z, 21408 against a baseline of 10409 for its local hour of the week';
    expect(await explained({ at: '2026-12-06T21:25:00.000Z', value: 9000, expected: 5783, zScore: 3.1 })).toEqual(['  deciding sample: IN at 2026-12-06T21:25:00.000Z, 9000 against a baseline of 5783', latest]);
    const notKept = "  deciding sample: IN at 2026-12-06T21:25:00.000Z, as the surge started (its value is no longer in the evidence kept, the surge's latest)";
    expect(await explained(null)).toEqual([notKept, latest]);
    // A planner older than startSample: the start's sample is still not taken for the latest.
    expect(await explained()).toEqual([notKept, latest]);
  });

  it('explain: says what the deciding sample was measured against: the warm-up ceiling, or the part of the baseline the analyzer had learned', async () => {
    const WINDOW = '0190e0c8-0000-7000-8000-0000000000f1';
    const SURGE = '0190e0c8-0000-7000-8000-0000000000c1';
    const explained = async (evidence: object) => {
      const cause = { kind: 'surge', source: 'detector', causeId: SURGE, reason: 'requests in IR', severity: 'critical', evidence: { observed: 5000, baseline: 1000, score: 5, samples: [{ at: '2026-12-07T16:40:00.000Z', value: 5000 }], ...evidence }, requestedBy: null, causeEventId: null, correlationId: null };
      const started = { ...hold, regions: ['IR'], source: 'detector', from: '2026-12-07T16:40:00.000Z' };
      const { said } = await holdfast(['explain', WINDOW], () => ({ windowId: WINDOW, status: 'held', holds: [{ hold: started, occurrences: [1], overridden: false, inProgressWhenHeld: false, cause, audit: [] }], audit: [] }));
      return said.out.split('\n').find((line) => line.startsWith('  deciding sample: '));
    };
    const at = '  deciding sample: IR at 2026-12-07T16:40:00.000Z, 5000';
    expect(await explained({ support: 'ceiling' })).toBe(`${at} against the warm-up ceiling of 1000 (the region's baseline still learning)`);
    expect(await explained({ support: 'hour-of-week' })).toBe(`${at} against a baseline of 1000 for its local hour of the week`);
    expect(await explained({ support: 'hour-of-day' })).toBe(`${at} against a baseline of 1000 for its local hour of the day (its hour of the week not learned well enough yet)`);
    expect(await explained({ support: 'global' })).toBe(`${at} against a baseline of 1000 over the whole series (its hours not learned well enough yet)`);
    expect(await explained({ support: 'none' })).toBe(`${at}, with nothing learned yet to measure it against`);
    // An analyzer older than `support` says nothing of it.
    expect(await explained({})).toBe(`${at} against a baseline of 1000`);
  });

  it('explain: says that one or more of the runs were let through, not that all were, and where they are named', async () => {
    const WINDOW = '0190e0c8-0000-7000-8000-0000000000f1';
    const cause = { kind: 'manual request', source: 'manual', causeId: null, reason: 'election night', severity: null, evidence: null, requestedBy: 'ops', causeEventId: null, correlationId: null };
    const { said } = await holdfast(['explain', WINDOW], () => ({ windowId: WINDOW, status: 'held', holds: [{ hold, occurrences: [1, 2, 3], overridden: true, inProgressWhenHeld: false, cause, audit: [] }], audit: [] }));
    expect(said.out).toContain(`hold ${HOLD} on IR, NP (in force), occurrence(s) 1, 2, 3, one or more let through with an override (holdfast windows occurrences ${WINDOW} names them): election night\n`);
  });

  it('explain: says of a hold released since that it was, rather than listing it as if it held the window still', async () => {
    const WINDOW = '0190e0c8-0000-7000-8000-0000000000f1';
    const cause = { kind: 'manual request', source: 'manual', causeId: null, reason: 'election night', severity: null, evidence: null, requestedBy: 'ops', causeEventId: null, correlationId: null };
    const released = { ...hold, active: false, releasedAt: '2026-06-14T20:00:00.000Z' };
    const { said } = await holdfast(['explain', WINDOW], () => ({ windowId: WINDOW, status: 'scheduled', holds: [{ hold: released, occurrences: [1], overridden: false, inProgressWhenHeld: false, cause, audit: [] }], audit: [] }));
    expect(said.out).toContain(`hold ${HOLD} on IR, NP (released 2026-06-14 20:00 UTC), occurrence(s) 1: election night\n`);
  });

  it('sends a country typed in lower case as the services take it, as windows create does', async () => {
    const declared = await holdfast(['holds', 'declare', '--regions', 'ir,np', '--from', '2026-06-14T18:00:00Z', '--reason', 'election night']);
    expect(declared.code).toBe(ExitCode.ok);
    expect(declared.asked[0].body).toMatchObject({ regions: ['IR', 'NP'] });
    const critical = await holdfast(['declarations', 'declare', '--regions', 'lk,eu-west', '--from', '2026-06-14T18:00:00Z', '--until', '2026-06-15T18:00:00Z', '--reason', 'runoff'], () => ({
      id: HOLD,
      regions: ['LK', 'eu-west'],
      from: '2026-06-14T18:00:00.000Z',
      until: '2026-06-15T18:00:00.000Z',
      reason: 'runoff',
      severity: 'major',
      status: 'scheduled',
      declaredBy: 'platform',
      declaredAt: '2026-06-14T17:00:00.000Z',
      cancelledBy: null,
      cancelledAt: null,
    }));
    expect(critical.code).toBe(ExitCode.ok);
    expect(critical.asked[0].body).toMatchObject({ regions: ['LK', 'eu-west'] });
    const gate = await holdfast(['gate', '--regions', 'ir,np'], () => ({ allowed: true }));
    expect(gate.code).toBe(ExitCode.ok);
    expect(gate.asked.map(({ url }) => url)).toEqual(['/v1/gate?regions=IR%2CNP']);
  });
});

describe('holdfast holds and explain, when a hold is not in force', () => {
  afterEach(closeStandIns);

  // specIo's clock reads 2026-06-14T20:00:00Z.
  const WINDOW = '0190e0c8-0000-7000-8000-0000000000f1';
  const CATALOG = { items: [{ code: 'DE', name: 'Germany', zone: 'Europe/Berlin' }, { code: 'IR', name: 'Iran', zone: 'Asia/Tehran' }, { code: 'NP', name: 'Nepal', zone: 'Asia/Kathmandu' }] };
  const holdfast = async (args: string[], answer: (asked: Asked) => Answer) => {
    const service = await standInService((asked) => (asked.url === '/v1/regions' ? { body: CATALOG } : answer(asked)));
    const { io, said } = specIo();
    const code = await run([...args, '--planner-url', service.url], io);
    return { code, said, asked: service.asked.filter(({ url }) => url !== '/v1/regions') };
  };

  it('release: says a future hold released before it began was, rather than as a period ending before its start', async () => {
    const future = { ...hold, regions: ['DE'], from: '2026-12-07T21:00:00.000Z', placedAt: '2026-12-07T18:50:00.000Z', until: null };
    const released = { ...future, active: false, releasedAt: '2026-12-07T18:56:00.000Z' };
    const { code, said } = await holdfast(['holds', 'release', HOLD, '--reason', 'called off'], () => ({ body: released }));
    expect(code).toBe(ExitCode.ok);
    expect(said.out).toMatch(/^released: +2026-12-07 18:56 UTC, before it began$/m);
    expect(said.out).toMatch(/^local times: +DE planned from 2026-12-07 22:00 Europe\/Berlin \(\+01:00\), released 2026-12-07 19:56 \(\+01:00\), before it began$/m);
    // One released once begun still reads as a period ending at its release.
    const begun = await holdfast(['holds', 'list'], () => ({ body: { items: [{ ...released, from: '2026-12-07T18:00:00.000Z' }], nextCursor: null } }));
    expect(begun.said.out).toContain('DE 2026-12-07 19:00 Europe/Berlin (+01:00) - released 2026-12-07 19:56 (+01:00)\n');
  });

  it('explain: lists the holds in force first, marked so, then one not begun yet, then those released', async () => {
    const cause = { kind: 'manual request', source: 'manual', causeId: null, reason: 'election night', severity: null, evidence: null, requestedBy: 'ops', causeEventId: null, correlationId: null };
    const entry = (id: string, changes: object) => ({ hold: { ...hold, id: `0190e0c8-0000-7000-8000-0000000000${id}`, ...changes }, occurrences: [1], overridden: false, inProgressWhenHeld: false, cause, audit: [] });
    const holds = [
      entry('c1', { active: false, releasedAt: '2026-06-14T19:00:00.000Z' }),
      entry('c2', { regions: ['IR'] }),
      entry('c3', { regions: ['NP'], from: '2026-06-14T22:00:00.000Z' }),
      entry('c4', { regions: ['NP'] }),
    ];
    const { said } = await holdfast(['explain', WINDOW], () => ({ body: { windowId: WINDOW, status: 'held', holds, audit: [] } }));
    expect(said.out.split('\n').filter((line) => line.startsWith('hold '))).toEqual([
      'hold 0190e0c8-0000-7000-8000-0000000000c2 on IR (in force), occurrence(s) 1: election night',
      'hold 0190e0c8-0000-7000-8000-0000000000c4 on NP (in force), occurrence(s) 1: election night',
      'hold 0190e0c8-0000-7000-8000-0000000000c3 on NP (from 2026-06-14 22:00 UTC, not begun yet), occurrence(s) 1: election night',
      'hold 0190e0c8-0000-7000-8000-0000000000c1 on IR, NP (released 2026-06-14 19:00 UTC), occurrence(s) 1: election night',
    ]);
  });

  it("override: says a hold's id given for the window's is a hold's, asking the planner once after its 404", async () => {
    const notFound = { status: 404, body: { type: 'https://holdfast.dev/problems/window-not-found', title: 'Not Found', status: 404, code: 'window-not-found', detail: `No window ${HOLD}.` } };
    const holdsAsIs = (asked: Asked): Answer => (asked.url === `/v1/holds/${HOLD}` ? { body: { ...hold, heldOccurrences: 3, notifyOnlyOccurrences: 0, overrides: [], overrideCount: 0 } } : notFound);
    const { code, said, asked } = await holdfast(['holds', 'override', HOLD, '--reason', 'ship it'], holdsAsIs);
    expect(code).toBe(ExitCode.error);
    // The hold's own list of what it holds, not the windows held in each of its regions (by any hold).
    expect(said.err).toBe(
      `holdfast: ${HOLD} is a hold's id (IR, NP: election night), not a window's: holds override takes the id of a window it holds; ` +
        `holdfast holds show ${HOLD} lists the windows it holds, with each run's number for --occurrence N\n`,
    );
    expect(asked.map(({ method, url }) => `${method} ${url}`)).toEqual([`POST /v1/windows/${HOLD}/override`, `GET /v1/holds/${HOLD}`]);

    // No hold of that id either: the planner's 404 as before.
    const neither = await holdfast(['holds', 'override', HOLD, '--reason', 'ship it'], (asked) =>
      asked.url === `/v1/holds/${HOLD}` ? { status: 404, body: { status: 404, title: 'Not Found', code: 'hold-not-found', detail: `No hold ${HOLD}.` } } : notFound,
    );
    expect(neither.said.err).toBe(`holdfast: No window ${HOLD}. (window-not-found)\n  from the CLI: holdfast windows list lists the windows\n`);
  });
});

describe('holdfast holds show: a hold and the runs it holds, flags or lets through', () => {
  afterEach(closeStandIns);

  const CATALOG = { items: [{ code: 'IR', name: 'Iran', zone: 'Asia/Tehran' }, { code: 'NP', name: 'Nepal', zone: 'Asia/Kathmandu' }] };
  const ROUTER = '0190e0c8-0000-7000-8000-0000000000f1';
  const CACHE = '0190e0c8-0000-7000-8000-0000000000f2';
  const CORE = '0190e0c8-0000-7000-8000-0000000000f3';
  const detail = {
    ...hold,
    causeId: '0190e0c8-0000-7000-8000-0000000000c1',
    clearedAt: null,
    placedBy: 'ops',
    releaseDueAt: null,
    releaseReason: null,
    releasedBy: null,
    version: 2,
    heldOccurrences: 2,
    notifyOnlyOccurrences: 1,
    overrides: [{ windowId: CORE, occurrence: 2, overriddenBy: 'ops', reason: 'security patch cannot wait', overriddenAt: '2026-06-14T19:00:00.000Z' }],
    overrideCount: 1,
  };
  const local = (region: string, zone: string, startsAtLocal: string, offset: string) => ({ region, zone, startsAtLocal, endsAtLocal: startsAtLocal, offset });
  const listedRun = (windowId: string, changes: object) => ({
    windowId,
    number: 1,
    startsAt: '2026-06-14T21:00:00.000Z',
    endsAt: '2026-06-14T22:00:00.000Z',
    status: 'held',
    heldBy: [HOLD],
    letThroughBy: [],
    startableFrom: '2026-06-14T20:50:00.000Z',
    title: 'Router upgrade',
    ownerTeam: 'network-ops',
    footprint: { global: false, regions: ['IR'] },
    plannedZone: 'Asia/Tehran',
    surgePolicy: 'hold',
    localTimes: [local('IR', 'Asia/Tehran', '2026-06-15T00:30', '+03:30')],
    byHold: { kind: 'held', heldAt: '2026-06-14T18:00:00.000Z', overriddenBy: null, overrideReason: null, overriddenAt: null },
    ...changes,
  });
  const runs = [
    listedRun(ROUTER, {}),
    listedRun(CORE, {
      number: 2,
      startsAt: '2026-06-14T23:00:00.000Z',
      status: 'scheduled',
      heldBy: [],
      letThroughBy: [HOLD],
      title: 'Core switch',
      footprint: { global: true, regions: [] },
      plannedZone: 'America/Los_Angeles',
      // A global window's run is read in the regions of the holds on it.
      localTimes: [local('IR', 'Asia/Tehran', '2026-06-15T02:30', '+03:30'), local('NP', 'Asia/Kathmandu', '2026-06-15T04:45', '+05:45')],
      byHold: { kind: 'held', heldAt: '2026-06-14T18:00:00.000Z', overriddenBy: 'ops', overrideReason: 'security patch cannot wait', overriddenAt: '2026-06-14T19:00:00.000Z' },
    }),
    listedRun(CACHE, {
      number: 3,
      startsAt: '2026-06-15T01:00:00.000Z',
      status: 'scheduled',
      heldBy: [],
      title: 'Cache flush',
      ownerTeam: 'edge',
      footprint: { global: false, regions: ['NP'] },
      surgePolicy: 'notify-only',
      localTimes: [local('NP', 'Asia/Kathmandu', '2026-06-15T06:45', '+05:45')],
      byHold: { kind: 'notify-only', heldAt: '2026-06-14T18:00:00.000Z', overriddenBy: null, overrideReason: null, overriddenAt: null },
    }),
  ];
  /** The planner: the hold, and its runs a page at a time (`pageSize` each, the cursor being where the next page starts). */
  const holdfast = async (args: string[], answers: { hold?: Answer; runs?: typeof runs; pageSize?: number } = {}) => {
    const { runs: listed = runs, pageSize = 500 } = answers;
    const service = await standInService((asked) => {
      const url = new URL(asked.url, 'http://planner');
      if (url.pathname === '/v1/regions') return { body: CATALOG };
      if (url.pathname === `/v1/holds/${HOLD}`) return answers.hold ?? { body: detail };
      const from = Number(url.searchParams.get('cursor') ?? 0);
      const to = from + Math.min(pageSize, Number(url.searchParams.get('limit')));
      return { body: { items: listed.slice(from, to), nextCursor: to < listed.length ? String(to) : null } };
    });
    const { io, said } = specIo();
    const code = await run([...args, '--planner-url', service.url], io);
    return { code, said, asked: service.asked.filter(({ url }) => url !== '/v1/regions').map(({ method, url }) => `${method} ${url}`) };
  };

  it('shows the hold with its version, counts and local times, then each run it has: window, run, start, status and how the hold has it', async () => {
    const { code, said, asked } = await holdfast(['holds', 'show', HOLD]);
    expect(code).toBe(ExitCode.ok);
    expect(asked).toEqual([`GET /v1/holds/${HOLD}`, `GET /v1/occurrences?hold=${HOLD}&limit=500`]);
    const [about, listed] = said.out.split('\n\n');
    expect(about.split('\n')).toEqual([
      `hold:        ${HOLD}`,
      'regions:     IR, NP',
      'source:      manual',
      'reason:      election night',
      'from:        2026-06-14 18:00 UTC',
      'until:       until released',
      'released:    no',
      'version:     2',
      'local times: IR 2026-06-14 21:30 Asia/Tehran (+03:30) - open',
      '             NP 2026-06-14 23:45 Asia/Kathmandu (+05:45) - open',
      'runs:        2 held (1 of them let through by an override), 1 notify-only',
      'overrides:   1 run let through',
    ]);
    const [header, , ...rows] = listed.trimEnd().split('\n');
    expect(header).toMatch(/^WINDOW +TITLE +TEAM +# +STATUS +STARTS \(UTC\) +BY THIS HOLD +LOCAL START PER REGION$/);
    expect(rows).toHaveLength(4);
    expect(rows[0]).toMatch(new RegExp(`^${ROUTER} +Router upgrade +network-ops +1 +held +2026-06-14 21:00 UTC +held since 2026-06-14 18:00 UTC +IR 2026-06-15 00:30 Asia/Tehran \\(\\+03:30\\)$`));
    // A global window's run in the holding regions' local times, and who let it through the hold and why.
    expect(rows[1]).toMatch(
      new RegExp(`^${CORE} +Core switch +network-ops +2 +scheduled +2026-06-14 23:00 UTC +let through, overridden by ops at 2026-06-14 19:00 UTC: security patch cannot wait +IR 2026-06-15 02:30 Asia/Tehran \\(\\+03:30\\)$`),
    );
    expect(rows[2]).toMatch(/^ +NP 2026-06-15 04:45 Asia\/Kathmandu \(\+05:45\)$/);
    expect(rows[3]).toMatch(new RegExp(`^${CACHE} +Cache flush +edge +3 +scheduled +2026-06-15 01:00 UTC +notify-only: flagged, not held +NP 2026-06-15 06:45 Asia/Kathmandu \\(\\+05:45\\)$`));
    expect(said.err).toBe('');
  });

  it("says when a released hold was released, by whom and why, and gives a global window's run no hold names any more in its planned zone", async () => {
    const released = { ...detail, active: false, releasedAt: '2026-06-14T21:00:00.000Z', releasedBy: 'ops', releaseReason: 'count over', version: 3, overrides: [], overrideCount: 0 };
    const global = listedRun(CORE, { heldBy: [], title: 'Core switch', footprint: { global: true, regions: [] }, plannedZone: 'America/Los_Angeles', status: 'scheduled', localTimes: [] });
    const { said } = await holdfast(['holds', 'show', HOLD], { hold: { body: released }, runs: [global] });
    expect(said.out).toMatch(/^released: +2026-06-14 21:00 UTC by ops: count over$/m);
    expect(said.out).toMatch(/^version: +3$/m);
    expect(said.out).toMatch(/^runs: +2 held, 1 notify-only$/m);
    expect(said.out).toMatch(/^overrides: +none$/m);
    expect(said.out).toMatch(/ +held since 2026-06-14 18:00 UTC +planned 2026-06-14 14:00 America\/Los_Angeles \(-07:00\)$/m);
  });

  it('counts the runs let through among the held, as the planner does, keeping the overrides line', async () => {
    const { said } = await holdfast(['holds', 'show', HOLD], { hold: { body: { ...detail, heldOccurrences: 3, notifyOnlyOccurrences: 0, overrideCount: 2 } } });
    expect(said.out).toMatch(/^runs: +3 held \(2 of them let through by overrides\), 0 notify-only$/m);
    expect(said.out).toMatch(/^overrides: +2 runs let through$/m);
  });

  it('reads the runs page after page up to --limit, saying on stderr that more follow, as the other lists do', async () => {
    const every = await holdfast(['holds', 'show', HOLD], { pageSize: 2 });
    expect(every.asked).toEqual([`GET /v1/holds/${HOLD}`, `GET /v1/occurrences?hold=${HOLD}&limit=500`, `GET /v1/occurrences?hold=${HOLD}&limit=498&cursor=2`]);
    expect(every.said.out).toContain(CACHE);
    expect(every.said.err).toBe('');
    const two = await holdfast(['holds', 'show', HOLD, '--limit', '2']);
    expect(two.asked).toEqual([`GET /v1/holds/${HOLD}`, `GET /v1/occurrences?hold=${HOLD}&limit=2`]);
    expect(two.said.out).not.toContain(CACHE);
    expect(two.said.err).toBe('showing the first 2 runs; more follow (a larger --limit shows them)\n');
    const wrong = await holdfast(['holds', 'show', HOLD, '--limit', '0']);
    expect(wrong.code).toBe(ExitCode.usage);
    expect(wrong.said.err).toContain('--limit must be a whole number of at least 1, not 0');
    expect(wrong.asked).toEqual([]);
  });

  it('narrows the runs listed by status, team, region and time, the counts staying the hold\'s, and says when none match', async () => {
    const held = await holdfast(['holds', 'show', HOLD, '--status', 'held', '--team', 'network-ops', '--region', 'IR', '--from', '2026-06-14T20:00:00Z', '--to', '2026-06-15T00:00:00Z'], { runs: [runs[0]] });
    expect(held.code).toBe(ExitCode.ok);
    expect(held.asked).toEqual([
      `GET /v1/holds/${HOLD}`,
      `GET /v1/occurrences?hold=${HOLD}&status=held&team=network-ops&region=IR&from=2026-06-14T20%3A00%3A00Z&to=2026-06-15T00%3A00%3A00Z&limit=500`,
    ]);
    expect(held.said.out).toMatch(/^runs: +2 held \(1 of them let through by an override\), 1 notify-only$/m);
    expect(held.said.out).toContain(ROUTER);
    const none = await holdfast(['holds', 'show', HOLD, '--status', 'missed'], { runs: [] });
    expect(none.said.out.endsWith('\nno runs of this hold with --status missed\n')).toBe(true);
    const wrong = await holdfast(['holds', 'show', HOLD, '--status', 'helt']);
    expect(wrong.code).toBe(ExitCode.usage);
    expect(wrong.said.err).toContain('--status');
    expect(wrong.asked).toEqual([]);
  });

  it("prints the API's JSON with --json: the hold and its runs, as a list's page", async () => {
    const { said } = await holdfast(['holds', 'show', HOLD, '--json', '--limit', '2']);
    expect(JSON.parse(said.out)).toEqual({ hold: detail, items: runs.slice(0, 2), nextCursor: '2' });
    expect(said.err).toBe('');
  });

  it("says the planner's 404 for a hold it does not know, asking for no runs", async () => {
    const notFound = { status: 404, body: { type: 'https://holdfast.dev/problems/hold-not-found', title: 'Not Found', status: 404, code: 'hold-not-found', detail: `No hold ${HOLD}: list holds with GET /v1/holds.` } };
    const { code, said, asked } = await holdfast(['holds', 'show', HOLD], { hold: notFound });
    expect(code).toBe(ExitCode.error);
    expect(said.err).toBe(`holdfast: No hold ${HOLD}: list holds with GET /v1/holds. (hold-not-found)\n  from the CLI: holdfast holds list lists the holds\n`);
    expect(asked).toEqual([`GET /v1/holds/${HOLD}`]);
  });

  it('is in the command list and the holds group help', async () => {
    const { io, said } = specIo();
    expect(await run(['--help'], io)).toBe(ExitCode.ok);
    expect(said.out).toMatch(/^ {2}holds show +a hold, what it holds counted, and the runs it holds, flags \(notify-only\) or lets through by an override/m);
    const group = specIo();
    expect(await run(['holds', '--help'], group.io)).toBe(ExitCode.ok);
    expect(group.said.out).toContain('usage: holdfast holds show HOLD_ID [--status scheduled|held|needs-reschedule|in-progress|completed|missed|cancelled] [--team T] [--region R] [--from TIME] [--to TIME] [--limit N]\n');
  });
});
