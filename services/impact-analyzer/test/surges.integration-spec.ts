import { everyPage, expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzerService } from '../src/app.module';
import { postSamples, recordEvents, type SampleInput } from './support/analyzer-harness';

interface SurgeView {
  id: string;
  region: string;
  status: string;
  reason: string;
  clearedReason: string | null;
  startedAt: string;
  peakValue: number;
  causeEventId: string;
  evidence: { support: string; baseline: number };
}

/** After every sample these specs send (2026-06-14 and 15), within SAMPLE_MAX_AGE_DAYS of all of them. */
const clock = new ManualClock('2026-06-15T12:00:00Z');

describe('impact-analyzer: HTTP sample intake and the warm-up rule, against the real broker and PostgreSQL', () => {
  let service: ServiceUnderTest;
  let surgeEvents: Awaited<ReturnType<typeof recordEvents>>;

  const surgesIn = async (region: string): Promise<SurgeView[]> => {
    const { items } = (await (await service.fetch(`/v1/surges?region=${region}`)).json()) as { items: SurgeView[] };
    return items;
  };
  const sampleCount = async (region: string): Promise<number | undefined> => {
    const response = await service.fetch(`/v1/regions/${region}/baseline`);
    return response.status === 200 ? ((await response.json()) as { metrics: { sampleCount: number }[] }).metrics[0].sampleCount : undefined;
  };

  beforeAll(async () => {
    service = await startServiceUnderTest(analyzerService, {
      clock,
      environment: {
        // JP warms up under an absolute ceiling; every other region makes no decision while warming up.
        ANALYZER_DETECTION: JSON.stringify({
          defaults: { coolDownSamples: 2 },
          regions: {
            JP: { warmupCeiling: 1_000 },
            BR: { warmupSamples: 40, minimumVolume: 10_000 },
            AR: { warmupSamples: 40 },
            CL: { warmupSamples: 40, minimumVolume: 1_000, directions: ['down'] },
            UY: { warmupSamples: 40 },
          },
        }),
        SAMPLE_BATCH_MAX: '7',
      },
    });
    surgeEvents = await recordEvents(service);
  });

  afterAll(async () => {
    await surgeEvents?.stop();
    await service?.close();
  });

  it('while warming up, a region with a ceiling surges on it and clears after its cool-down; one without makes no decision', async () => {
    const intake = await postSamples(service, [
      { region: 'JP', value: 400, at: '2026-06-14T20:55:00Z' },
      { region: 'JP', value: 1_500, at: '2026-06-14T21:00:00Z' },
      { region: 'JP', value: 2_500, at: '2026-06-14T21:05:00Z' },
      { region: 'JP', value: 300, at: '2026-06-14T21:10:00Z' },
      { region: 'JP', value: 300, at: '2026-06-14T21:15:00Z' },
    ]);
    expect(intake.status).toBe(202);
    const { eventIds } = (await intake.json()) as { eventIds: string[] };
    await expectEventually(() => expect(surgeEvents.events().filter((e) => e.data.region === 'JP').map((e) => e.type)).toEqual(['surge.started', 'surge.cleared']));
    const [surge] = await surgesIn('JP');
    // Its peak is the highest sample while it lasted (2,500), not the one it started on (1,500).
    expect(surge).toMatchObject({ status: 'cleared', causeEventId: eventIds[1], evidence: { support: 'ceiling', baseline: 1_000 }, peakValue: 2_500 });
    // Cleared, it still says why it surged; why it ended is its clearedReason, as the surge.cleared event says.
    const [started, cleared] = surgeEvents.events().filter((e) => e.data.region === 'JP');
    expect(surge.reason).toBe('requests in JP reached 1500, at or above the warm-up ceiling 1000 (the seasonal baseline is still learning)');
    expect(surge.reason).toBe(started.data.reason);
    expect(surge.clearedReason).toBe('requests in JP stayed below the warm-up ceiling 1000 for 2 samples');
    expect(surge.clearedReason).toBe(cleared.data.reason);
    expect(await (await service.fetch(`/v1/surges/${surge.id}`)).json()).toEqual(surge);
    expect(started.key).toBe('JP');
    expect(started.headers.ce_correlationid).toBe(eventIds[1]);
    expect(started.data).toMatchObject({ surgeId: surge.id, region: 'JP', source: 'detector', severity: 'minor', startedAt: '2026-06-14T21:00:00.000Z' });
    expect(cleared.data).toMatchObject({ surgeId: surge.id, clearedAt: '2026-06-14T21:15:00.000Z' });

    await postSamples(service, [
      { region: 'KR', value: 400, at: '2026-06-14T20:55:00Z' },
      { region: 'KR', value: 900_000, at: '2026-06-14T21:00:00Z' },
    ]);
    await expectEventually(async () => expect(await sampleCount('KR')).toBe(2));
    expect(await surgesIn('KR')).toEqual([]);
  });

  it('publishes no surge for a region below its minimum volume, however large the deviation', async () => {
    const flat = (region: string) =>
      Array.from({ length: 45 }, (_, i) => ({ region, at: new Date(Date.parse('2026-06-14T00:00:00Z') + i * 300_000).toISOString(), value: 100 + ((i * 7) % 11) }));
    const spike = (region: string) => ({ region, at: '2026-06-14T03:45:00Z', value: 2_000 });
    for (const region of ['BR', 'AR']) {
      await postSamples(service, flat(region).slice(0, 5));
      for (let start = 5; start < 45; start += 5) await postSamples(service, flat(region).slice(start, start + 5));
      await postSamples(service, [spike(region)]);
      await expectEventually(async () => expect(await sampleCount(region)).toBe(46));
    }
    await expectEventually(() => expect(surgeEvents.events().filter((e) => e.data.region === 'AR').map((e) => e.type)).toEqual(['surge.started']));
    expect(await surgesIn('br')).toEqual([]);
    expect((await surgesIn('ar')).map((surge) => surge.region)).toEqual(['AR']);
  });

  it('starts a surge for a busy region whose traffic collapses below its minimum volume', async () => {
    const busy = Array.from({ length: 45 }, (_, i) => ({ region: 'CL', at: new Date(Date.parse('2026-06-14T00:00:00Z') + i * 300_000).toISOString(), value: 10_000 + ((i * 7) % 11) * 10 }));
    for (let start = 0; start < 45; start += 5) await postSamples(service, busy.slice(start, start + 5));
    await postSamples(service, [{ region: 'CL', at: '2026-06-14T03:45:00Z', value: 0 }]);
    await expectEventually(async () => expect(await sampleCount('CL')).toBe(46));
    await expectEventually(() => expect(surgeEvents.events().filter((e) => e.data.region === 'CL').map((e) => e.type)).toEqual(['surge.started']));
  });

  it("keeps a surge's highest sample as its peakValue while it lasts, though no surge.updated carries it", async () => {
    const typesIn = (region: string) => surgeEvents.events().filter((e) => e.data.region === region).map((e) => e.type);
    const flat = Array.from({ length: 45 }, (_, i) => ({ region: 'UY', at: new Date(Date.parse('2026-06-14T00:00:00Z') + i * 300_000).toISOString(), value: 1_000 + ((i * 7) % 11) * 10 }));
    for (let start = 0; start < 45; start += 7) await postSamples(service, flat.slice(start, start + 7));
    // The first sample of an hour the series has not seen yet.
    await postSamples(service, [{ region: 'UY', at: '2026-06-14T04:00:00Z', value: 60_000 }]);
    await expectEventually(() => expect(typesIn('UY')).toEqual(['surge.started']));
    // Higher in a batch of its own, then higher still and a little lower in one batch: its score, judged against the
    // level before the surge, grew by less than the half that makes an update, and no end could be told yet.
    await postSamples(service, [{ region: 'UY', at: '2026-06-14T04:05:00Z', value: 70_000 }]);
    await postSamples(service, [
      { region: 'UY', at: '2026-06-14T04:10:00Z', value: 85_000 },
      { region: 'UY', at: '2026-06-14T04:15:00Z', value: 80_000 },
    ]);
    await expectEventually(async () => expect(await sampleCount('UY')).toBe(49));
    expect(typesIn('UY')).toEqual(['surge.started']);
    expect(await surgesIn('UY')).toMatchObject([{ status: 'active', peakValue: 85_000 }]);
  });

  it('keeps the good samples of a batch and refuses each bad one with its index and reason', async () => {
    const malformed = (sample: object) => sample as SampleInput;
    const response = await postSamples(service, [
      { region: 'DE', value: 5, at: '2026-06-14T21:00:00Z' },
      { region: 'DE', value: 5, at: '2026-06-14 21:05' },
      { region: 'ZZ', value: 5, at: '2026-06-14T21:05:00Z' },
      { region: 'DE', value: 6, at: '2026-06-14T21:10:00Z' },
      malformed({ region: 'DE', value: 7, at: '2026-06-14T21:15:00Z', host: 'web-1' }),
      malformed({ region: 'DE', at: '2026-06-14T21:15:00Z' }),
    ]);
    expect(response.status).toBe(202);
    const body = (await response.json()) as { accepted: number; eventIds: string[]; refused: { index: number; path: string; reason: string }[] };
    expect(body.accepted).toBe(2);
    expect(body.eventIds).toHaveLength(2);
    expect(body.refused).toEqual([
      { index: 1, path: 'samples.1.at', reason: 'must be an RFC 3339 (ISO 8601) instant in UTC (Z) or with an offset, such as 2026-06-14T21:00:00Z or 2026-06-15T00:30:00+03:30' },
      { index: 2, path: 'samples.2.region', reason: expect.stringContaining('unknown region ZZ') },
      { index: 4, path: 'samples.4.host', reason: 'is not a field of this request' },
      { index: 5, path: 'samples.5.value', reason: 'is required but missing' },
    ]);
    await expectEventually(async () => expect(await sampleCount('DE')).toBe(2));
    const metrics = await (await service.fetch(`/metrics`)).text();
    expect(metrics).toMatch(/holdfast_analyzer_samples_total\{[^}]*source="analyzer-spec"[^}]*outcome="refused"[^}]*\} 4/);
    expect(metrics).toMatch(/holdfast_analyzer_samples_total\{[^}]*source="analyzer-spec"[^}]*outcome="assessed"[^}]*\} \d+/);
  });

  it('takes a time written with an offset as its UTC instant (Python writes +00:00) and refuses one without any; the baseline is read by metric, a mistyped filter refused', async () => {
    const response = await postSamples(service, [
      { region: 'NZ', value: 5, at: '2026-06-15T09:10:00+12:00' },
      { region: 'NZ', value: 5, at: '2026-06-14T21:05:00.250000+00:00' },
      { region: 'NZ', value: 5, at: '2026-06-15T09:15:00' },
    ]);
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ accepted: 2, refused: [{ index: 2, path: 'samples.2.at', reason: expect.stringContaining('2026-06-15T09:15:00 has no offset, so it names none') }] });
    await expectEventually(async () => {
      const baseline = (await (await service.fetch('/v1/regions/NZ/baseline')).json()) as { metrics: { sampleCount: number; lastSampleAt: string }[] };
      expect(baseline.metrics).toMatchObject([{ sampleCount: 2, lastSampleAt: '2026-06-14T21:10:00.000Z' }]);
    });
    expect(((await (await service.fetch('/v1/regions/NZ/baseline?metric=requests')).json()) as { metrics: unknown[] }).metrics).toHaveLength(1);
    const mistyped = await service.fetch('/v1/regions/NZ/baseline?metrics=requests');
    expect(mistyped.status).toBe(400);
    expect(await mistyped.json()).toMatchObject({ code: 'invalid-query', errors: [{ path: 'metrics' }] });
  });

  it('answers a batch with nothing good in it, or one too large, with a problem document', async () => {
    const none = await postSamples(service, [{ region: 'DE', value: -1, at: '2026-06-14T21:00:00Z' }]);
    expect(none.status).toBe(400);
    expect(await none.json()).toMatchObject({ code: 'no-sample-accepted', errors: [{ path: 'samples.0.value' }] });

    const tooMany = await postSamples(service, Array.from({ length: 8 }, (_, i) => ({ region: 'DE', value: 1, at: `2026-06-14T22:0${i}:00Z` })));
    expect(tooMany.status).toBe(413);
    expect(await tooMany.json()).toMatchObject({ code: 'batch-too-large' });
  });

  it('pages through surges newest first, each once, by following nextCursor; a cursor it did not give out is a 400', async () => {
    const now = clock.nowMs();
    const declare = async (regions: string[], from: number) => {
      const body = { regions, from: new Date(from).toISOString(), until: new Date(now + 86_400_000).toISOString(), reason: 'paging' };
      const response = await service.fetch('/v1/declarations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(response.status).toBe(201);
    };
    // Three surges start at one instant, so the id has to order them.
    await declare(['FR', 'GB', 'IT'], now - 7_200_000);
    await declare(['ES', 'PL'], now - 3_600_000);

    const pages = await everyPage<SurgeView>((cursor) => service.fetch(`/v1/surges?source=declaration&limit=2${cursor ? `&cursor=${cursor}` : ''}`));
    const paged = pages.flat();
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    expect(paged.map((surge) => surge.region).sort()).toEqual(['ES', 'FR', 'GB', 'IT', 'PL']);
    const newestFirst = (a: SurgeView, b: SurgeView) => (a.startedAt === b.startedAt ? (a.id < b.id ? 1 : -1) : a.startedAt < b.startedAt ? 1 : -1);
    expect(paged).toEqual([...paged].sort(newestFirst));
    // Without a limit the first page is the whole list, as before there were pages.
    expect(await (await service.fetch('/v1/surges?source=declaration')).json()).toEqual({ items: paged, nextCursor: null });

    const forged = await service.fetch('/v1/surges?cursor=bm90LWEtY3Vyc29y');
    expect(forged.status).toBe(400);
    expect(await forged.json()).toMatchObject({ code: 'invalid-cursor', errors: [{ path: 'cursor' }] });
    // A limit out of 1-500 is refused, as every other list refuses it, not read as the nearest bound.
    const tooMany = await service.fetch('/v1/surges?limit=501');
    expect(tooMany.status).toBe(400);
    expect(await tooMany.json()).toMatchObject({ code: 'invalid-query', errors: [{ path: 'limit', message: 'must be at most 500' }] });
    const unknown = await service.fetch('/v1/surges?page=2');
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ code: 'invalid-query', errors: [{ path: 'page', message: 'is not a field of this request' }] });

    // A country code in lower case is read as the catalog spells it; a code no region has is refused, not answered with no surge.
    expect(await (await service.fetch('/v1/surges?source=declaration&region=fr')).json()).toMatchObject({ items: [expect.objectContaining({ region: 'FR' })] });
    const noSuchRegion = await service.fetch('/v1/surges?region=UK');
    expect(noSuchRegion.status).toBe(422);
    expect(await noSuchRegion.json()).toMatchObject({ code: 'unknown-region', regions: ['UK'], errors: [{ path: 'region' }] });
    // An empty one (a script's unset variable) is refused as the planner's holds refuse it, not read as every region.
    const emptyRegion = await service.fetch('/v1/surges?region=&status=active');
    expect(emptyRegion.status).toBe(400);
    expect(await emptyRegion.json()).toMatchObject({ code: 'invalid-query', errors: [{ path: 'region', message: 'must not be empty' }] });
  });
});

