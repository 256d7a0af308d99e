import { createEvent } from '@holdfast/contracts';
import { MessagingRuntime } from '@holdfast/messaging';
import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// e2e/support is no Nx project: its private broker is how a spec stops a broker without stopping the shared one.
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { startPrivateBroker, type PrivateBroker } from '../../../e2e/support/private-broker';
import { analyzerService } from '../src/app.module';
import { LOCK_SERIES_CAP_REGIONS } from '../src/samples/series-cap.service';
import { SOURCE_LABELS_MAX } from '../src/samples/source-label';
import { postAll, postSamples } from './support/analyzer-harness';

interface SampleIntake {
  accepted: number;
  eventIds: string[];
  refused: { index: number; path: string; reason: string }[];
}

/** After every sample these specs send (2026-06-14 and 15), within SAMPLE_MAX_AGE_DAYS of all of them. */
const clock = new ManualClock('2026-06-15T12:00:00Z');

describe('impact-analyzer: POST /v1/samples refuses a metric past SERIES_MAX_PER_REGION by index, against the real broker and PostgreSQL', () => {
  let service: ServiceUnderTest;

  const metricsOf = async (region: string): Promise<{ metric: string; sampleCount: number }[]> => {
    const response = await service.fetch(`/v1/regions/${region}/baseline`);
    if (response.status !== 200) return [];
    const { metrics } = (await response.json()) as { metrics: { metric: string; sampleCount: number }[] };
    return metrics.map(({ metric, sampleCount }) => ({ metric, sampleCount })).sort((a, b) => a.metric.localeCompare(b.metric));
  };

  beforeAll(async () => {
    service = await startServiceUnderTest(analyzerService, { clock, environment: { SERIES_MAX_PER_REGION: '2' } });
  });

  afterAll(async () => {
    await service?.close();
  });

  it('refuses the samples of a region already at the cap and of the new metrics past it within the batch, keeps the rest, and dead-letters none of them', async () => {
    const stored = await postSamples(service, [
      { region: 'UA', metric: 'requests', at: '2026-06-14T21:00:00Z', value: 10 },
      { region: 'UA', metric: 'errors', at: '2026-06-14T21:00:00Z', value: 1 },
    ]);
    expect(((await stored.json()) as SampleIntake).accepted).toBe(2);
    await expectEventually(async () => expect((await metricsOf('UA')).map(({ metric }) => metric)).toEqual(['errors', 'requests']));

    // UA holds its two series; KE is fresh, and its first two new metrics in the batch's order are kept.
    const response = await postSamples(service, [
      { region: 'UA', metric: 'requests', at: '2026-06-14T21:05:00Z', value: 11 },
      { region: 'UA', metric: 'logins', at: '2026-06-14T21:05:00Z', value: 3 },
      { region: 'KE', metric: 'requests', at: '2026-06-14T21:05:00Z', value: 20 },
      { region: 'KE', metric: 'errors', at: '2026-06-14T21:05:00Z', value: 2 },
      { region: 'KE', metric: 'req_7f3a', at: '2026-06-14T21:05:00Z', value: 1 },
      { region: 'KE', metric: 'requests', at: '2026-06-14T21:10:00Z', value: 21 },
    ]);
    expect(response.status).toBe(202);
    // A receipt, no resource: nothing a condition could name (Express tagged it with a hash of its body).
    expect(response.headers.get('etag')).toBeNull();
    const intake = (await response.json()) as SampleIntake;
    expect(intake.accepted).toBe(4);
    expect(intake.eventIds).toHaveLength(4);
    expect(intake.refused).toEqual([
      {
        index: 1,
        path: 'samples.1.metric',
        reason:
          'metric logins would be a new series of UA, which has SERIES_MAX_PER_REGION (2) already: a metric name that carries an id or label values makes a series per sample; name the measurement, not the request',
      },
      { index: 4, path: 'samples.4.metric', reason: expect.stringMatching(/^metric req_7f3a would be a new series of KE, which has SERIES_MAX_PER_REGION \(2\) already/) },
    ]);

    // Once the batch is assessed, none of it was dead-lettered: what was accepted fitted under the cap.
    await expectEventually(async () => {
      expect(await metricsOf('UA')).toEqual([
        { metric: 'errors', sampleCount: 1 },
        { metric: 'requests', sampleCount: 2 },
      ]);
      expect(await metricsOf('KE')).toEqual([
        { metric: 'errors', sampleCount: 1 },
        { metric: 'requests', sampleCount: 2 },
      ]);
    });
    const deadLetters = (await (await service.fetch('/v1/dead-letters?topic=traffic.samples.v1')).json()) as { items: unknown[] };
    expect(deadLetters.items).toEqual([]);
    const metrics = await (await service.fetch('/metrics')).text();
    expect(metrics).toMatch(/holdfast_analyzer_samples_total\{[^}]*source="analyzer-spec"[^}]*outcome="refused"[^}]*\} 2\n/);
  });

  it('refuses a sample whose text holds NUL by its index and keeps the others; a NUL in a declaration or a query is a 400 naming the field, not a 500', async () => {
    const response = await postSamples(service, [
      { region: 'UA', at: '2026-06-14T21:15:00Z', value: 12, source: 'pipe\u0000line' },
      { region: 'UA', at: '2026-06-14T21:15:00Z', value: 12 },
    ]);
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ accepted: 1, refused: [{ index: 0, path: 'samples.0.source', reason: 'holds the NUL character (U+0000), which Holdfast cannot store: remove it' }] });

    // A pipeline's placeholder for "unknown" (the largest double) overflowed the detector's state: refused here by its index.
    const overflowing = await postSamples(service, [
      { region: 'UA', at: '2026-06-14T21:20:00Z', value: 1.7976931348623157e308 },
      { region: 'UA', at: '2026-06-14T21:20:00Z', value: 13 },
    ]);
    expect(overflowing.status).toBe(202);
    expect(await overflowing.json()).toMatchObject({ accepted: 1, refused: [{ index: 0, path: 'samples.0.value', reason: expect.stringContaining('must be at most 1e15') }] });

    const declaration = await service.fetch('/v1/declarations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ regions: ['UA'], from: '2026-06-14T22:00:00Z', until: '2026-06-14T23:00:00Z', reason: 'elec\u0000tion', severity: 'major' }),
    });
    expect(declaration.status).toBe(400);
    expect(await declaration.json()).toMatchObject({ code: 'invalid-body', errors: [{ path: 'reason' }] });
    const surges = await service.fetch('/v1/surges?region=U%00A');
    expect(surges.status).toBe(400);
    expect(await surges.json()).toMatchObject({ code: 'invalid-query', errors: [{ path: 'region', message: 'holds the NUL character (U+0000), which Holdfast cannot store: remove it' }] });
  });
});

