import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzerService } from '../src/app.module';
import { LOCK_SERIES_CAP_REGIONS, SERIES_CAP_LOCK_WAIT_MS } from '../src/samples/series-cap.service';
import { postSamples, type SampleInput } from './support/analyzer-harness';

interface SampleIntake {
  accepted: number;
  refused: { index: number; path: string; reason: string }[];
}

const clock = new ManualClock('2026-06-15T12:00:00Z');
const AT = '2026-06-15T11:55:00Z';

describe('impact-analyzer: POST /v1/samples answers for SERIES_MAX_PER_REGION what the consumer then does, however requests follow one another, against the real broker and PostgreSQL', () => {
  let service: ServiceUnderTest;

  const samplesOf = (region: string, metrics: string[], at = AT): SampleInput[] => metrics.map((metric) => ({ region, metric, at, value: 1, source: 'sre-cap' }));
  /** Each metric a request took: refused ones named by index, every one of a 400 refused. */
  const takenBy = async (response: Response, sent: SampleInput[]): Promise<string[]> => {
    if (response.status === 400) return [];
    expect(response.status).toBe(202);
    const refused = new Set(((await response.json()) as SampleIntake).refused.map((refusal) => refusal.index));
    return sent.flatMap((sample, index) => (refused.has(index) ? [] : [sample.metric!]));
  };
  const stored = async (region: string): Promise<string[]> => {
    const response = await service.fetch(`/v1/regions/${region}/baseline`);
    if (response.status !== 200) return [];
    const { metrics } = (await response.json()) as { metrics: { metric: string; sampleCount: number }[] };
    return metrics.map(({ metric, sampleCount }) => `${metric} ${sampleCount}`).sort();
  };
  const deadLetters = async (): Promise<string[]> =>
    ((await (await service.fetch('/v1/dead-letters?topic=traffic.samples.v1')).json()) as { items: { reason: string }[] }).items.map((letter) => letter.reason);

  beforeAll(async () => {
    service = await startServiceUnderTest(analyzerService, { clock, environment: { SERIES_MAX_PER_REGION: '3' } });
  });

  afterAll(async () => {
    await service?.close();
  });

  it('counts the series a request before accepted, not yet assessed, so none of what it accepts is dead-lettered: back to back, or at once', async () => {
    // Back to back: the first takes two of ZA's three, so the second has room for one.
    const first = samplesOf('ZA', ['cap_a_0', 'cap_a_1']);
    const second = samplesOf('ZA', ['cap_b_0', 'cap_b_1', 'cap_b_2']);
    expect(await takenBy(await postSamples(service, first), first)).toEqual(['cap_a_0', 'cap_a_1']);
    const answer = await postSamples(service, second);
    expect(answer.status).toBe(202);
    expect(((await answer.json()) as SampleIntake).refused).toEqual([
      { index: 1, path: 'samples.1.metric', reason: expect.stringMatching(/^metric cap_b_1 would be a new series of ZA, which has SERIES_MAX_PER_REGION \(3\) already/) },
      { index: 2, path: 'samples.2.metric', reason: expect.stringMatching(/^metric cap_b_2 would be a new series of ZA/) },
    ]);

    // At once, as two replicas would take them: together they take JP's three, no more.
    const left = samplesOf('JP', ['cap_c_0', 'cap_c_1', 'cap_c_2']);
    const right = samplesOf('JP', ['cap_d_0', 'cap_d_1', 'cap_d_2']);
    const [leftAnswer, rightAnswer] = await Promise.all([postSamples(service, left), postSamples(service, right)]);
    const taken = [...(await takenBy(leftAnswer, left)), ...(await takenBy(rightAnswer, right))].sort();
    expect(taken).toHaveLength(3);

    // Every sample the answers called accepted is assessed, and none dead-lettered.
    await expectEventually(async () => {
      expect(await stored('ZA')).toEqual(['cap_a_0 1', 'cap_a_1 1', 'cap_b_0 1']);
      expect(await stored('JP')).toEqual(taken.map((metric) => `${metric} 1`));
    });
    expect(await deadLetters()).toEqual([]);
    const metrics = await (await service.fetch('/metrics')).text();
    expect(metrics).toMatch(/holdfast_analyzer_samples_total\{[^}]*source="sre-cap"[^}]*outcome="refused"[^}]*\} 5\n/);
    expect(metrics).toMatch(/holdfast_analyzer_samples_total\{[^}]*source="sre-cap"[^}]*outcome="assessed"[^}]*\} 6\n/);
  });

  it('gives a retired series its slot back, and keeps no row for a sample it refused: a retired metric sent again past the cap stays retired', async () => {
    const retire = (metric: string) => service.fetch(`/v1/regions/ZA/series/${metric}?reason=renamed`, { method: 'DELETE' });
    expect((await retire('cap_a_1')).status).toBe(200);
    // The freed slot goes to the first new metric in the batch's order; the retired one after it would be a fourth series.
    const batch = samplesOf('ZA', ['cap_e_0', 'cap_a_1'], '2026-06-15T11:56:00Z');
    expect(await takenBy(await postSamples(service, batch), batch)).toEqual(['cap_e_0']);
    await expectEventually(async () => expect(await stored('ZA')).toEqual(['cap_a_0 1', 'cap_b_0 1', 'cap_e_0 1']));

    // Retired in its turn, cap_e_0 leaves room for cap_a_1, which starts afresh.
    expect((await retire('cap_e_0')).status).toBe(200);
    const again = samplesOf('ZA', ['cap_a_1'], '2026-06-15T11:57:00Z');
    expect(await takenBy(await postSamples(service, again), again)).toEqual(['cap_a_1']);
    await expectEventually(async () => expect(await stored('ZA')).toEqual(['cap_a_0 1', 'cap_a_1 1', 'cap_b_0 1']));
    expect(await deadLetters()).toEqual([]);
  });
});

