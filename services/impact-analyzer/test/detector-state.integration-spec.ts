import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzerService } from '../src/app.module';
import { postAll, recordEvents, seasonalLevel, seasonalSeries } from './support/analyzer-harness';

const environment = { ANALYZER_DETECTION: JSON.stringify({ defaults: { warmupSamples: 200 } }) };
const ZONES: Record<string, string> = { IR: 'Asia/Tehran', NP: 'Asia/Kathmandu', BR: 'America/Sao_Paulo', DE: 'Europe/Berlin', PK: 'Asia/Karachi' };

/** After every sample these specs send (2026-06-14 and 15), within SAMPLE_MAX_AGE_DAYS of all of them. */
const clock = new ManualClock('2026-06-15T12:00:00Z');

describe('impact-analyzer: learned state lives in PostgreSQL, across a restart and a partition move', () => {
  let first: ServiceUnderTest;
  const others: ServiceUnderTest[] = [];
  let surges: Awaited<ReturnType<typeof recordEvents>>;

  /** Another replica of the same deployment: same database, same topics, same consumer group. */
  const replica = async () => {
    const started = await startServiceUnderTest(analyzerService, { clock, topicPrefix: first.config.kafka.topicPrefix, environment: { ...environment, DATABASE_URL: first.database.url } });
    others.push(started);
    return started;
  };
  const sampleCount = async (service: ServiceUnderTest, region: string) => {
    const response = await service.fetch(`/v1/regions/${region}/baseline`);
    return response.status === 200 ? ((await response.json()) as { metrics: { sampleCount: number }[] }).metrics[0].sampleCount : 0;
  };
  const learned = (service: ServiceUnderTest, region: string, count: number) =>
    expectEventually(async () => expect(await sampleCount(service, region)).toBe(count), { timeoutMs: 45_000, intervalMs: 200, message: `${region} learned ${count}` });
  const surge = (region: string, from: string, count: number) =>
    Array.from({ length: count }, (_, index) => {
      const at = new Date(Date.parse(from) + index * 5 * 60_000).toISOString();
      return { region, at, value: Math.round(5 * seasonalLevel(ZONES[region], at)) };
    });

  beforeAll(async () => {
    first = await startServiceUnderTest(analyzerService, { clock, environment });
    surges = await recordEvents(first);
  });

  afterAll(async () => {
    await surges?.stop();
    for (const other of others) await other.close();
    await first?.close();
  });

  it('a restarted instance goes on from the committed state: a surge right after the restart is judged warm', async () => {
    await postAll(first, seasonalSeries({ region: 'IR', zone: ZONES.IR, from: '2026-06-14T00:00:00Z', count: 250 }));
    await learned(first, 'IR', 250);
    await first.app.close();

    const restarted = await replica();
    // 250 samples end at 20:45 UTC on 14 June; the surge follows without a new warm-up.
    await postAll(restarted, surge('IR', '2026-06-14T20:50:00Z', 3));
    await learned(restarted, 'IR', 253);
    await expectEventually(() => expect(surges.events().filter((event) => event.data.region === 'IR').map((event) => event.type)[0]).toBe('surge.started'));
    await restarted.app.close();
  });

  it('replicas sharing the group and the database learn every sample exactly once while partitions move between them', async () => {
    const a = await replica();
    const regions = ['NP', 'BR', 'DE'];
    const series = Object.fromEntries(regions.map((region, i) => [region, seasonalSeries({ region, zone: ZONES[region], from: '2026-06-14T00:00:00Z', count: 240, seed: i + 3 })]));
    const part = (from: number, to: number) => regions.flatMap((region) => series[region].slice(from, to));

    await postAll(a, part(0, 80));
    // A second replica joins: the group rebalances and some partitions move to it mid-series.
    const b = await replica();
    await postAll(b, part(80, 160));
    for (const region of regions) await learned(a, region, 160);
    // The first replica leaves: its partitions move to the second, which finds their state where it was committed.
    await a.app.close();
    await postAll(b, part(160, 240));
    for (const region of regions) await learned(b, region, 240);
    await postAll(b, surge('DE', '2026-06-14T20:00:00Z', 3));
    await learned(b, 'DE', 243);
    await expectEventually(() => expect(surges.events().filter((event) => event.data.region === 'DE' && event.type === 'surge.started')).toHaveLength(1));
    expect(surges.events().filter((event) => ['NP', 'BR'].includes(event.data.region as string))).toEqual([]);
  });

  it('a surge whose series state cannot be read any more (another detector version wrote it) is cleared, not left holding for ever', async () => {
    const service = await replica();
    await postAll(service, seasonalSeries({ region: 'PK', zone: ZONES.PK, from: '2026-06-14T00:00:00Z', count: 250, seed: 11 }));
    await learned(service, 'PK', 250);
    await postAll(service, surge('PK', '2026-06-14T20:50:00Z', 3));
    const [started] = await expectEventually(() => {
      const found = surges.events().filter((event) => event.data.region === 'PK' && event.type === 'surge.started');
      expect(found).toHaveLength(1);
      return found;
    });
    // Replicas run on the first one's database (see replica()).
    const client = new Client({ connectionString: first.database.url });
    await client.connect();
    try {
      await client.query(`UPDATE impact_analyzer.series_state SET state = '{"version": 1}' WHERE region = 'PK'`);
    } finally {
      await client.end();
    }

    await postAll(service, [{ region: 'PK', at: '2026-06-14T21:05:00Z', value: Math.round(seasonalLevel(ZONES.PK, '2026-06-14T21:05:00Z')) }]);
    const cleared = await expectEventually(() => {
      const found = surges.events().find((event) => event.data.region === 'PK' && event.type === 'surge.cleared');
      expect(found).toBeDefined();
      return found!;
    });
    expect(cleared.data).toMatchObject({ surgeId: started.data.surgeId, reason: expect.stringContaining('stored state for this series could not be read') });
    await learned(service, 'PK', 1);
  });
});