describe('impact-analyzer: the samples metric’s source names, one budget a process for the consumer and POST /v1/samples', () => {
  let service: ServiceUnderTest;

  beforeAll(async () => {
    service = await startServiceUnderTest(analyzerService, { clock });
  });

  afterAll(async () => {
    await service?.close();
  });

  it('counts a new name refused over HTTP as other once the consumer has seen SOURCE_LABELS_MAX names, and a name the consumer saw under its own name', async () => {
    const counted = async (outcome: string) =>
      [...(await (await service.fetch('/metrics')).text()).matchAll(new RegExp(`holdfast_analyzer_samples_total\\{source="([^"]*)",outcome="${outcome}"[^}]*\\} (\\d+)`, 'g'))]
        .map(([, source, count]) => `${source} ${count}`)
        .sort();
    // Each of the names a pipeline of its own, all taken and counted by the consumer.
    const pipelines = Array.from({ length: SOURCE_LABELS_MAX }, (_, index) => `pipeline-${index}`);
    await postAll(
      service,
      pipelines.map((source, index) => ({ region: 'NP', at: new Date(Date.parse('2026-06-15T07:00:00Z') + index * 300_000).toISOString(), value: 100, source })),
    );
    await expectEventually(async () => expect(await counted('assessed')).toEqual(pipelines.map((source) => `${source} 1`).sort()));

    const response = await postSamples(service, [
      { region: 'ZZ', at: '2026-06-15T11:55:00Z', value: 1, source: 'pipeline-new' },
      { region: 'ZZ', at: '2026-06-15T11:55:00Z', value: 1, source: 'pipeline-7' },
      { region: 'NP', at: '2026-06-15T11:55:00Z', value: 1, source: 'pipeline-0' },
    ]);
    expect(response.status).toBe(202);
    expect(await counted('refused')).toEqual(['other 1', 'pipeline-7 1']);
  });
});

