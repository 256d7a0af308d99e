import { Topics } from '@holdfast/contracts';
import { createKafka, physicalTopic, silentLogger } from '@holdfast/messaging';
import { expectEventually, ManualClock, produceOnce, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzerService } from '../src/app.module';

const REGION = 'dc-tehran-1';
const CUSTOM_REGIONS = JSON.stringify([{ code: REGION, name: 'Tehran data centre', zones: ['Asia/Tehran'] }]);

interface Listed {
  items: { offset: string; key: unknown; source: unknown; body: unknown; reason: string; replayable: boolean; replayedAt: string | null }[];
}

/** After every sample these specs send (2026-06-14 and 15), within SAMPLE_MAX_AGE_DAYS of all of them. */
const clock = new ManualClock('2026-06-15T12:00:00Z');

describe("impact-analyzer: a pipeline's samples dead-lettered for a region not in the catalog yet, replayed once it is", () => {
  let first: ServiceUnderTest;
  let restarted: ServiceUnderTest | undefined;

  beforeAll(async () => {
    first = await startServiceUnderTest(analyzerService, { clock });
  });

  afterAll(async () => {
    await restarted?.app.close();
    await first?.close();
  });

  it('lists them as replayable, and POST /v1/dead-letters/replay sends them again, a limit at a time, to be learned', async () => {
    const { kafka } = first.config;
    // Bare JSON, as an outside pipeline writes it: HTTP intake would refuse the region at once.
    const samples = Array.from({ length: 5 }, (_, index) => ({
      key: REGION,
      value: Buffer.from(JSON.stringify({ region: REGION, metric: 'requests', at: new Date(Date.parse('2026-06-14T00:00:00Z') + index * 300_000).toISOString(), value: 900 + index, source: 'edge' })),
    }));
    await produceOnce(createKafka(kafka, silentLogger), physicalTopic(kafka, Topics.trafficSamples), samples);
    const listed = await expectEventually(async () => {
      const body = (await (await first.fetch(`/v1/dead-letters?topic=${Topics.trafficSamples}`)).json()) as Listed;
      expect(body.items).toHaveLength(5);
      return body;
    });
    expect(listed.items.every((letter) => letter.replayable && letter.replayedAt === null && letter.reason.includes(`unknown region ${REGION}`))).toBe(true);

    // The operator adds the region and restarts the analyzer on the same database and topics.
    await first.app.close();
    restarted = await startServiceUnderTest(analyzerService, {
      clock,
      topicPrefix: kafka.topicPrefix,
      environment: { DATABASE_URL: first.database.url, HOLDFAST_CUSTOM_REGIONS: CUSTOM_REGIONS },
    });
    const replay = (body: unknown) => restarted!.fetch('/v1/dead-letters/replay', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    const refused = await replay({ topic: 'samples', limit: 0 });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await refused.json())).toMatch(/topic.*limit|limit.*topic/);
    // An empty body would send every dead letter back: asked for by name only.
    const unnamed = await replay({});
    expect(unnamed.status).toBe(400);
    expect(await unnamed.json()).toMatchObject({ code: 'invalid-body', errors: [{ path: 'everything', message: expect.stringContaining('name what to replay, or send "everything": true') }] });
    const anonymous = await fetch(`${restarted.baseUrl}/v1/dead-letters/replay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(anonymous.status).toBe(401);

    const firstRound = await replay({ topic: Topics.trafficSamples, reasonContains: 'Unknown Region', limit: 3 });
    expect(firstRound.status).toBe(200);
    const firstOutcome = (await firstRound.json()) as { replayed: Listed['items']; messages: number; remaining: number; unreplayable: number };
    expect(firstOutcome).toMatchObject({ messages: 3, remaining: 2, unreplayable: 0 });
    // The letters replayed show their messages as the list does: a bare sample's key and body, named by the sample's own source.
    const bodies = samples.map((sample) => sample.value.toString());
    expect(firstOutcome.replayed.every((letter) => letter.key === REGION && letter.source === 'edge' && bodies.includes(letter.body as string))).toBe(true);
    expect(firstOutcome.replayed.map((letter) => BigInt(letter.offset))).toEqual([...firstOutcome.replayed.map((letter) => BigInt(letter.offset))].sort((a, b) => (a < b ? -1 : 1)));
    expect(await (await replay({ topic: Topics.trafficSamples, reasonContains: 'unknown region', limit: 3 })).json()).toMatchObject({ messages: 2, remaining: 0 });
    expect(await (await replay({ topic: Topics.trafficSamples })).json()).toEqual({ replayed: [], messages: 0, remaining: 0, unreplayable: 0 });

    await expectEventually(
      async () => {
        const baseline = await restarted!.fetch(`/v1/regions/${REGION}/baseline`);
        expect(baseline.status).toBe(200);
        expect(((await baseline.json()) as { metrics: { sampleCount: number }[] }).metrics[0].sampleCount).toBe(5);
      },
      { message: 'the five replayed samples learned' },
    );
    const after = (await (await restarted.fetch(`/v1/dead-letters?topic=${Topics.trafficSamples}`)).json()) as Listed;
    expect(after.items).toHaveLength(5);
    expect(after.items.every((letter) => letter.replayedAt !== null)).toBe(true);
    expect(await (await restarted.fetch('/metrics')).text()).toMatch(/^holdfast_dead_letters_replayed_total\{[^}]*topic="traffic\.samples\.v1"[^}]*\} 5$/m);
  });
});
