/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
import { documentedBody, everyPage, expectEventually, ManualClock, startServiceUnderTest, type DocumentedAnswers, type ServiceUnderTest } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { plannerService } from '../src/app.module';
import { plannerApi } from './support/planner-with-readers';

type JsonSchema = Parameters<typeof z.fromJSONSchema>[0];
type Run = Record<string, any> & { windowId: string; number: number; startsAt: string; status: string };

/** What identifies a run's window on GET /v1/occurrences; the rest of the item is the run as its window's list gives it. */
const WINDOW_FIELDS = ['windowId', 'title', 'ownerTeam', 'footprint', 'plannedZone', 'surgePolicy'];
const withoutWindow = (run: Run) => Object.fromEntries(Object.entries(run).filter(([field]) => !WINDOW_FIELDS.includes(field)));
const startOrder = (a: Run, b: Run) => a.startsAt.localeCompare(b.startsAt) || a.windowId.localeCompare(b.windowId) || a.number - b.number;

/** GET /v1/occurrences (runs across windows) against the real broker and PostgreSQL: paging, filters, refusals, keys, and agreement with each window's own runs list. */
describe('maintenance-planner: runs across windows, a page a request', () => {
  const clock = new ManualClock('2026-06-14T00:00:00Z');
  let service: ServiceUnderTest;
  const api = plannerApi(() => service);
  const keys: Record<string, string> = {};
  const windows: Record<string, string> = {};

  const plan = async (name: string, ownerTeam: string, footprint: { global: boolean; regions: string[] }, startsAt: string, recurrence?: string) => {
    const endsAt = new Date(Date.parse(startsAt) + 3_600_000).toISOString();
    const answer = await api('POST', '/v1/windows', { title: `${name} upgrade`, ownerTeam, footprint, startsAt, endsAt, plannedZone: 'Europe/Berlin', ...(recurrence ? { recurrence } : {}) });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    windows[name] = answer.body.windowId as string;
  };
  const runs = async (query: string, key?: string): Promise<{ status: number; body: Record<string, any> }> => {
    const response = await service.fetch(`/v1/occurrences${query}`, key ? { headers: { authorization: `Bearer ${key}` } } : {});
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const items = async (query: string, key?: string): Promise<Run[]> => {
    const answer = await runs(query, key);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.nextCursor).toBeNull();
    return answer.body.items as Run[];
  };
  const named = (list: Run[]) => list.map((run) => `${Object.keys(windows).find((name) => windows[name] === run.windowId)}#${run.number}`);

  beforeAll(async () => {
    service = await startServiceUnderTest(plannerService, { clock, environment: { PLANNER_SWEEP_INTERVAL_SECONDS: '0', OCCURRENCE_EARLY_START_MINUTES: '45' } });
    const issue = async (name: string, team: string, scopes: string[]) => {
      const answer = await api('POST', '/v1/keys', { team, scopes, name });
      expect(answer.status, JSON.stringify(answer.body)).toBe(201);
      keys[name] = answer.body.key as string;
    };
    await issue('storage', 'storage', ['read']);
    await issue('writer', 'storage', ['windows:write']);
    for (const name of Object.keys(keys)) await expectEventually(async () => expect((await runs('?limit=1', keys[name])).status).not.toBe(401));

    // network: a daily DE window (five runs), a one-off NP window starting with its second run, a global one; storage: two FR windows.
    await plan('daily', 'network', { global: false, regions: ['DE'] }, '2026-08-01T10:00:00Z', 'FREQ=DAILY;COUNT=5');
    await plan('nepal', 'network', { global: false, regions: ['NP'] }, '2026-08-02T10:00:00Z');
    await plan('global', 'network', { global: true, regions: [] }, '2026-08-03T12:00:00Z');
    await plan('called-off', 'storage', { global: false, regions: ['FR'] }, '2026-08-02T09:00:00Z');
    await plan('released', 'storage', { global: false, regions: ['FR'] }, '2026-08-06T09:00:00Z');

    // Held: nepal's run. Let through by an override: daily's fourth run, under a DE hold. Cancelled: called-off's run. Held, then released: released's run.
    const hold = async (regions: string[], from: string, until: string, reason: string) => {
      const answer = await api('POST', '/v1/holds', { regions, from, until, reason });
      expect(answer.status, JSON.stringify(answer.body)).toBe(201);
      // Apart in time, so that the holds a run lists are in one order in either list.
      clock.advance(1_000);
      return answer.body.id as string;
    };
    await hold(['NP'], '2026-08-02T00:00:00Z', '2026-08-03T00:00:00Z', 'Election in Nepal');
    await hold(['DE'], '2026-08-04T00:00:00Z', '2026-08-05T00:00:00Z', 'Bundestag vote count');
    expect((await api('POST', `/v1/windows/${windows.daily}/override`, { reason: 'security patch cannot wait', occurrence: 4 })).status).toBe(200);
    expect((await api('POST', `/v1/windows/${windows['called-off']}/cancel`, { reason: 'the vendor withdrew the firmware' })).status).toBe(200);
    const france = await hold(['FR'], '2026-08-06T00:00:00Z', '2026-08-07T00:00:00Z', 'Tour de France finale');
    expect((await api('POST', `/v1/holds/${france}/release`, { reason: 'the route moved' })).status).toBe(200);
  });

  afterAll(async () => {
    await service?.close();
  });

  it("says of each run what its window's own runs list says, held, let through by an override, cancelled, released and plain alike", async () => {
    const all = await items('');
    expect(all).toHaveLength(9);
    for (const [name, windowId] of Object.entries(windows)) {
      const own = await api('GET', `/v1/windows/${windowId}/occurrences`);
      expect(own.status).toBe(200);
      expect(all.filter((run) => run.windowId === windowId).map(withoutWindow), name).toEqual(own.body.items);
    }
    const run = (name: string, number = 1) => all.find((entry) => entry.windowId === windows[name] && entry.number === number)!;
    expect(run('nepal')).toMatchObject({ status: 'held', heldBy: [expect.any(String)], letThroughBy: [] });
    expect(run('daily', 4)).toMatchObject({ status: 'scheduled', heldBy: [], letThroughBy: [expect.any(String)] });
    expect(run('called-off')).toMatchObject({ status: 'cancelled', heldBy: [], letThroughBy: [] });
    expect(run('released')).toMatchObject({ status: 'scheduled', heldBy: [], letThroughBy: [] });
    expect(run('daily', 1)).toMatchObject({ status: 'scheduled', heldBy: [], letThroughBy: [] });
    // What a page draws of the window, with the run.
    expect(run('nepal')).toMatchObject({
      windowId: windows.nepal,
      title: 'nepal upgrade',
      ownerTeam: 'network',
      footprint: { global: false, regions: ['NP'] },
      plannedZone: 'Europe/Berlin',
      surgePolicy: 'hold',
      localTimes: [expect.objectContaining({ region: 'NP', zone: 'Asia/Kathmandu' })],
    });
  });

  it('says from when each run may be started, OCCURRENCE_EARLY_START_MINUTES before its start, in either list; null for one that never starts', async () => {
    const all = await items('');
    const run = (name: string, number = 1) => all.find((entry) => entry.windowId === windows[name] && entry.number === number)!;
    expect(run('daily', 1)).toMatchObject({ status: 'scheduled', startsAt: '2026-08-01T10:00:00.000Z', startableFrom: '2026-08-01T09:15:00.000Z' });
    // Held, it may start from then too, once its holds end or an override lets it through.
    expect(run('nepal')).toMatchObject({ status: 'held', startsAt: '2026-08-02T10:00:00.000Z', startableFrom: '2026-08-02T09:15:00.000Z' });
    expect(run('called-off')).toMatchObject({ status: 'cancelled', startableFrom: null });
    const own = await api('GET', `/v1/windows/${windows.daily}/occurrences`);
    expect(own.body.items.map((listed: Run) => [listed.number, listed.startableFrom])).toEqual([
      [1, '2026-08-01T09:15:00.000Z'],
      [2, '2026-08-02T09:15:00.000Z'],
      [3, '2026-08-03T09:15:00.000Z'],
      [4, '2026-08-04T09:15:00.000Z'],
      [5, '2026-08-05T09:15:00.000Z'],
    ]);
  });

  it("filters by team, by the region a run can hurt (a global window's runs too), by status and by time range, as the windows list and a window's runs list do", async () => {
    const network = await items('?team=network&status=scheduled');
    expect(new Set(network.map((run) => run.ownerTeam))).toEqual(new Set(['network']));
    for (const typed of ['DE', 'de', '%20de%20']) {
      expect(named(await items(`?region=${typed}&team=network&from=2026-08-01T00:00:00Z&to=2026-08-06T00:00:00Z`)), typed).toEqual(['daily#1', 'daily#2', 'daily#3', 'global#1', 'daily#4', 'daily#5']);
    }
    expect(named(await items('?status=held'))).toEqual(['nepal#1']);
    expect(named(await items('?status=cancelled'))).toEqual(expect.arrayContaining(['called-off#1']));
    // The runs overlapping the range: ending after from, starting before to.
    expect(named(await items('?from=2026-08-02T10:30:00Z&to=2026-08-04T10:00:00Z&team=network')).sort()).toEqual(['daily#2', 'daily#3', 'global#1', 'nepal#1']);
    expect(await items('?team=nobody')).toEqual([]);
  });

  it('refuses what it cannot answer with problem details naming the parameter, as the other lists do', async () => {
    for (const [query, status, code, path] of [
      ['?from=2026-08-03T00:00:00Z&to=2026-08-02T00:00:00Z', 400, 'invalid-query', 'to'],
      ['?from=0000-06-01T00:00:00Z', 400, 'invalid-query', 'from'],
      ['?limit=0', 400, 'invalid-query', 'limit'],
      ['?limit=2001', 400, 'invalid-query', 'limit'],
      ['?status=paused', 400, 'invalid-query', 'status'],
      ['?region=%20', 400, 'invalid-query', 'region'],
      ['?teams=network', 400, 'invalid-query', 'teams'],
      ['?region=lkx', 422, 'unknown-region', 'region'],
      ['?cursor=bm90LWEtY3Vyc29y', 400, 'invalid-cursor', 'cursor'],
    ] as const) {
      const answer = await runs(query);
      expect(answer, query).toMatchObject({ status, body: { status, code, errors: [expect.objectContaining({ path })] } });
      expect(answer.body.type, query).toEqual(expect.any(String));
    }
    // A cursor given out for one filter is not taken for another.
    const { body } = await runs('?team=network&limit=1');
    expect(await runs(`?team=storage&limit=1&cursor=${body.nextCursor}`)).toMatchObject({ status: 400, body: { code: 'invalid-cursor' } });
    // Pages as big as a window's runs list gives: 2000, the default and the most.
    expect((await runs('?limit=2000')).status).toBe(200);
  });

  it('answers a team key what the windows list shows it, every team\'s runs, and refuses a key without read and a request without a key', async () => {
    const range = 'from=2026-08-01T00:00:00Z&to=2026-08-08T00:00:00Z';
    const listed = await fetch(`${service.baseUrl}/v1/windows?${range}`, { headers: { authorization: `Bearer ${keys.storage}` } });
    const shown = new Set(((await listed.json()) as { items: { windowId: string }[] }).items.map((window) => window.windowId));
    const ran = await items(`?${range}`, keys.storage);
    expect(new Set(ran.map((run) => run.windowId))).toEqual(shown);
    expect(new Set(ran.map((run) => run.ownerTeam))).toEqual(new Set(['network', 'storage']));
    expect(await runs('', keys.writer)).toMatchObject({ status: 403, body: { code: 'missing-scope', requiredScope: 'read' } });
    expect((await fetch(`${service.baseUrl}/v1/occurrences`)).status).toBe(401);
  });

  it('answers as its OpenAPI document says, each query parameter typed', async () => {
    const document = (await (await service.fetch('/docs-json')).json()) as DocumentedAnswers & { paths: Record<string, Record<string, { parameters: { name: string; schema: object }[] }>> };
    const schema = z.fromJSONSchema(documentedBody(document, 'GET', '/v1/occurrences', 200) as JsonSchema);
    const checked = schema.safeParse((await runs('?limit=3')).body);
    expect(checked.success ? '' : z.prettifyError(checked.error)).toBe('');
    const parameters = document.paths['/v1/occurrences'].get.parameters;
    expect(parameters.map((parameter) => parameter.name).sort()).toEqual(['cursor', 'from', 'hold', 'limit', 'region', 'status', 'team', 'to']);
    for (const parameter of parameters) expect(Object.keys(parameter.schema), parameter.name).not.toEqual([]);
  });

  it('lists runs in start order, runs at one start by window, and pages them to the last without repeating or leaving one out, a window planned meanwhile included', async () => {
    const all = await items('');
    expect([...all].sort(startOrder)).toEqual(all);
    // daily's second run and nepal's run start together, told apart by their windows' ids.
    const together = windows.daily < windows.nepal ? ['daily#2', 'nepal#1'] : ['nepal#1', 'daily#2'];
    expect(named(all)).toEqual(['daily#1', 'called-off#1', ...together, 'daily#3', 'global#1', 'daily#4', 'daily#5', 'released#1']);
    const pages = await everyPage<Run>((cursor) => service.fetch(`/v1/occurrences?limit=2${cursor ? `&cursor=${cursor}` : ''}`));
    expect(pages.map((page) => page.length)).toEqual([2, 2, 2, 2, 1]);
    expect(pages.flat()).toEqual(all);

    // A window planned after the first page was read, with a run before where that page ended and one after: the pages go on from where they were.
    const first = await runs('?limit=3');
    expect(named(first.body.items)).toEqual(named(all).slice(0, 3));
    await plan('meanwhile', 'latecomers', { global: false, regions: ['JP'] }, '2026-08-01T08:00:00Z', 'FREQ=DAILY;COUNT=5');
    const rest = (await everyPage<Run>((cursor) => service.fetch(`/v1/occurrences?limit=3&cursor=${cursor ?? first.body.nextCursor}`))).flat();
    expect(named(rest).filter((name) => !name.startsWith('meanwhile'))).toEqual(named(all).slice(3));
    expect(named(rest).filter((name) => name.startsWith('meanwhile'))).toEqual(['meanwhile#3', 'meanwhile#4', 'meanwhile#5']);
  });
});
