import { Topics } from '@holdfast/contracts';
import { createKafka, physicalTopic, silentLogger } from '@holdfast/messaging';
import { recordTopic, type ServiceUnderTest, type TopicRecorder } from '@holdfast/testing';
import { DateTime } from 'luxon';

export interface SampleInput {
  region: string;
  metric?: string;
  at: string;
  value: number;
  source?: string;
}

export interface RecordedEvent {
  type: string;
  key: string | null;
  headers: Record<string, string>;
  data: Record<string, unknown> & { surgeId?: string };
}

/** What landed on region.surges.v1 (or another topic) of a service under test, decoded. */
export async function recordEvents(service: ServiceUnderTest, topic: (typeof Topics)[keyof typeof Topics] = Topics.regionSurges, name = 'reader') {
  const { kafka } = service.config;
  const recorder: TopicRecorder = await recordTopic(createKafka(kafka, silentLogger), physicalTopic(kafka, topic), `${kafka.topicPrefix}${name}`);
  return {
    stop: () => recorder.stop(),
    events: (): RecordedEvent[] =>
      recorder.messages.map((message) => ({ type: message.headers.ce_type, key: message.key, headers: message.headers, data: JSON.parse(message.value) })),
  };
}

export async function postSamples(service: Pick<ServiceUnderTest, 'fetch'>, samples: SampleInput[]): Promise<Response> {
  return service.fetch('/v1/samples', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ samples: samples.map((sample) => ({ metric: 'requests', source: 'analyzer-spec', ...sample })) }),
  });
}

/** Posts samples in batches of at most `size`, failing on anything but a full acceptance. */
export async function postAll(service: Pick<ServiceUnderTest, 'fetch'>, samples: SampleInput[], size = 500): Promise<void> {
  for (let start = 0; start < samples.length; start += size) {
    const response = await postSamples(service, samples.slice(start, start + size));
    if (response.status !== 202) throw new Error(`intake answered ${response.status}: ${await response.text()}`);
  }
}

/** A small deterministic pseudo-random sequence, so every run sees the same noise. */
function noise(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
}

/**
 * Requests per 5 minutes with a daily cycle in the region's local time (busy evenings, quiet
 * nights) and ±5% noise: what a regional request counter looks like.
 */
export function seasonalSeries(options: { region: string; zone: string; from: string; count: number; stepMinutes?: number; level?: number; seed?: number }): SampleInput[] {
  const step = (options.stepMinutes ?? 5) * 60_000;
  const level = options.level ?? 1_000;
  const random = noise(options.seed ?? 7);
  const start = Date.parse(options.from);
  return Array.from({ length: options.count }, (_, index) => {
    const at = new Date(start + index * step);
    const local = DateTime.fromJSDate(at, { zone: options.zone });
    const hour = local.hour + local.minute / 60;
    const daily = 1 + 0.5 * Math.sin((2 * Math.PI * (hour - 12)) / 24);
    return { region: options.region, at: at.toISOString(), value: Math.round(level * daily * (1 + 0.1 * random())) };
  });
}

/** The expected (noise-free) value of such a series at an instant, to build a surge on top of it. */
export function seasonalLevel(zone: string, at: string, level = 1_000): number {
  const local = DateTime.fromISO(at, { zone });
  const hour = local.hour + local.minute / 60;
  return level * (1 + 0.5 * Math.sin((2 * Math.PI * (hour - 12)) / 24));
}
