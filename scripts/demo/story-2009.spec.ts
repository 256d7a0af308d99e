import { RegionCatalog } from '@holdfast/regions';
import { DateTime } from 'luxon';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SurgeDetector, type SurgeDecision } from '../../services/impact-analyzer/src/detection';
import { plannerEnvironment, plannerSettings } from '../../services/maintenance-planner/src/config/planner-settings';
import { SlotProposer } from '../../services/maintenance-planner/src/slots/slot-proposer';
import type { WindowRow } from '../../services/maintenance-planner/src/windows/window-record';
import { freePort } from '../system/system-runner.mjs';
import { createStory, slotOffStory, StoryStepError, trafficHistory, upgradeWindow, type StorySystem } from './story-2009';

const systemAt = (baseUrl: string): StorySystem => ({
  plannerUrl: baseUrl,
  analyzerUrl: baseUrl,
  notifierUrl: baseUrl,
  adminKey: 'hf_story_spec',
  // Never reached: the steps under test fail before any touches Kafka.
  brokers: ['127.0.0.1:1'],
  topicPrefix: 'story-spec.',
});

async function firstStepFailure(baseUrl: string): Promise<unknown> {
  const story = createStory(systemAt(baseUrl), { timeoutMs: 300 });
  try {
    return await story.steps[0].run().then(
      () => new Error('the first step passed'),
      (error: unknown) => error,
    );
  } finally {
    await story.close();
  }
}

describe('the 2009 story, when a service does not answer', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it('names the step and why the connection failed when nothing listens on the service port', async () => {
    const failure = await firstStepFailure(`http://127.0.0.1:${await freePort()}`);

    expect(failure).toBeInstanceOf(StoryStepError);
    expect((failure as StoryStepError).step).toBe('team keys');
    expect((failure as Error).message).toMatch(/^step "team keys" did not happen: fetch failed \(.*ECONNREFUSED/);
  });

  it('names why the connection failed when a step gives up waiting on a service that hangs up', async () => {
    // Creates keys, then drops every request that checks whether the key has arrived.
    server = createServer((request, response) => {
      if (request.method === 'POST') return void response.writeHead(201, { 'content-type': 'application/json' }).end('{"key":"hf_team"}');
      request.socket.destroy();
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));

    const failure = await firstStepFailure(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);

    expect(failure).toBeInstanceOf(StoryStepError);
    expect((failure as Error).message).toMatch(/^step "team keys" did not happen: fetch failed \(.+\)$/);
  });
});

/**
 * What the planner proposes for the upgrade from what the story sends, run at `now`: the week of traffic learned by the
 * analyzer's own detector, the planner's own SlotProposer over the baselines it would copy and the IR hold the surge
 * places (no end yet), with the planner's default settings. A demo runs on one day; these run it in every season.
 */
function proposalAt(now: Date) {
  const catalog = new RegionCatalog();
  const detector = new SurgeDetector({ zoneOf: (region) => catalog.zoneOf(region) });
  const { surgeAt, samples } = trafficHistory(now);
  const decisions: SurgeDecision[] = samples.flatMap((sample) => detector.observe({ ...sample, metric: 'requests' }));
  const baselines = ['DE', 'IR', 'US'].map((region) => {
    const { zone, values } = detector.baselineOf(region, 'requests')!;
    return { region, zone, hourly: values };
  });
  const settings = plannerSettings(z.object(plannerEnvironment).parse({}));
  // The suggestion is asked seconds into the story, the hold placed at the surge's sample, held ahead HOLD_HORIZON_HOURS.
  const askedAt = new Date(now.getTime() + 10_000);
  const hold = { id: 'h1', regions: ['IR'], reason: 'surge', source: 'detector', from_at: surgeAt, until_at: null, release_due_at: null, covered_until: new Date(now.getTime() + settings.holdHorizonMs) };
  const db = {
    query: async (sql: string) => {
      if (sql.includes('FROM region_baseline')) return baselines;
      if (sql.includes('unnest(regions)')) return [{ region: 'IR' }];
      if (sql.includes('FROM hold')) return [hold];
      // The upgrade's other runs: it has none.
      return [];
    },
  };
  const plan = upgradeWindow(now);
  const window = {
    id: 'w1',
    footprint_global: true,
    footprint_regions: [],
    footprint_shares: null,
    planned_zone: plan.plannedZone,
    flexibility: { ...plan.flexibility, autoMove: false },
  } as unknown as WindowRow;
  const current = { start: new Date(plan.startsAt), end: new Date(plan.endsAt) };
  const proposal = new SlotProposer(catalog, { settings } as never).propose(db as never, window, current, askedAt, 1);
  return { plan, decisions, proposal };
}