describe("impact-analyzer: POST /v1/samples while another holder counts its region's series (the samples consumer storing new ones) waits a bounded time, against the real broker and PostgreSQL", () => {
  let service: ServiceUnderTest;
  let holder: Client;

  beforeAll(async () => {
    service = await startServiceUnderTest(analyzerService, { clock });
    holder = new Client({ connectionString: service.database.url });
    await holder.connect();
  });

  afterAll(async () => {
    await holder?.end();
    await service?.close();
  });

  it('answers 503 with Retry-After once SERIES_CAP_LOCK_WAIT_MS has run out, having stored and published nothing, and takes the same batch once the count is free', async () => {
    const batch: SampleInput[] = [{ region: 'NP', metric: 'held_requests', at: AT, value: 7, source: 'sre-held' }];
    const post = () =>
      service.fetch('/v1/samples', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ samples: batch }),
        // A pipeline's own HTTP timeout: the answer must come well within it.
        signal: AbortSignal.timeout(15_000),
      });
    // As the samples consumer holds it for a batch with a new series of NP.
    await holder.query('BEGIN');
    await holder.query(LOCK_SERIES_CAP_REGIONS, [['NP']]);
    let response: Response;
    const started = Date.now();
    try {
      response = await post();
    } finally {
      await holder.query('ROLLBACK');
    }
    const elapsedMs = Date.now() - started;

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toEqual({
      type: 'https://holdfast.dev/problems/dependency-unavailable',
      title: 'Service Unavailable',
      status: 503,
      code: 'dependency-unavailable',
      dependency: 'PostgreSQL',
      retryAfterSeconds: 5,
      instance: '/v1/samples',
      detail: expect.stringMatching(/^The batch has series not stored yet, and the series count of their regions \(SERIES_MAX_PER_REGION\) stayed held for more than 2 s by the samples consumer, .* None of this batch was published or stored: send it again as it is in a few seconds\.$/),
    });
    // A behaviour bound, not a speed goal: the wait ran out, no sooner, and answered long before the caller's timeout.
    expect(elapsedMs).toBeGreaterThanOrEqual(SERIES_CAP_LOCK_WAIT_MS);
    expect(elapsedMs).toBeLessThan(SERIES_CAP_LOCK_WAIT_MS + 5_000);
    const reserved = await holder.query("SELECT metric FROM impact_analyzer.series_state WHERE region = 'NP'");
    expect(reserved.rows).toEqual([]);

    const again = await post();
    expect(again.status).toBe(202);
    expect(await again.json()).toMatchObject({ accepted: 1, refused: [] });
    await expectEventually(async () => {
      const { metrics } = (await (await service.fetch('/v1/regions/NP/baseline')).json()) as { metrics: { metric: string; sampleCount: number }[] };
      expect(metrics.map(({ metric, sampleCount }) => `${metric} ${sampleCount}`)).toEqual(['held_requests 1']);
    });
    // The 503'd attempt published nothing: had it, the consumer would have taken the sample twice (one a duplicate) or counted it in the metric.
    const counted = await (await service.fetch('/metrics')).text();
    expect(counted).toMatch(/holdfast_analyzer_samples_total\{[^}]*source="sre-held"[^}]*outcome="assessed"[^}]*\} 1\n/);
    expect(counted).not.toMatch(/holdfast_analyzer_samples_total\{[^}]*source="sre-held"[^}]*outcome="late"/);
    const deadLetters = (await (await service.fetch('/v1/dead-letters?topic=traffic.samples.v1')).json()) as { items: unknown[] };
    expect(deadLetters.items).toEqual([]);
  });
});
