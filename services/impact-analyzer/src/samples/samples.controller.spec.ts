import type { HoldfastEvent } from '@holdfast/contracts';
import type { MessagingRuntime } from '@holdfast/messaging';
import { MetricsRegistry } from '@holdfast/observability';
import { RegionCatalog } from '@holdfast/regions';
import { DomainError, type ServiceConfig } from '@holdfast/service-kit';
import { ManualClock } from '@holdfast/testing';
import { describe, expect, it } from 'vitest';
import { analyzerService } from '../app.module';
import type { AnalyzerSettings } from '../config/analyzer-settings';
import { SamplesController } from './samples.controller';
import type { SeriesCapService } from './series-cap.service';
import { SourceLabels } from './source-label';

describe('POST /v1/samples', () => {
  /** The controller on a clock at 2026-06-14T21:00:00Z with the default settings, no region at its series cap, and what it published. */
  const intake = () => {
    const published: HoldfastEvent<'traffic.sample'>[] = [];
    const messaging = { publisher: { publish: async (...events: HoldfastEvent<'traffic.sample'>[]) => void published.push(...events) } };
    const clock = new ManualClock('2026-06-14T21:00:00Z');
    // What the series count does while the intake waits for it (SeriesCapService.admit), besides refusing nothing.
    const counting = { meanwhile: () => {} };
    const seriesCap = {
      admit: async () => {
        counting.meanwhile();
        return new Map();
      },
    };
    const config = analyzerService.configFromEnvironment({}) as ServiceConfig<AnalyzerSettings>;
    const metrics = new MetricsRegistry('impact-analyzer', false);
    const controller = new SamplesController(messaging as unknown as MessagingRuntime, new RegionCatalog(), clock, seriesCap as unknown as SeriesCapService, config, new SourceLabels(), metrics);
    return { controller, published, metrics, clock, counting };
  };
  const sample = (at: string, fields: Record<string, unknown> = {}) => ({ region: 'IR', metric: 'requests', at, value: 100, source: 'pipeline', ...fields });

  it('refuses a sample stamped with a zero time (Go, Unix) by its index, naming it, and takes the rest', async () => {
    const { controller, published } = intake();
    const answer = await controller.intake({
      samples: [sample('0001-01-01T00:00:00Z'), sample('2026-06-14T20:55:00Z'), sample('1970-01-01T00:00:00.000Z'), sample('1970-01-01T00:00:00+00:00', { region: 'DE' })],
    });
    expect(answer.accepted).toBe(1);
    expect(answer.refused).toEqual([
      { index: 0, path: 'samples.0.at', reason: "at 0001-01-01T00:00:00Z is Go's zero time, which a pipeline writes for a time it never set: stamp each sample with the instant it measures" },
      { index: 2, path: 'samples.2.at', reason: expect.stringMatching(/^at 1970-01-01T00:00:00.000Z is the Unix epoch, which a pipeline writes for a time it never set/) },
      { index: 3, path: 'samples.3.at', reason: expect.stringContaining('is the Unix epoch') },
    ]);
    expect(published.map((event) => event.data.at)).toEqual(['2026-06-14T20:55:00Z']);
  });

  it('refuses a sample older than SAMPLE_MAX_AGE_DAYS by its index, naming its age, counts it refused, and takes those late by minutes, hours or days', async () => {
    const { controller, published, metrics } = intake();
    // The clock reads 2026-06-14T21:00:00Z.
    const answer = await controller.intake({
      samples: [
        sample('2026-06-14T20:55:00Z'),
        sample('1970-01-21T12:00:00Z'),
        sample('2026-06-14T09:00:00Z', { region: 'DE' }),
        sample('2025-06-14T21:00:00Z', { region: 'DE' }),
        sample('2026-05-20T21:00:00Z', { region: 'JP' }),
      ],
    });
    expect(answer.accepted).toBe(3);
    expect(answer.refused).toEqual([
      { index: 1, path: 'samples.1.at', reason: expect.stringMatching(/^at 1970-01-21T12:00:00Z is 20\d{3} days before the analyzer's clock \(2026-06-14T21:00:00.000Z\); samples older than SAMPLE_MAX_AGE_DAYS \(30\) are refused/) },
      { index: 3, path: 'samples.3.at', reason: expect.stringMatching(/^at 2025-06-14T21:00:00Z is 365 days before the analyzer's clock/) },
    ]);
    expect(published.map((event) => `${event.data.region} ${event.data.at}`)).toEqual(['IR 2026-06-14T20:55:00Z', 'DE 2026-06-14T09:00:00Z', 'JP 2026-05-20T21:00:00Z']);
    expect(await metrics.registry.getSingleMetricAsString('holdfast_analyzer_samples_total')).toMatch(/holdfast_analyzer_samples_total\{source="pipeline",outcome="refused",service="impact-analyzer"\} 2/);
  });

  it('counts each refused sample under its own source, as the consumer counts its refusals, and one whose source does not read as a pipeline name under the empty source, which no pipeline can send', async () => {
    const { controller, metrics } = intake();
    const refused = async () =>
      [...(await metrics.registry.getSingleMetricAsString('holdfast_analyzer_samples_total')).matchAll(/\{source="([^"]*)",outcome="refused"[^}]*\} (\d+)/g)].map(([, source, count]) => `${source} ${count}`);
    await controller.intake({
      samples: [
        sample('2026-06-14T20:55:00Z', { source: 'sre-r5' }),
        sample('2026-06-14T20:55:00Z', { source: 'sre-r5', region: 'ZZ' }),
        // Malformed, its source still read; twice wrong, counted once.
        sample('2026-06-14T20:55:00Z', { source: 'sre-r5', region: 'ZZ', value: -1 }),
        sample('2026-06-14T20:55:00Z', { source: 'sre-r5' }),
        sample('2026-06-14T20:55:00Z', { source: '' }),
        { region: 'IR', metric: 'requests', at: '2026-06-14T20:56:00Z', value: 1 },
        // A pipeline that names itself http is counted as itself, apart from the samples that name none.
        sample('2026-06-14T20:55:00Z', { source: 'http', region: 'ZZ' }),
      ],
    });
    // The empty source shows as the line's leading space.
    expect(await refused()).toEqual(['sre-r5 3', ' 2', 'http 1']);

    // Bounded as the consumer bounds it: the first SOURCE_LABELS_MAX (50) names a series each, sre-r5 and http among them, later ones other.
    await controller.intake({ samples: [sample('2026-06-14T20:55:00Z'), ...Array.from({ length: 50 }, (_, n) => sample('2026-06-14T20:55:00Z', { region: 'ZZ', source: `pipeline-${n}` }))] });
    expect(await refused()).toEqual(['sre-r5 3', ' 2', 'http 1', ...Array.from({ length: 48 }, (_, n) => `pipeline-${n} 1`), 'other 2']);
  });

  it('names the field an unknown one in a sample most likely meant, as every body refusal does', async () => {
    const { controller } = intake();
    const answer = await controller.intake({ samples: [sample('2026-06-14T20:55:00Z'), { region: 'IR', metric: 'requests', at: '2026-06-14T20:56:00Z', valu: 5, source: 'pipeline' }] });
    expect(answer.refused).toContainEqual({ index: 1, path: 'samples.1.valu', reason: 'is not a field of this request; did you mean value?' });
  });

  it('stamps each event with the clock its samples were checked against, so an accepted sample is never further ahead of its event than allowed', async () => {
    const { controller, published } = intake();
    // The clock reads 2026-06-14T21:00:00Z; SAMPLE_MAX_AHEAD_SECONDS (300) takes a sample 30 s ahead of it.
    await controller.intake({ samples: [sample('2026-06-14T20:55:00Z'), sample('2026-06-14T21:00:30Z', { region: 'DE' })] });
    expect(published.map((event) => [event.data.at, event.time])).toEqual([
      ['2026-06-14T20:55:00Z', '2026-06-14T21:00:00.000Z'],
      ['2026-06-14T21:00:30Z', '2026-06-14T21:00:00.000Z'],
    ]);
  });

  it('stamps each event with the instant its sample was judged, however long the series count took after: the consumer judges its age as of then', async () => {
    const { controller, published, clock, counting } = intake();
    counting.meanwhile = () => clock.advance(1_500);
    await controller.intake({ samples: [sample('2026-05-15T21:00:30Z')] });
    expect(published.map((event) => event.time)).toEqual(['2026-06-14T21:00:00.000Z']);
  });

  it('refuses a second sample of a series at one instant, which the detector would drop after its sender read "accepted", naming the first', async () => {
    const { controller, published } = intake();
    const answer = await controller.intake({
      samples: [
        sample('2026-06-14T20:55:00Z'),
        sample('2026-06-14T20:55:00Z', { value: 180 }),
        sample('2026-06-14T20:55:00Z', { metric: 'errors' }),
        sample('2026-06-14T20:55:00Z', { region: 'DE' }),
        // The same instant written with an offset, from another pipeline: still the series' second sample then.
        sample('2026-06-14T22:25:00+01:30', { source: 'other-pipeline' }),
        sample('2026-06-14T20:56:00Z'),
      ],
    });
    expect(answer.accepted).toBe(4);
    expect(answer.refused).toEqual([
      { index: 1, path: 'samples.1.at', reason: expect.stringMatching(/^samples\.0 of this batch is already the requests sample of IR at 2026-06-14T20:55:00Z: a series takes one sample an instant/) },
      { index: 4, path: 'samples.4.at', reason: expect.stringMatching(/^samples\.0 of this batch is already the requests sample of IR at 2026-06-14T20:55:00.000Z/) },
    ]);
    expect(published.map((event) => `${event.data.region} ${event.data.metric} ${event.data.at} ${event.data.value}`)).toEqual([
      'IR requests 2026-06-14T20:55:00Z 100',
      'IR errors 2026-06-14T20:55:00Z 100',
      'DE requests 2026-06-14T20:55:00Z 100',
      'IR requests 2026-06-14T20:56:00Z 100',
    ]);
  });

  it("takes a country code in any case as Kafka's outside intake does, and says what a time without an offset lacks", async () => {
    const { controller, published } = intake();
    const answer = await controller.intake({
      samples: [sample('2026-06-14T20:55:00Z', { region: 'de' }), sample('2026-06-14T20:55:00Z', { region: 'Jp' }), sample('2026-06-14T20:55:00'), sample('2026-06-14T20:56:00Z', { region: 'eu-west' })],
    });
    expect(published.map((event) => event.data.region)).toEqual(['DE', 'JP']);
    expect(answer.refused).toEqual([
      { index: 2, path: 'samples.2.at', reason: 'must be an instant, and 2026-06-14T20:55:00 has no offset, so it names none: write it in UTC (2026-06-14T20:55:00Z)' },
      { index: 3, path: 'samples.3.region', reason: expect.stringMatching(/^unknown region eu-west/) },
    ]);
  });

  it('says what a bad time may be instead: UTC (Z) or any offset, as the intake takes both, not the contract\'s "ending in Z"', async () => {
    const { controller } = intake();
    const answer = await controller.intake({ samples: [sample('2026-06-14T20:55:00Z'), sample('yesterday'), sample('2026-06-14T22:25:00+0130'), sample('2026-06-14T20:56:00Z', { region: 'Iran' })] });
    expect(answer.refused).toEqual([
      { index: 1, path: 'samples.1.at', reason: 'must be an RFC 3339 (ISO 8601) instant in UTC (Z) or with an offset, such as 2026-06-14T21:00:00Z or 2026-06-15T00:30:00+03:30' },
      { index: 2, path: 'samples.2.at', reason: 'must be an RFC 3339 (ISO 8601) instant in UTC (Z) or with an offset, such as 2026-06-14T21:00:00Z or 2026-06-15T00:30:00+03:30' },
      // A country code in lower case is taken: the refusal no longer asks for upper case.
      { index: 3, path: 'samples.3.region', reason: 'must be an ISO 3166-1 alpha-2 code (IR) or a custom lower-case code of 3-32 characters (eu-west)' },
    ]);
  });

  it('takes a time with a lower-case t or z, as RFC 3339 allows, kept as the same time in upper case would be', async () => {
    const { controller, published } = intake();
    const answer = await controller.intake({
      samples: [sample('2026-06-14t20:55:00z'), sample('2026-06-14T20:56:00z'), sample('2026-06-14t22:27:00+01:30'), sample('2026-06-14t20:58:00.5Z')],
    });
    expect(answer.refused).toEqual([]);
    expect(published.map((event) => event.data.at)).toEqual(['2026-06-14T20:55:00Z', '2026-06-14T20:56:00Z', '2026-06-14T20:57:00.000Z', '2026-06-14T20:58:00.5Z']);
  });

  it('tells every problem of a sample at once: a malformed field, an unknown region and a time out of bounds together', async () => {
    const { controller, published } = intake();
    const refusal = await controller
      .intake({ samples: [sample('2026-06-14T20:55:00Z', { region: 'ZZ', value: -1 }), sample('1970-01-01T00:00:00Z', { region: 'zz', metric: 'a/b' }), sample('2026-06-14T20:55:00Z', { region: 'ZZ' })] })
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(DomainError);
    expect(refusal).toMatchObject({
      code: 'no-sample-accepted',
      status: 400,
      extensions: {
        errors: [
          { path: 'samples.0.value', message: 'must be a finite number >= 0' },
          { path: 'samples.0.region', message: 'unknown region ZZ: use an ISO 3166-1 alpha-2 code or a custom region from HOLDFAST_CUSTOM_REGIONS' },
          { path: 'samples.1.metric', message: expect.stringMatching(/^must be a metric name/) },
          { path: 'samples.1.region', message: expect.stringMatching(/^unknown region ZZ:/) },
          { path: 'samples.1.at', message: expect.stringMatching(/^at 1970-01-01T00:00:00Z is the Unix epoch/) },
          { path: 'samples.2.region', message: expect.stringMatching(/^unknown region ZZ:/) },
        ],
      },
    });
    expect(published).toEqual([]);
  });

  it('answers 400 when every sample is refused, each named', async () => {
    const { controller, published } = intake();
    const refusal = await controller.intake({ samples: [sample('0001-01-01T00:00:00Z')] }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(DomainError);
    expect(refusal).toMatchObject({ code: 'no-sample-accepted', status: 400, extensions: { errors: [{ path: 'samples.0.at', message: expect.stringContaining("Go's zero time") }] } });
    expect(published).toEqual([]);
  });
});
