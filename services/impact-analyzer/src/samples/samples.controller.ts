import {
  createEvent,
  inContractForm,
  InstantSchema,
  OutsideTrafficSampleSchema,
  parseOutsidePayload,
  RegionCodeSchema,
  TrafficSampleSchema,
  type HoldfastEvent,
  type TrafficSample,
} from '@holdfast/contracts';
import { MessagingRuntime } from '@holdfast/messaging';
import { MetricsRegistry } from '@holdfast/observability';
import { RegionCatalog } from '@holdfast/regions';
import { ApiZodBody, Clock, dependencyUnavailable, DomainError, fieldProblems, InjectServiceConfig, type MeantFields, unstorableTextProblems, requestErrorMapNoting, RequireScope, type ServiceConfig, zodAnswerSchema, ZodBodyPipe } from '@holdfast/service-kit';
import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { AnalyzerSettings } from '../config/analyzer-settings';
import { SERVICE_NAME } from '../service-name';
import { sampleTimeRefusal } from './sample-time';
import { SAMPLES_IN_HELP, SourceLabels, UNREAD_SOURCE } from './source-label';
import { SERIES_CAP_LOCK_WAIT_MS, SeriesCapService, seriesKey } from './series-cap.service';

const SampleBatchSchema = z.strictObject({ samples: z.array(z.unknown()).min(1, 'must hold at least one sample') });
type SampleBatch = z.infer<typeof SampleBatchSchema>;

const SampleIntakeResultSchema = z.strictObject({
  accepted: z.number().int().meta({ description: 'how many samples were published' }),
  eventIds: z.array(z.uuid()).meta({ description: "each accepted sample's event id, in the batch's order" }),
  refused: z
    .array(z.strictObject({ index: z.number().int(), path: z.string().meta({ examples: ['samples.3.region'] }), reason: z.string() }))
    .meta({ description: 'each problem of a refused sample, by its index in the batch (a sample may have several); empty when all were taken' }),
});
export type SampleIntakeResult = z.infer<typeof SampleIntakeResultSchema>;

@ApiTags('samples')
@Controller('v1/samples')
export class SamplesController {
  private readonly samplesIn;

  constructor(
    private readonly messaging: MessagingRuntime,
    private readonly catalog: RegionCatalog,
    private readonly clock: Clock,
    private readonly seriesCap: SeriesCapService,
    @InjectServiceConfig() private readonly config: ServiceConfig<AnalyzerSettings>,
    private readonly sourceLabels: SourceLabels,
    metrics: MetricsRegistry,
  ) {
    // The same counter the detector counts in: refused here, a sample never reaches it.
    this.samplesIn = metrics.counter('holdfast_analyzer_samples_total', SAMPLES_IN_HELP, ['source', 'outcome']);
  }