describe("the 2009 story's suggested slot, proposed by the planner from what the story sends", () => {
  it.each([
    ['in winter, as on the day it was written', '2026-12-07T08:20:00Z', '14:00'],
    ['in summer, Iran keeping UTC+03:30', '2026-06-15T08:20:00Z', '15:00'],
    ['in the week Europe moved its clocks forward', '2026-03-30T17:00:00Z', '15:00'],
    ['in the week the US moved its clocks back', '2026-11-02T03:00:00Z', '14:00'],
    ['run at 21:50 UTC, the hold taken to end ten minutes before a 01:30 in Tehran', '2026-12-07T21:50:00Z', '14:00'],
    ['run at 22:10 UTC, the hold taken to end ten minutes after one', '2026-12-07T22:10:00Z', '14:00'],
  ])('starts at 01:30 in Tehran within the upgrade’s two days, %s', async (_when, now, inLosAngeles) => {
    const { plan, decisions, proposal } = proposalAt(new Date(now));
    const { regions, slots } = await proposal;

    expect(decisions).toEqual([]);
    expect(regions).toEqual(['DE', 'IR', 'US']);
    expect(slotOffStory(slots[0], plan.flexibility)).toBeUndefined();
    expect(DateTime.fromISO(slots[0].startsAt, { zone: 'America/Los_Angeles' }).toFormat('HH:mm')).toBe(inLosAngeles);
  });

  it('says what the planner suggested when the slot is not 01:30 in Tehran or not within the two days', () => {
    const flexibility = { earliestStartAt: '2026-12-07T09:20:00Z', deadlineAt: '2026-12-09T11:25:00Z' };

    expect(slotOffStory({ startsAt: '2026-12-08T22:00:00Z', endsAt: '2026-12-08T23:00:00Z' }, flexibility)).toBeUndefined();
    expect(slotOffStory({ startsAt: '2026-12-12T03:00:00Z', endsAt: '2026-12-12T04:00:00Z' }, flexibility)).toMatch(
      /^the planner suggested Fri 11 Dec 19:00 America\/Los_Angeles \(UTC-08:00\) = Sat 12 Dec 06:30 Asia\/Tehran \(UTC\+03:30\), not a slot from 01:30 in Tehran between/,
    );
    expect(slotOffStory({ startsAt: '2026-12-09T22:00:00Z', endsAt: '2026-12-09T23:00:00Z' }, flexibility)).toContain('Thu 10 Dec 01:30 Asia/Tehran');
  });
});

describe('the 2009 story, when the planner suggests a slot off the story', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it('fails the suggested-slot step, naming it, the slot and what the planner scored', async () => {
    // Has every baseline the analyzer published, and suggests the slot the story suggested before 2026-12-07.
    server = createServer((request, response) => {
      if (request.url === '/metrics') {
        return void response.end('holdfast_events_published_total{type="region.baseline"} 3\nholdfast_events_consumed_total{type="region.baseline",outcome="processed"} 3\n');
      }
      const slot = { startsAt: '2026-12-12T03:00:00.000Z', endsAt: '2026-12-12T04:00:00.000Z', expectedImpact: 0.63 };
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ slots: [slot], scoredRegions: ['DE', 'IR', 'US'], notes: [] }));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const story = createStory(systemAt(`http://127.0.0.1:${(server.address() as AddressInfo).port}`), { timeoutMs: 300 });
    const flexibility = { earliestStartAt: '2026-12-07T09:20:00Z', deadlineAt: '2026-12-09T11:25:00Z' };
    Object.assign(story.state, { keys: { network: 'hf_network' }, windows: { upgrade: { id: 'w1', flexibility } } });

    const failure = await story.steps
      .find((step) => step.name === 'suggested slot')!
      .run()
      .then(
        () => new Error('the step passed'),
        (error: unknown) => error,
      );
    await story.close();

    expect(failure).toBeInstanceOf(StoryStepError);
    expect((failure as StoryStepError).step).toBe('suggested slot');
    expect((failure as Error).message).toMatch(
      /^step "suggested slot" did not happen: the planner suggested Fri 11 Dec 19:00 America\/Los_Angeles \(UTC-08:00\) = Sat 12 Dec 06:30 Asia\/Tehran \(UTC\+03:30\), not a slot from 01:30 in Tehran .* \(scored DE, IR, US; no notes\)$/,
    );
  });
});
