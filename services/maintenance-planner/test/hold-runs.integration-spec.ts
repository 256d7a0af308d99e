/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
import { documentedBody, everyPage, ManualClock, type DocumentedAnswers, type ServiceUnderTest } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { placeHold, planWindow, plannerApi, startPlanner } from './support/planner-with-readers';

type JsonSchema = Parameters<typeof z.fromJSONSchema>[0];
type Run = Record<string, any> & { windowId: string; number: number; startsAt: string; status: string };

/**
 * GET /v1/occurrences?hold=: the runs a hold holds, flags or lets through by an override (or held when it was released),
 * as many as GET /v1/holds/{id} counts, each as the unfiltered list says it, with what the hold does to it.
 */
describe('maintenance-planner: the runs a hold holds, listed by the hold', () => {
  const clock = new ManualClock('2026-06-14T00:00:00Z');
  let service: ServiceUnderTest;
  const api = plannerApi(() => service);
  const windows: Record<string, string> = {};
  let election: string;
  let finale: string;

  const runs = (query: string) => api('GET', `/v1/occurrences${query}`);
  const items = async (query: string): Promise<Run[]> => {
    const answer = await runs(query);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.nextCursor).toBeNull();
    return answer.body.items as Run[];
  };
  const named = (list: Run[]) => list.map((run) => `${Object.keys(windows).find((name) => windows[name] === run.windowId)}#${run.number}`);
  const counted = async (hold: string) => {
    const answer = await api('GET', `/v1/holds/${hold}`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body.heldOccurrences + answer.body.notifyOnlyOccurrences;
  };

  beforeAll(async () => {
    service = await startPlanner(clock);
    // DE: a daily window (runs 1-5, 1-5 Aug), a notify-only one, an exempt one and one cancelled while held; a global one (storage's); FR: a daily one (6-7 Aug) and one cancelled while held.
    windows.daily = await planWindow(api, ['DE'], '2026-08-01T10:00:00Z', '2026-08-01T11:00:00Z', { recurrence: 'FREQ=DAILY;COUNT=5' });
    windows.notify = await planWindow(api, ['DE'], '2026-08-02T12:00:00Z', '2026-08-02T13:00:00Z', { surgePolicy: 'notify-only' });
    windows.exempt = await planWindow(api, ['DE'], '2026-08-02T14:00:00Z', '2026-08-02T15:00:00Z', { surgePolicy: 'exempt' });
    windows.dropped = await planWindow(api, ['DE'], '2026-08-03T08:00:00Z', '2026-08-03T09:00:00Z');
    windows.global = await planWindow(api, [], '2026-08-03T12:00:00Z', '2026-08-03T13:00:00Z', { footprint: { global: true, regions: [] }, ownerTeam: 'storage' });
    windows.france = await planWindow(api, ['FR'], '2026-08-06T09:00:00Z', '2026-08-06T10:00:00Z', { recurrence: 'FREQ=DAILY;COUNT=2' });
    windows.gone = await planWindow(api, ['FR'], '2026-08-06T12:00:00Z', '2026-08-06T13:00:00Z');

    election = await placeHold(api, 'DE', '2026-08-02T00:00:00Z', '2026-08-05T00:00:00Z', 'Bundestag vote count');
    expect((await api('POST', `/v1/windows/${windows.daily}/override`, { reason: 'security patch cannot wait', occurrence: 3 })).status).toBe(200);
    expect((await api('POST', `/v1/windows/${windows.dropped}/cancel`, { reason: 'the vendor withdrew the firmware' })).status).toBe(200);

    finale = await placeHold(api, 'FR', '2026-08-06T00:00:00Z', '2026-08-08T00:00:00Z', 'Tour de France finale');
    expect((await api('POST', `/v1/windows/${windows.france}/override`, { reason: 'the certificate expires today', occurrence: 2 })).status).toBe(200);
    expect((await api('POST', `/v1/windows/${windows.gone}/cancel`, { reason: 'moved to the next quarter' })).status).toBe(200);
    // A run let go at the release's very instant counts as held when released (HoldsService.counts): this one was let go before.
    clock.advance(1_000);
    expect((await api('POST', `/v1/holds/${finale}/release`, { reason: 'the route moved' })).status).toBe(200);
  });

  afterAll(async () => {
    await service?.close();
  });

  it('lists the runs a hold holds, flags or lets through by an override, as many as GET /v1/holds/{id} counts, in start order', async () => {
    const held = await items(`?hold=${election}`);
    expect(named(held)).toEqual(['daily#2', 'notify#1', 'daily#3', 'global#1', 'daily#4']);
    expect(held).toHaveLength(await counted(election));
    const run = (name: string, number = 1) => held.find((entry) => entry.windowId === windows[name] && entry.number === number)!;
    expect(run('daily', 2)).toMatchObject({ status: 'held', heldBy: [election], letThroughBy: [], byHold: { kind: 'held', heldAt: expect.any(String), overriddenBy: null, overrideReason: null, overriddenAt: null } });
    expect(run('notify')).toMatchObject({ status: 'scheduled', heldBy: [], letThroughBy: [], byHold: { kind: 'notify-only', overriddenBy: null } });
    expect(run('daily', 3)).toMatchObject({
      status: 'scheduled',
      heldBy: [],
      letThroughBy: [election],
      byHold: { kind: 'held', overriddenBy: expect.any(String), overrideReason: 'security patch cannot wait', overriddenAt: expect.any(String) },
    });
    // A global window's run is read in the hold's regions, as the unfiltered list reads it.
    expect(run('global')).toMatchObject({ status: 'held', ownerTeam: 'storage', localTimes: [expect.objectContaining({ region: 'DE', zone: 'Europe/Berlin' })] });
  });

  it("says of each run what the unfiltered list says of it, and adds byHold only when asked by hold", async () => {
    const held = await items(`?hold=${election}`);
    const all = await items('?from=2026-08-01T00:00:00Z&to=2026-08-06T00:00:00Z');
    for (const { byHold: _, ...run } of held) {
      expect(all.find((entry) => entry.windowId === run.windowId && entry.number === run.number)).toEqual(run);
    }
    expect(all.some((entry) => 'byHold' in entry)).toBe(false);
  });

  it('lists what a released hold held when it was released, an overridden run with who let it through, not a run let go before', async () => {
    const held = await items(`?hold=${finale}`);
    expect(named(held)).toEqual(['france#1', 'france#2']);
    expect(held).toHaveLength(await counted(finale));
    // Released, it holds them no more: byHold says how it held them.
    expect(held[0]).toMatchObject({ status: 'scheduled', heldBy: [], letThroughBy: [], byHold: { kind: 'held', overriddenBy: null } });
    expect(held[1]).toMatchObject({ status: 'scheduled', heldBy: [], letThroughBy: [], byHold: { kind: 'held', overriddenBy: expect.any(String), overrideReason: 'the certificate expires today' } });
  });

  it('pages a hold\'s runs to the last without repeating or leaving one out, a cursor good only for its hold', async () => {
    const pages = await everyPage<Run>((cursor) => service.fetch(`/v1/occurrences?hold=${election}&limit=2${cursor ? `&cursor=${cursor}` : ''}`));
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual(await items(`?hold=${election}`));
    const first = await runs(`?hold=${election}&limit=2`);
    expect(await runs(`?hold=${finale}&limit=2&cursor=${first.body.nextCursor}`)).toMatchObject({ status: 400, body: { code: 'invalid-cursor' } });
    expect(await runs(`?limit=2&cursor=${first.body.nextCursor}`)).toMatchObject({ status: 400, body: { code: 'invalid-cursor' } });
  });

  it('takes the other filters with it: status, time range, team and region', async () => {
    expect(named(await items(`?hold=${election}&status=held`))).toEqual(['daily#2', 'global#1', 'daily#4']);
    expect(named(await items(`?hold=${election}&from=2026-08-03T00:00:00Z&to=2026-08-04T00:00:00Z`))).toEqual(['daily#3', 'global#1']);
    expect(named(await items(`?hold=${election}&team=storage`))).toEqual(['global#1']);
    // A global window's runs can hurt any region.
    expect(named(await items(`?hold=${election}&region=fr`))).toEqual(['global#1']);
    expect(named(await items(`?hold=${finale}&status=held`))).toEqual([]);
  });

  it('lists a run moved to a new slot by the release where it now starts, page by page', async () => {
    clock.set('2026-09-01T00:00:00Z');
    // Its owner lets the planner move it within the week: the release moves it past the other, which waits for a new slot.
    windows.moved = await planWindow(api, ['NO'], '2026-09-01T06:00:00Z', '2026-09-01T07:00:00Z', {
      flexibility: { earliestStartAt: '2026-09-01T00:00:00Z', deadlineAt: '2026-09-08T00:00:00Z', autoMove: true },
    });
    windows.waiting = await planWindow(api, ['NO'], '2026-09-01T06:30:00Z', '2026-09-01T07:30:00Z');
    const storm = await placeHold(api, 'NO', '2026-09-01T00:00:00Z', '2026-09-01T12:00:00Z', 'Storm over the fjords');
    expect(named(await items(`?hold=${storm}`))).toEqual(['moved#1', 'waiting#1']);
    clock.set('2026-09-01T08:00:00Z');
    expect((await api('POST', `/v1/holds/${storm}/release`, { reason: 'the storm passed' })).status).toBe(200);

    const held = await items(`?hold=${storm}`);
    expect(named(held)).toEqual(['waiting#1', 'moved#1']);
    expect(held.map((run) => run.status)).toEqual(['needs-reschedule', 'scheduled']);
    expect(Date.parse(held[1].startsAt)).toBeGreaterThanOrEqual(Date.parse('2026-09-01T08:00:00Z'));
    const pages = await everyPage<Run>((cursor) => service.fetch(`/v1/occurrences?hold=${storm}&limit=1${cursor ? `&cursor=${cursor}` : ''}`));
    expect(pages.flat()).toEqual(held);
  });

  it('answers 404 hold-not-found for an id that is no hold, as GET /v1/holds/{id} does, and 400 naming hold for one that is no id', async () => {
    const nobody = '0190e0c8-0000-7000-8000-00000000dead';
    const byId = await api('GET', `/v1/holds/${nobody}`);
    const answer = await runs(`?hold=${nobody}`);
    expect(answer).toMatchObject({ status: 404, body: { status: 404, code: 'hold-not-found', detail: byId.body.detail } });
    expect(await runs('?hold=election')).toMatchObject({ status: 400, body: { code: 'invalid-query', errors: [{ path: 'hold', message: 'must be a hold id (UUID)' }] } });
  });

  it('documents hold, typed, and answers with byHold as its document says', async () => {
    const document = (await (await service.fetch('/docs-json')).json()) as DocumentedAnswers & { paths: Record<string, Record<string, { parameters: { name: string; schema: Record<string, unknown> }[] }>> };
    const hold = document.paths['/v1/occurrences'].get.parameters.find((parameter) => parameter.name === 'hold');
    expect(hold?.schema).toMatchObject({ type: 'string', format: 'uuid' });
    const schema = z.fromJSONSchema(documentedBody(document, 'GET', '/v1/occurrences', 200) as JsonSchema);
    const checked = schema.safeParse((await runs(`?hold=${election}`)).body);
    expect(checked.success ? '' : z.prettifyError(checked.error)).toBe('');
  });
});