  @Post()
  @RequireScope('samples:write')
  @HttpCode(202)
  @ApiOperation({
    summary:
      "Batch intake of traffic samples: each good one is published to traffic.samples.v1 and assessed from there; each bad one (malformed, of an unknown region, stamped ahead of the analyzer's clock or older than SAMPLE_MAX_AGE_DAYS, or a metric past its region's SERIES_MAX_PER_REGION) is refused by index and the rest kept",
  })
  @ApiZodBody(
    z.strictObject({
      samples: z
        .array(OutsideTrafficSampleSchema)
        .min(1)
        .meta({ description: 'at most SAMPLE_BATCH_MAX samples (1000 unless configured, 5000 at most)' }),
    }),
  )
  @ApiAcceptedResponse({
    description: 'The accepted samples were published to Kafka; `refused` names each sample left out and why',
    schema: zodAnswerSchema(SampleIntakeResultSchema),
  })
  @ApiResponse({
    status: 400,
    description:
      'invalid-json or invalid-body: the body is not {"samples":[...]} with at least one sample; no-sample-accepted: not one sample can be taken, each problem in errors ({path, message}, path samples.N.field)',
  })
  @ApiResponse({ status: 413, description: 'batch-too-large: more samples than SAMPLE_BATCH_MAX; split the batch' })
  @ApiResponse({
    status: 503,
    description:
      `dependency-unavailable (Retry-After: 5): Kafka did not take the samples within SAMPLE_PUBLISH_TIMEOUT_MS (some may have been published; send the batch again before any newer sample of its series, or the detector counts it late and never assesses it), or PostgreSQL, needed for a series not known yet, is away, or the series count of its regions stayed held over ${SERIES_CAP_LOCK_WAIT_MS / 1000} s by the samples consumer storing new series (nothing was published or stored: send the batch again as it is)`,
  })
  async intake(@Body(new ZodBodyPipe(SampleBatchSchema, { textCheckedByHandler: true })) batch: SampleBatch): Promise<SampleIntakeResult> {
    const max = this.config.settings.sampleBatchMax;
    if (batch.samples.length > max) {
      throw new DomainError('batch-too-large', 413, `A batch holds at most ${max} samples (SAMPLE_BATCH_MAX); this one has ${batch.samples.length}: split it.`);
    }
    const refused: SampleIntakeResult['refused'] = [];
    // Each refused sample's own source, as the consumer counts its refusals: undefined where it does not read as one.
    const refusedSources = new Map<number, string | undefined>();
    const wellFormed: { index: number; sample: TrafficSample }[] = [];
    const nowMs = this.clock.nowMs();
    // The index of each series' sample at each instant: the detector takes one and drops the others as duplicates.
    const firstAt = new Map<string, number>();
    batch.samples.forEach((raw, index) => {
      // Taken as Kafka's outside intake takes it: a time with an offset as its UTC instant, a country in upper case.
      const meant: MeantFields = new Map();
      const parsed = parseOutsidePayload('traffic.sample', raw, { error: requestErrorMapNoting(meant) });
      // The same wording as any refused body, each unknown field under its own path with the one it most likely meant.
      const problems = parsed.success ? unstorableTextProblems(parsed.data, '') : fieldProblems(parsed.error, '', meant);
      // The region and the time are checked whenever they parsed, the rest of the sample wrong or not, so its sender hears every problem at once.
      const { region: code, at, source } = parsed.success ? parsed.data : parsedFieldsOf(raw);
      const region = code === undefined ? undefined : this.catalog.find(code);
      if (code !== undefined && !region) problems.push({ path: 'region', message: `unknown region ${code}: use an ISO 3166-1 alpha-2 code or a custom region from HOLDFAST_CUSTOM_REGIONS` });
      const refusal = at === undefined ? undefined : sampleTimeRefusal(at, nowMs, this.config.settings);
      if (refusal) problems.push({ path: 'at', message: refusal });
      if (!parsed.success || !region || problems.length > 0) {
        refusedSources.set(index, source);
        for (const problem of problems) refused.push({ index, path: ['samples', index, problem.path].filter((part) => part !== '').join('.'), reason: problem.message });
        return;
      }
      const instant = `${seriesKey(region.code, parsed.data.metric)}\u0000${Date.parse(parsed.data.at)}`;
      const first = firstAt.get(instant);
      if (first !== undefined) {
        refusedSources.set(index, source);
        refused.push({ index, path: `samples.${index}.at`, reason: duplicateOf(first, region.code, parsed.data.metric, parsed.data.at) });
        return;
      }
      firstAt.set(instant, index);
      wellFormed.push({ index, sample: { ...parsed.data, region: region.code } });
    });
    // Counted, and the new series kept reserved, before the answer: the consumer then takes every sample it calls accepted, its own check left to Kafka producers.
    const overCap = await this.seriesCap.admit(wellFormed.map(({ sample }) => sample));
    const accepted: TrafficSample[] = [];
    for (const { index, sample } of wellFormed) {
      const reason = overCap.get(sample);
      if (reason) {
        refused.push({ index, path: `samples.${index}.metric`, reason });
        refusedSources.set(index, sample.source);
      } else accepted.push(sample);
    }
    refused.sort((a, b) => a.index - b.index);
    this.countRefused(refusedSources.values());
    if (accepted.length === 0) {
      throw new DomainError('no-sample-accepted', 400, `None of the ${batch.samples.length} samples can be accepted: ${refused.map((r) => `${r.path} ${r.reason}`).join('; ')}`, {
        errors: refused.map((r) => ({ path: r.path, message: r.reason })),
      });
    }
    // The instant the samples' times were checked against, not a later reading: none is further ahead of its event than
    // SAMPLE_MAX_AHEAD_SECONDS, and the consumer judges their age as of it, so it refuses none for age that this answer accepts.
    const judgedAt = new Date(nowMs);
    const events = accepted.map((sample) => createEvent('traffic.sample', sample, { source: SERVICE_NAME, subject: sample.region, time: judgedAt }));
    await this.publishWithin(events);
    return { accepted: events.length, eventIds: events.map((event) => event.id), refused };
  }

