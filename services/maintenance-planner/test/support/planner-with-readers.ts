/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
import { Topics } from '@holdfast/contracts';
import { createKafka, EventPublisher, physicalTopic, silentLogger } from '@holdfast/messaging';
import { type ManualClock, recordTopic, startServiceUnderTest, type ServiceUnderTest, type TopicRecorder } from '@holdfast/testing';
import { plannerService } from '../../src/app.module';
import { PlannerSweep } from '../../src/holds/planner-sweep.service';

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
  const service = await startServiceUnderTest(plannerService, { clock, environment: { PLANNER_SWEEP_INTERVAL_SECONDS: '0', HOLD_COOLDOWN_MINUTES: '30' } });
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

/** The planner's API as a spec calls it: status, body read loosely, and Retry-After. */
export const plannerApi =
  (planner: () => ServiceUnderTest) =>
  async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, any>; retryAfter: string | null }> => {
    const response = await planner().fetch(path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, any>, retryAfter: response.headers.get('retry-after') };
  };

/** The payloads of one event type a reader has seen. */
export const eventsOf = (recorder: TopicRecorder, type: string): Record<string, any>[] =>
  recorder.messages.filter((message) => message.headers.ce_type === type).map((message) => JSON.parse(message.value) as Record<string, any>);
