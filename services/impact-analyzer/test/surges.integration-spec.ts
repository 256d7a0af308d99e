import { Topics } from '@holdfast/contracts';
import { createKafka, physicalTopic, silentLogger } from '@holdfast/messaging';
import { expectEventually, recordTopic, startServiceUnderTest, type ServiceUnderTest, type TopicRecorder } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzerService } from '../src/app.module';

interface SurgeView {
  id: string;
  region: string;
  status: string;
  peakValue: number;
  causeEventId: string;
}

describe('impact-analyzer: samples to surges (placeholder rule), against the real broker and PostgreSQL', () => {
  let service: ServiceUnderTest;
  let surgeEvents: TopicRecorder;

  const postSamples = (samples: { region: string; value: number; at: string }[]) =>
    service.fetch(`/v1/samples`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ samples: samples.map((sample) => ({ ...sample, metric: 'requests', source: 'analyzer-spec' })) }),
    });
  const surgesIn = async (region: string): Promise<SurgeView[]> => {
    const { items } = (await (await service.fetch(`/v1/surges`)).json()) as { items: SurgeView[] };
    return items.filter((surge) => surge.region === region);
  };

  beforeAll(async () => {
    service = await startServiceUnderTest(analyzerService);
    const { kafka } = service.config;
    surgeEvents = await recordTopic(createKafka(kafka, silentLogger), physicalTopic(kafka, Topics.regionSurges), `${kafka.topicPrefix}surge-reader`);
  });

  afterAll(async () => {
    await surgeEvents?.stop();
    await service?.close();
  });

  it('starts one surge per region while it lasts, then clears it, publishing started and cleared', async () => {
    const intake = await postSamples([
      { region: 'IR', value: 400, at: '2026-06-14T20:55:00Z' },
      { region: 'IR', value: 1_500, at: '2026-06-14T21:00:00Z' },
      { region: 'IR', value: 2_500, at: '2026-06-14T21:05:00Z' },
      { region: 'IR', value: 300, at: '2026-06-14T21:10:00Z' },
    ]);
    expect(intake.status).toBe(202);
    const { eventIds } = (await intake.json()) as { eventIds: string[] };
    await expectEventually(() => expect(surgeEvents.messages.map((message) => message.headers.ce_type)).toEqual(['surge.started', 'surge.cleared']));
    const [surge] = await surgesIn('IR');
    expect(surge).toMatchObject({ status: 'cleared', peakValue: 2_500, causeEventId: eventIds[1] });
    const [started, cleared] = surgeEvents.messages.map((message) => ({ key: message.key, headers: message.headers, data: JSON.parse(message.value) }));
    expect(started.key).toBe('IR');
    expect(started.headers.ce_correlationid).toBe(eventIds[1]);
    expect(started.data).toMatchObject({ surgeId: surge.id, region: 'IR', source: 'detector', severity: 'minor', startedAt: '2026-06-14T21:00:00Z' });
    expect(cleared.data).toMatchObject({ surgeId: surge.id, clearedAt: '2026-06-14T21:10:00.000Z' });
  });

  it('accepts nothing of a batch with one bad sample, naming it', async () => {
    const response = await postSamples([
      { region: 'JP', value: 5_000, at: '2026-06-14T21:00:00Z' },
      { region: 'JP', value: 5_000, at: '2026-06-14 21:00' },
    ]);
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((error) => error.path)).toEqual(['samples.1.at']);
    expect(await surgesIn('JP')).toEqual([]);
  });
});