describe('impact-analyzer: a sample POST /v1/samples accepted at the edge of SAMPLE_MAX_AGE_DAYS, read by the samples consumer once past it, against the real broker and PostgreSQL', () => {
  // A clock of this describe's own: it moves.
  const edgeClock = new ManualClock('2026-06-15T12:00:00Z');
  let service: ServiceUnderTest;
  let holder: Client;

  const counted = async (): Promise<string[]> =>
    [...(await (await service.fetch('/metrics')).text()).matchAll(/holdfast_analyzer_samples_total\{source="sre-edge",outcome="([^"]*)"[^}]*\} (\d+)/g)].map(([, outcome, count]) => `${outcome} ${count}`).sort();

  beforeAll(async () => {
    service = await startServiceUnderTest(analyzerService, { clock: edgeClock });
    holder = new Client({ connectionString: service.database.url });
    await holder.connect();
  });

  afterAll(async () => {
    await holder?.end();
    await service?.close();
  });

  it('is assessed, not dead-lettered: the consumer judges its age as of when the intake took it, however long it waited in the log', async () => {
    // SAMPLE_MAX_AGE_DAYS (30) before the clock is 2026-05-16T12:00:00Z: both samples fall within it by seconds.
    const seed = await postSamples(service, [{ region: 'BD', metric: 'edge_requests', at: '2026-05-16T12:00:30Z', value: 10, source: 'sre-edge' }]);
    expect(seed.status).toBe(202);
    await expectEventually(async () => expect(await counted()).toEqual(['assessed 1']));

    // The consumer held up on a batch with a new series of BD, as after a restart with a backlog: it waits for the series count this holds.
    await holder.query('BEGIN');
    try {
      await holder.query(LOCK_SERIES_CAP_REGIONS, [['BD']]);
      await service.app
        .get(MessagingRuntime)
        .publisher.publish(createEvent('traffic.sample', { region: 'BD', metric: 'edge_blocker', at: '2026-06-15T11:55:00Z', value: 1, source: 'spec-blocker' }, { source: 'spec-blocker' }));
      await expectEventually(async () => {
        const { rows } = await holder.query<{ waiting: number }>(
          "SELECT count(*)::int AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        );
        expect(rows[0].waiting).toBe(1);
      });

      // edge_requests is stored already, so the intake takes the sample without that count: 202, 60 s within the bound.
      const edge = await postSamples(service, [{ region: 'BD', metric: 'edge_requests', at: '2026-05-16T12:01:00Z', value: 11, source: 'sre-edge' }]);
      expect(edge.status).toBe(202);
      expect(await edge.json()).toMatchObject({ accepted: 1, refused: [] });
      // Two minutes pass before the consumer reads it: by its clock now, the sample is 60 s past the bound.
      edgeClock.advance(120_000);
    } finally {
      await holder.query('ROLLBACK');
    }

    await expectEventually(async () => expect((await counted()).reduce((sum, line) => sum + Number(line.split(' ')[1]), 0)).toBe(2));
    expect(await counted()).toEqual(['assessed 2']);
    const deadLetters = (await (await service.fetch('/v1/dead-letters?topic=traffic.samples.v1')).json()) as { items: { reason: string }[] };
    expect(deadLetters.items.map((letter) => letter.reason)).toEqual([]);
  });
});

describe('impact-analyzer: POST /v1/samples while its broker is away answers 503 within SAMPLE_PUBLISH_TIMEOUT_MS', () => {
  let broker: PrivateBroker;
  let service: ServiceUnderTest;

  beforeAll(async () => {
    // A broker of this file's own, so stopping it leaves the shared one to every other spec.
    broker = await startPrivateBroker('sample-publish-timeout');
    service = await startServiceUnderTest(analyzerService, { clock, environment: { KAFKA_BROKERS: broker.config.brokers.join(','), SAMPLE_PUBLISH_TIMEOUT_MS: '500' } });
  });

  afterAll(async () => {
    try {
      // Back first: stopping while its broker is away, the service waits out kafkajs's retries on the way down and fails.
      await broker?.start();
      await service?.close();
    } finally {
      // Whatever happened above: a broker left running outlives the run and holds 400 MB.
      await broker?.remove();
    }
  });

  it("answers the same 503 as any Kafka failure, naming Kafka with Retry-After, long before kafkajs's retries (about 13 s) run out", async () => {
    await broker.stop();
    const started = Date.now();
    const response = await postSamples(service, [{ region: 'NP', at: clock.now().toISOString(), value: 1 }]);
    const elapsedMs = Date.now() - started;

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toEqual({
      type: 'https://holdfast.dev/problems/dependency-unavailable',
      title: 'Service Unavailable',
      status: 503,
      code: 'dependency-unavailable',
      dependency: 'Kafka',
      retryAfterSeconds: 5,
      instance: '/v1/samples',
      detail: expect.stringMatching(/^Kafka did not acknowledge the accepted samples within SAMPLE_PUBLISH_TIMEOUT_MS \(500 ms\): some, all or none of them may have been published\. Send the batch again before any newer sample of the same series: .* a sample sent after a newer one of its series went through is accepted and never assessed \(counted late in holdfast_analyzer_samples_total\)/),
    });
    // A behaviour bound, not a speed goal: the 500 ms timeout answers, not kafkajs giving up.
    expect(elapsedMs).toBeLessThan(5_000);
  });
});