describe('impact-analyzer: a warm-up ceiling surge once the ceiling is removed or raised, across a restart', () => {
  let service: ServiceUnderTest;
  let restarted: ServiceUnderTest | undefined;
  let surgeEvents: Awaited<ReturnType<typeof recordEvents>>;
  const detection = (regions: object) => ({ ANALYZER_DETECTION: JSON.stringify({ defaults: { coolDownSamples: 2 }, regions }) });
  const typesIn = (region: string) => surgeEvents.events().filter((e) => e.data.region === region).map((e) => e.type);

  beforeAll(async () => {
    service = await startServiceUnderTest(analyzerService, { clock, environment: detection({ JP: { warmupCeiling: 1_000 }, KR: { warmupCeiling: 1_000 } }) });
    surgeEvents = await recordEvents(service);
  });

  afterAll(async () => {
    await surgeEvents?.stop();
    // The restarted instance ran on the first one's database; its own empty one is dropped with it.
    await restarted?.close();
    await service?.close();
  });

  it('clears after the region cool-down of samples, as it would below the ceiling', async () => {
    for (const region of ['JP', 'KR']) {
      await postSamples(service, [
        { region, value: 400, at: '2026-06-14T20:55:00Z' },
        { region, value: 1_500, at: '2026-06-14T21:00:00Z' },
      ]);
    }
    await expectEventually(() => expect([typesIn('JP'), typesIn('KR')]).toEqual([['surge.started'], ['surge.started']]));

    await service.app.close();
    restarted = await startServiceUnderTest(analyzerService, {
      clock,
      topicPrefix: service.config.kafka.topicPrefix,
      environment: { DATABASE_URL: service.database.url, ...detection({ KR: { warmupCeiling: 5_000 } }) },
    });
    for (const region of ['JP', 'KR']) {
      await postSamples(restarted, [
        { region, value: 1_800, at: '2026-06-14T21:05:00Z' },
        { region, value: 1_900, at: '2026-06-14T21:10:00Z' },
      ]);
    }
    await expectEventually(() => expect([typesIn('JP'), typesIn('KR')]).toEqual([['surge.started', 'surge.cleared'], ['surge.started', 'surge.cleared']]));
    const cleared = (region: string) => surgeEvents.events().find((e) => e.data.region === region && e.type === 'surge.cleared')!.data;
    expect(cleared('JP')).toMatchObject({ clearedAt: '2026-06-14T21:10:00.000Z', reason: expect.stringContaining('no warm-up ceiling') });
    expect(cleared('KR')).toMatchObject({ clearedAt: '2026-06-14T21:10:00.000Z', reason: expect.stringContaining('below the warm-up ceiling 5000') });
  });
});
