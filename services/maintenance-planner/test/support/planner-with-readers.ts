/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
import { createEvent, Topics, type HoldfastEvent } from '@holdfast/contracts';
import { createKafka, EventPublisher, physicalTopic, silentLogger } from '@holdfast/messaging';
import { type ManualClock, recordTopic, startServiceUnderTest, type ServiceUnderTest, type TopicRecorder } from '@holdfast/testing';
import { expect } from 'vitest';
import { plannerService } from '../../src/app.module';
import { PlannerSweep } from '../../src/holds/planner-sweep.service';

/** The planner on a test's clock, on a database and topic prefix of its own, its periodic sweep off so a spec sweeps by hand. */
export function startPlanner(clock: ManualClock, environment: NodeJS.ProcessEnv = {}): Promise<ServiceUnderTest> {
  return startServiceUnderTest(plannerService, { clock, environment: { PLANNER_SWEEP_INTERVAL_SECONDS: '0', ...environment } });
}

/** The planner on a test's clock, with its sweep run by hand, a publisher for the surge events it consumes, and readers of what it announces. */
export interface PlannerWithReaders {
  service: ServiceUnderTest;
  publisher: EventPublisher;
  holdEvents: TopicRecorder;
  windowEvents: TopicRecorder;
  sweep: PlannerSweep;
  close(): Promise<void>;
}

/** `readers` names the readers' consumer groups, so specs of one run read their own. */
export async function startPlannerWithReaders(clock: ManualClock, readers: string): Promise<PlannerWithReaders> {
  const service = await startPlanner(clock, { HOLD_COOLDOWN_MINUTES: '30' });
  const { kafka } = service.config;
  const client = createKafka(kafka, silentLogger);
  const publisher = new EventPublisher(client, kafka);
  await publisher.connect();
  const holdEvents = await recordTopic(client, physicalTopic(kafka, Topics.maintenanceHolds), `${kafka.topicPrefix}${readers}-hold-reader`);
  const windowEvents = await recordTopic(client, physicalTopic(kafka, Topics.maintenanceWindows), `${kafka.topicPrefix}${readers}-window-reader`);
  return {
    service,
    publisher,
    holdEvents,
    windowEvents,
    sweep: service.app.get(PlannerSweep),
    async close() {
      await holdEvents.stop();
      await windowEvents.stop();
      await publisher.disconnect();
      await service.close();
    },
  };
}

/** An answer of the planner's API: status, body read loosely, Retry-After, and the headers for any other a spec reads. */
export interface PlannerAnswer {
  status: number;
  body: Record<string, any>;
  retryAfter: string | null;
  headers: Headers;
}

export type PlannerApi = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<PlannerAnswer>;

/** The planner's API as a spec calls it, JSON in and out. */
export const plannerApi =
  (planner: () => ServiceUnderTest): PlannerApi =>
  async (method, path, body, headers = {}) => {
    const response = await planner().fetch(path, { method, headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, any>, retryAfter: response.headers.get('retry-after'), headers: response.headers };
  };

/** A window to plan over the regions, in UTC unless `more` says otherwise. */
export const windowPlan = (regions: string[], startsAt: string, endsAt: string, more: Record<string, unknown> = {}): Record<string, unknown> => ({
  title: `Kernel patch in ${regions.join(', ')}`,
  ownerTeam: 'network-ops',
  footprint: { global: false, regions },
  startsAt,
  endsAt,
  plannedZone: 'UTC',
  ...more,
});

/** Plans the window, failing the spec on anything but a 201; its id. */
export async function planWindow(api: PlannerApi, regions: string[], startsAt: string, endsAt: string, more: Record<string, unknown> = {}): Promise<string> {
  const answer = await api('POST', '/v1/windows', windowPlan(regions, startsAt, endsAt, more));
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body.windowId as string;
}

/** Places a manual hold over the region, failing the spec on anything but a 201; its id. */
export async function placeHold(api: PlannerApi, region: string, from: string, until: string, reason = `Elections in ${region}`): Promise<string> {
  const answer = await api('POST', '/v1/holds', { regions: [region], from, until, reason });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body.id as string;
}

/** A declared critical period's surge, as the analyzer's clock starts it at `from`, to end at `until`. */
export function declared(surgeId: string, region: string, from: string, until: string): HoldfastEvent<'surge.started'> {
  return createEvent(
    'surge.started',
    { surgeId, region, source: 'declaration', severity: 'major', startedAt: from, detectedAt: from, expectedEndAt: until, reason: `Election in ${region}` },
    { source: 'declaration-spec', subject: region },
  );
}

/** Its clearance, as the analyzer's clock ends the period at `clearedAt`. */
export function cleared(surgeId: string, region: string, from: string, clearedAt: string): HoldfastEvent<'surge.cleared'> {
  return createEvent('surge.cleared', { surgeId, region, startedAt: from, clearedAt, reason: `Declared period ended: Election in ${region}` }, { source: 'declaration-spec', subject: region });
}

/** The payloads of one event type a reader has seen. */
export const eventsOf = (recorder: TopicRecorder, type: string): Record<string, any>[] =>
  recorder.messages.filter((message) => message.headers.ce_type === type).map((message) => JSON.parse(message.value) as Record<string, any>);