  /** Refused samples counted under their own source, in the names the consumer counts in too (SourceLabels); one whose source does not read as one, under UNREAD_SOURCE. */
  private countRefused(sources: Iterable<string | undefined>): void {
    const bySource = new Map<string, number>();
    for (const source of sources) {
      const label = source === undefined ? UNREAD_SOURCE : this.sourceLabels.of(source);
      bySource.set(label, (bySource.get(label) ?? 0) + 1);
    }
    for (const [source, samples] of bySource) this.samplesIn.inc({ source, outcome: 'refused' }, samples);
  }

  /** Publishes, or gives up after SAMPLE_PUBLISH_TIMEOUT_MS, so the caller hears 503 before its own HTTP timeout strikes. */
  private async publishWithin(events: HoldfastEvent<'traffic.sample'>[]): Promise<void> {
    const timeoutMs = this.config.settings.samplePublishTimeoutMs;
    const publishing = this.messaging.publisher.publish(...events);
    let timer: NodeJS.Timeout | undefined;
    const givenUp = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // kafkajs goes on retrying; its outcome answers no one now (its connection failures are logged as they happen).
        publishing.catch(() => undefined);
        reject(publishUnsettled(timeoutMs));
      }, timeoutMs);
    });
    try {
      await Promise.race([publishing, givenUp]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * The region, time and source of a refused sample, each in the contract's form where it parsed, so
 * the checks that follow parsing can be made on them too, and the refusal counted under its source.
 */
function parsedFieldsOf(raw: unknown): { region?: string; at?: string; source?: string } {
  const sample = inContractForm('traffic.sample', raw);
  if (sample === null || typeof sample !== 'object') return {};
  const { region, at, source } = sample as Record<string, unknown>;
  return {
    region: RegionCodeSchema.safeParse(region).success ? (region as string) : undefined,
    at: InstantSchema.safeParse(at).success ? (at as string) : undefined,
    source: TrafficSampleSchema.shape.source.safeParse(source).success ? (source as string) : undefined,
  };
}

/** Why a second sample of a series at one instant is refused: the detector would keep the first and drop it, while its sender read "accepted". */
const duplicateOf = (first: number, region: string, metric: string, at: string): string =>
  `samples.${first} of this batch is already the ${metric} sample of ${region} at ${at}: a series takes one sample an instant, so this one would be dropped as a duplicate (a pipeline that cuts its times to the minute, say, sends several)`;

/** The 503 the problem-details filter answers for any Kafka failure, saying what became of the samples. */
function publishUnsettled(timeoutMs: number): DomainError {
  return dependencyUnavailable(
    'Kafka',
    `Kafka did not acknowledge the accepted samples within SAMPLE_PUBLISH_TIMEOUT_MS (${timeoutMs} ms): some, all or none of them may have been published. Send the batch again before any newer sample of the same series: a copy of one that was published is dropped, so none is assessed twice, but the detector judges a series in time order, and a sample sent after a newer one of its series went through is accepted and never assessed (counted late in holdfast_analyzer_samples_total). GET /health/ready says when Kafka is back.`,
  );
}
