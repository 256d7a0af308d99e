import { everyPage, expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzerService } from '../src/app.module';
import { AnalyzerJobsService } from '../src/jobs/analyzer-jobs.service';
import { recordEvents } from './support/analyzer-harness';

interface DeclarationView {
  id: string;
  from: string;
  status: string;
  regions: string[];
}

describe('impact-analyzer: declared critical periods, driven by the clock, against the real broker and PostgreSQL', () => {
  let service: ServiceUnderTest;
  let surges: Awaited<ReturnType<typeof recordEvents>>;
  const clock = new ManualClock('2026-06-10T12:00:00Z');

  const declare = (body: unknown) => service.fetch(`/v1/declarations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const get = async (id: string) => (await (await service.fetch(`/v1/declarations/${id}`)).json()) as DeclarationView;
  const runJobs = () => service.app.get(AnalyzerJobsService).runOnce();
  const typesFor = (correlation: string) => surges.events().filter((event) => event.headers.ce_correlationid === correlation).map((event) => `${event.type} ${event.data.region}`);

  beforeAll(async () => {
    service = await startServiceUnderTest(analyzerService, { clock, environment: { ANALYZER_JOB_INTERVAL_MS: '600000' } });
    surges = await recordEvents(service);
  });

  let restartedService: ServiceUnderTest | undefined;

  afterAll(async () => {
    await surges?.stop();
    // The restarted instance ran on the first one's database; its own empty one is dropped with it.
    await restartedService?.close();
    await service?.close();
  });

  it('starts a surge per region at the declared start and clears them at the end, across a restart', async () => {
    const response = await declare({ regions: ['IR', 'NP'], from: '2026-06-12T00:00:00Z', until: '2026-06-19T00:00:00Z', reason: 'Presidential election in IR' });
    expect(response.status).toBe(201);
    const declaration = (await response.json()) as DeclarationView;
    expect(declaration).toMatchObject({ status: 'scheduled', regions: ['IR', 'NP'] });

    await runJobs();
    expect((await get(declaration.id)).status).toBe('scheduled');

    clock.set('2026-06-12T00:00:05Z');
    await runJobs();
    expect((await get(declaration.id)).status).toBe('active');
    await expectEventually(() => expect(typesFor(declaration.id).sort()).toEqual(['surge.started IR', 'surge.started NP']));
    const started = surges.events().find((event) => event.headers.ce_correlationid === declaration.id)!;
    expect(started.data).toMatchObject({ source: 'declaration', severity: 'major', startedAt: '2026-06-12T00:00:00.000Z', expectedEndAt: '2026-06-19T00:00:00.000Z', reason: 'Presidential election in IR' });

    // A restart in between: the next instance on the same database ends it on time.
    await service.app.close();
    const restarted = await startServiceUnderTest(analyzerService, {
      clock,
      topicPrefix: service.config.kafka.topicPrefix,
      environment: { DATABASE_URL: service.database.url, ANALYZER_JOB_INTERVAL_MS: '600000' },
    });
    restartedService = restarted;
    clock.set('2026-06-19T00:00:01Z');
    await restarted.app.get(AnalyzerJobsService).runOnce();
    await expectEventually(() => expect(typesFor(declaration.id).filter((type) => type.startsWith('surge.cleared')).sort()).toEqual(['surge.cleared IR', 'surge.cleared NP']));
    const view = (await (await restarted.fetch(`/v1/declarations/${declaration.id}`)).json()) as DeclarationView;
    expect(view.status).toBe('ended');
    const cleared = surges.events().filter((event) => event.type === 'surge.cleared' && event.headers.ce_correlationid === declaration.id);
    expect(cleared.map((event) => event.data.clearedAt)).toEqual(['2026-06-19T00:00:00.000Z', '2026-06-19T00:00:00.000Z']);
  });
});

describe('impact-analyzer: declarations listed, refused and cancelled', () => {
  let service: ServiceUnderTest;
  let surges: Awaited<ReturnType<typeof recordEvents>>;
  const clock = new ManualClock('2026-06-10T12:00:00Z');
  const declare = (body: unknown) => service.fetch(`/v1/declarations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const get = async (id: string) => (await (await service.fetch(`/v1/declarations/${id}`)).json()) as DeclarationView;
  const runJobs = () => service.app.get(AnalyzerJobsService).runOnce();

  beforeAll(async () => {
    service = await startServiceUnderTest(analyzerService, { clock, environment: { ANALYZER_JOB_INTERVAL_MS: '600000' } });
    surges = await recordEvents(service);
  });

  afterAll(async () => {
    await surges?.stop();
    await service?.close();
  });

  it('starts one already in force at once, lists it, and cancelling it clears its surge now', async () => {
    const response = await declare({ regions: ['UA'], from: '2026-06-10T00:00:00Z', until: '2026-06-30T00:00:00Z', reason: 'Grid outages', severity: 'critical' });
    const declaration = (await response.json()) as DeclarationView;
    expect(declaration.status).toBe('active');
    expect(response.headers.get('location')).toBe(`/v1/declarations/${declaration.id}`);
    const list = (await (await service.fetch(`/v1/declarations?status=active`)).json()) as { items: DeclarationView[] };
    expect(list.items.map((item) => item.id)).toEqual([declaration.id]);

    clock.set('2026-06-11T08:00:00Z');
    const cancelled = await service.fetch(`/v1/declarations/${declaration.id}`, { method: 'DELETE' });
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toMatchObject({ status: 'cancelled', cancelledBy: 'platform/bootstrap', cancelledAt: '2026-06-11T08:00:00.000Z' });
    await expectEventually(() => expect(surges.events().map((event) => event.type)).toEqual(['surge.started', 'surge.cleared']));
    expect(surges.events()[1].data).toMatchObject({ region: 'UA', clearedAt: '2026-06-11T08:00:00.000Z' });
    expect((await service.fetch(`/v1/declarations/${declaration.id}`, { method: 'DELETE' })).status).toBe(409);
  });

  it('refuses unknown regions, periods that end before they start or before now or last past DECLARATION_MAX_DAYS, and names each missing field', async () => {
    const unknown = await declare({ regions: ['IR', 'ZZ'], from: '2026-06-12T00:00:00Z', until: '2026-06-13T00:00:00Z', reason: 'x' });
    expect(unknown.status).toBe(422);
    expect(await unknown.json()).toMatchObject({ code: 'unknown-region', errors: [{ path: 'regions.1' }] });
    // A country's code in any case, as the other endpoints take it, kept as the catalog spells it; the same region twice is one too many.
    const lowerCase = await declare({ regions: ['ng', 'AR'], from: '2026-06-20T00:00:00Z', until: '2026-06-21T00:00:00Z', reason: 'census' });
    expect(lowerCase.status).toBe(201);
    expect(await lowerCase.json()).toMatchObject({ regions: ['NG', 'AR'] });
    expect(await (await declare({ regions: ['ng', 'NG'], from: '2026-06-20T00:00:00Z', until: '2026-06-21T00:00:00Z', reason: 'census' })).json()).toMatchObject({ errors: [{ path: 'regions', message: 'must not repeat a region' }] });
    const backwards = await declare({ regions: ['IR'], from: '2026-06-13T00:00:00Z', until: '2026-06-12T00:00:00Z', reason: 'x' });
    expect(backwards.status).toBe(400);
    const past = await declare({ regions: ['IR'], from: '2026-06-01T00:00:00Z', until: '2026-06-02T00:00:00Z', reason: 'x' });
    expect(past.status).toBe(422);
    // 2126 for 2026: a century holding every IR window is refused with its length, the default maximum being 90 days.
    const typo = await declare({ regions: ['IR'], from: '2026-06-12T00:00:00Z', until: '2126-06-13T00:00:00Z', reason: 'election in IR' });
    expect(typo.status).toBe(422);
    expect(await typo.json()).toMatchObject({
      code: 'declaration-too-long',
      detail: expect.stringContaining('This declaration lasts 36,525 days (2026-06-12T00:00:00Z to 2126-06-13T00:00:00Z), longer than the 90 days one may last (DECLARATION_MAX_DAYS)'),
      errors: [{ path: 'until', message: 'more than 90 days after from' }],
    });
    expect((await declare({ regions: ['IR'], from: '2026-06-12T00:00:00Z', until: '2026-09-10T00:00:00Z', reason: 'ninety days' })).status).toBe(201);
    expect((await service.fetch(`/v1/declarations/0190a7d2-6c4e-7b1a-9f3e-1c2d3e4f5a6b`)).status).toBe(404);
    const unexplained = await declare({ regions: ['IR'], from: '2026-06-12T00:00:00Z', until: '2026-06-13T00:00:00Z' });
    expect(unexplained.status).toBe(400);
    expect(await unexplained.json()).toMatchObject({ code: 'invalid-body', errors: [{ path: 'reason', message: 'is required but missing' }] });
    const blank = await declare({ regions: ['IR'], from: '2026-06-12T00:00:00Z', until: '2026-06-13T00:00:00Z', reason: '   ' });
    expect(blank.status).toBe(400);
    expect(await blank.json()).toMatchObject({ code: 'invalid-body', errors: [{ path: 'reason', message: 'must explain why (it is only white space)' }] });
  });

  it('refuses a reason holding a bidirectional override with a problem naming the field, the character and where it is, and takes Persian with its marks', async () => {
    const period = { regions: ['IR'], from: '2026-07-01T00:00:00Z', until: '2026-07-02T00:00:00Z' };
    const overridden = await declare({ ...period, reason: 'maintenance freeze \u202eDEVOMER\u202c' });
    expect(overridden.status).toBe(400);
    expect(overridden.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await overridden.json()) as { code: string; detail: string; errors: { path: string; message: string }[] };
    expect(problem).toMatchObject({ code: 'invalid-body', errors: [{ path: 'reason', message: expect.stringMatching(/^holds U\+202E \(right-to-left override\) at character 20, /) }] });
    expect(problem.detail).toMatch(/^The request body is invalid: reason holds U\+202E .*remove it: right-to-left text \(Persian, Arabic, Hebrew\) needs no control characters/);
    const persian = await declare({ ...period, reason: '\u200fانتخابات ریاست‌جمهوری ایران\u200f' });
    expect(persian.status).toBe(201);
    expect(await persian.json()).toMatchObject({ reason: '\u200fانتخابات ریاست‌جمهوری ایران\u200f' });
  });

  it('takes a period a year ahead and refuses one starting further than DECLARATION_MAX_AHEAD_DAYS from now, a year typed wrong', async () => {
    expect((await declare({ regions: ['IR'], from: '2027-06-12T00:00:00Z', until: '2027-06-19T00:00:00Z', reason: 'Next presidential election in IR' })).status).toBe(201);
    // 2027 typed for 2026: the period meant, weeks away, would get no surge, and one would come a year later.
    const typo = await declare({ regions: ['IR'], from: '2027-08-01T00:00:00Z', until: '2027-08-08T00:00:00Z', reason: 'Exam results in IR' });
    expect(typo.status).toBe(422);
    expect(typo.headers.get('content-type')).toContain('application/problem+json');
    expect(await typo.json()).toMatchObject({
      type: 'https://holdfast.dev/problems/declaration-too-far-ahead',
      code: 'declaration-too-far-ahead',
      detail: expect.stringMatching(/^This declaration starts at 2027-08-01T00:00:00Z, [\d.]+ days from now \(.+\), further ahead than the 400 days one may be declared \(DECLARATION_MAX_AHEAD_DAYS\)/),
      errors: [{ path: 'from', message: 'more than 400 days from now' }],
    });
  });

  it('pages through declarations latest period first, each once, by following nextCursor; a cursor it did not give out is a 400', async () => {
    const declared: string[] = [];
    // Two periods start at one instant, so the id has to order them.
    for (const day of ['01', '02', '02', '03']) {
      const response = await declare({ regions: ['IR'], from: `2026-07-${day}T00:00:00Z`, until: `2026-07-${day}T12:00:00Z`, reason: `paging ${day}` });
      expect(response.status).toBe(201);
      declared.push(((await response.json()) as DeclarationView).id);
    }

    const pages = await everyPage<DeclarationView>((cursor) => service.fetch(`/v1/declarations?limit=2${cursor ? `&cursor=${cursor}` : ''}`));
    const paged = pages.flat();
    const all = (await (await service.fetch('/v1/declarations')).json()) as { items: DeclarationView[]; nextCursor: string | null };
    expect(all.nextCursor).toBeNull();
    expect(paged).toEqual(all.items);
    // Pages of two, only the last maybe shorter.
    expect(pages.map((page) => page.length)).toEqual(Array.from({ length: Math.ceil(paged.length / 2) }, (_, index) => Math.min(2, paged.length - 2 * index)));
    expect(new Set(paged.map((declaration) => declaration.id)).size).toBe(paged.length);
    expect(paged.map((declaration) => declaration.id)).toEqual(expect.arrayContaining(declared));
    const latestFirst = (a: DeclarationView, b: DeclarationView) => (a.from === b.from ? (a.id < b.id ? 1 : -1) : a.from < b.from ? 1 : -1);
    expect(paged).toEqual([...paged].sort(latestFirst));

    const forged = await service.fetch('/v1/declarations?cursor=bm90LWEtY3Vyc29y');
    expect(forged.status).toBe(400);
    expect(await forged.json()).toMatchObject({ code: 'invalid-cursor', errors: [{ path: 'cursor' }] });
    const tooMany = await service.fetch('/v1/declarations?limit=501');
    expect(tooMany.status).toBe(400);
    expect(await tooMany.json()).toMatchObject({ code: 'invalid-query', errors: [{ path: 'limit' }] });
  });

  it('refuses to cancel a declaration whose period is over before the job ended it, and ends it at its until', async () => {
    const response = await declare({ regions: ['KE'], from: '2026-06-11T07:00:00Z', until: '2026-06-11T09:00:00Z', reason: 'Exam results in KE' });
    const declaration = (await response.json()) as DeclarationView;
    expect(declaration.status).toBe('active');

    // No job has run since until: the period is over all the same.
    clock.set('2026-06-11T09:30:00Z');
    const cancelled = await service.fetch(`/v1/declarations/${declaration.id}`, { method: 'DELETE' });
    expect(cancelled.status).toBe(409);
    expect(await cancelled.json()).toMatchObject({
      code: 'declaration-closed',
      detail: `Declaration ${declaration.id} is already ended (its period ended at 2026-06-11T09:00:00.000Z); there is nothing to cancel.`,
    });
    // In force at once (version 2), then ended by the refused cancellation: a change of its own, with a version of its own.
    const ended = await service.fetch(`/v1/declarations/${declaration.id}`);
    expect(await ended.json()).toMatchObject({ status: 'ended', cancelledAt: null, version: 3 });
    expect(ended.headers.get('etag')).toBe('"3"');
    const ofDeclaration = () => surges.events().filter((event) => event.headers.ce_correlationid === declaration.id);
    await expectEventually(() => expect(ofDeclaration().map((event) => event.type)).toEqual(['surge.started', 'surge.cleared']));
    expect(ofDeclaration()[1].data).toMatchObject({ region: 'KE', clearedAt: '2026-06-11T09:00:00.000Z', reason: 'Declared period ended: Exam results in KE' });
  });

  it('gives a declaration its version as a strong ETag, a new one each time it changes, and cancels it only at a version If-Match names', async () => {
    const declared = await declare({ regions: ['GH'], from: '2026-06-12T00:00:00Z', until: '2026-06-13T00:00:00Z', reason: 'Election in GH' });
    // Express's body hash (W/"...") was the ETag here, which no If-Match could name.
    expect([declared.status, declared.headers.get('etag')]).toEqual([201, '"1"']);
    const { id, version } = (await declared.json()) as DeclarationView & { version: number };
    expect(version).toBe(1);
    expect((await service.fetch(`/v1/declarations/${id}`)).headers.get('etag')).toBe('"1"');

    clock.set('2026-06-12T01:00:00Z');
    await runJobs();
    const inForce = await service.fetch(`/v1/declarations/${id}`);
    expect(await inForce.json()).toMatchObject({ status: 'active', version: 2 });
    expect(inForce.headers.get('etag')).toBe('"2"');

    // Read while it was scheduled: 412 naming the ETag it is at, and it stays in force.
    const stale = await service.fetch(`/v1/declarations/${id}`, { method: 'DELETE', headers: { 'if-match': '"1"' } });
    expect([stale.status, stale.headers.get('etag')]).toEqual([412, null]);
    expect(await stale.json()).toMatchObject({
      code: 'precondition-failed',
      currentVersion: 2,
      detail: `Declaration ${id} is at version 2 (ETag "2"), not "1" as If-Match says: read it again (GET /v1/declarations/${id}) for its new ETag, then cancel it if it should still be.`,
    });
    expect(await get(id)).toMatchObject({ status: 'active' });
    expect(await (await service.fetch(`/v1/declarations/${id}`, { method: 'DELETE', headers: { 'if-match': 'W/"1f-3b8f0a"' } })).json()).toMatchObject({ status: 400, code: 'invalid-version' });

    const cancelled = await service.fetch(`/v1/declarations/${id}`, { method: 'DELETE', headers: { 'if-match': '"2"' } });
    expect([cancelled.status, cancelled.headers.get('etag')]).toEqual([200, '"3"']);
    expect(await cancelled.json()).toMatchObject({ status: 'cancelled', version: 3 });
    // * names whatever version it is at: what refuses this one is that it is cancelled.
    expect(await (await service.fetch(`/v1/declarations/${id}`, { method: 'DELETE', headers: { 'if-match': '*' } })).json()).toMatchObject({ status: 409, code: 'declaration-closed' });

    const other = (await (await declare({ regions: ['GH'], from: '2026-06-20T00:00:00Z', until: '2026-06-21T00:00:00Z', reason: 'Run-off in GH' })).json()) as DeclarationView;
    expect(await (await service.fetch(`/v1/declarations/${other.id}`, { method: 'DELETE', headers: { 'if-match': '*' } })).json()).toMatchObject({ status: 'cancelled', version: 2 });
    // A page has no version of its own, and a refusal is no resource: neither is tagged.
    expect((await service.fetch('/v1/declarations')).headers.get('etag')).toBeNull();
    expect((await declare({ regions: ['GH'], from: '2026-06-20T00:00:00Z', until: '2026-06-01T00:00:00Z', reason: 'Backwards' })).headers.get('etag')).toBeNull();
  });
});

describe('impact-analyzer: declarations that would break the contract, or cannot move at all', () => {
  let service: ServiceUnderTest;
  let surges: Awaited<ReturnType<typeof recordEvents>>;
  const clock = new ManualClock('2026-06-10T12:00:00Z');
  const declare = (body: unknown) => service.fetch(`/v1/declarations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const statusOf = async (id: string) => ((await (await service.fetch(`/v1/declarations/${id}`)).json()) as DeclarationView).status;
  const runJobs = () => service.app.get(AnalyzerJobsService).runOnce();
  const eventsIn = (region: string) => surges.events().filter((event) => event.data.region === region);

  beforeAll(async () => {
    service = await startServiceUnderTest(analyzerService, { clock, environment: { ANALYZER_JOB_INTERVAL_MS: '600000' } });
    surges = await recordEvents(service);
  });

  afterAll(async () => {
    await surges?.stop();
    await service?.close();
  });

  it('ends and cancels a declaration whose reason is as long as allowed, the surge.cleared reason cut to the contract', async () => {
    const reason = 'r'.repeat(2000);
    const ending = (await (await declare({ regions: ['IR'], from: '2026-06-10T00:00:00Z', until: '2026-06-11T00:00:00Z', reason })).json()) as DeclarationView;
    const cancelled = (await (await declare({ regions: ['NP'], from: '2026-06-10T00:00:00Z', until: '2026-06-12T00:00:00Z', reason })).json()) as DeclarationView;
    expect([ending.status, cancelled.status]).toEqual(['active', 'active']);

    expect((await service.fetch(`/v1/declarations/${cancelled.id}`, { method: 'DELETE' })).status).toBe(200);
    clock.set('2026-06-11T00:00:01Z');
    await runJobs();
    expect(await statusOf(ending.id)).toBe('ended');
    await expectEventually(() => expect([...eventsIn('IR'), ...eventsIn('NP')].map((event) => `${event.type} ${event.data.region}`)).toEqual(['surge.started IR', 'surge.cleared IR', 'surge.started NP', 'surge.cleared NP']));
    for (const [region, prefix] of [['IR', 'Declared period ended: rrr'], ['NP', 'Declaration cancelled by platform/bootstrap: rrr']]) {
      const cleared = eventsIn(region).find((event) => event.type === 'surge.cleared')!.data.reason as string;
      expect(cleared).toHaveLength(2000);
      expect(cleared.startsWith(prefix) && cleared.endsWith('r…')).toBe(true);
    }
  });

  it('starts and ends the other declarations while one cannot move, and keeps that one due', async () => {
    // A row whose surge event the contract refuses (a region code in lower case, as only a hand-written row would have it).
    const stuck = '0190a7d2-6c4e-7b1a-9f3e-000000000001';
    await service.app
      .get(DataSource)
      .query(
        `INSERT INTO declaration (id, regions, starts_at, ends_at, reason, severity, status, declared_by, declared_at) VALUES ($1, '{ua}', '2026-06-11T00:30:00Z', '2026-06-20T00:00:00Z', 'stuck', 'major', 'scheduled', 'test', now())`,
        [stuck],
      );
    const other = (await (await declare({ regions: ['BD'], from: '2026-06-11T01:00:00Z', until: '2026-06-11T02:00:00Z', reason: 'Exams in BD' })).json()) as DeclarationView;

    clock.set('2026-06-11T01:00:05Z');
    await runJobs();
    expect(await statusOf(other.id)).toBe('active');
    clock.set('2026-06-11T02:00:05Z');
    await runJobs();
    expect(await statusOf(other.id)).toBe('ended');
    expect(await statusOf(stuck)).toBe('scheduled');
    await expectEventually(() => expect(eventsIn('BD').map((event) => event.type)).toEqual(['surge.started', 'surge.cleared']));
    expect(eventsIn('ua')).toEqual([]);
  });
});
