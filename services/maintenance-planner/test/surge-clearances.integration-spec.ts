import { createEvent } from '@holdfast/contracts';
import { createKafka, EventPublisher, silentLogger } from '@holdfast/messaging';
import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plannerService } from '../src/app.module';
import { PlannerSweep } from '../src/holds/planner-sweep.service';

const DAY = 86_400_000;

describe('maintenance-planner: surge clearances that overtook their start, kept SURGE_CLEARANCE_RETENTION_DAYS, against the real broker and PostgreSQL', () => {
  const clock = new ManualClock('2026-07-01T00:00:00Z');
  let service: ServiceUnderTest;
  let publisher: EventPublisher;
  let db: DataSource;

  const cleared = (surgeId: string) =>
    createEvent(
      'surge.cleared',
      { surgeId, region: 'NP', metric: 'requests', startedAt: '2026-06-30T22:00:00Z', clearedAt: '2026-06-30T23:00:00Z', reason: 'back to normal' },
      { source: 'planner-spec', subject: 'NP' },
    );
  const remembered = async () => ((await db.query('SELECT surge_id FROM surge_clearance ORDER BY surge_id')) as { surge_id: string }[]).map((row) => row.surge_id);

  beforeAll(async () => {
    service = await startServiceUnderTest(plannerService, { clock, environment: { PLANNER_SWEEP_INTERVAL_SECONDS: '0' } });
    publisher = new EventPublisher(createKafka(service.config.kafka, silentLogger), service.config.kafka);
    await publisher.connect();
    db = service.app.get(DataSource);
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await service?.close();
  });

  it('forgets a clearance whose start never came once the retention (14 days by default) has passed since it was recorded, and keeps the younger ones', async () => {
    const [old, young] = [uuidv7(), uuidv7()];
    await publisher.publish(cleared(old));
    await expectEventually(async () => expect(await remembered()).toEqual([old]));
    const sweep = service.app.get(PlannerSweep);

    clock.advance(7 * DAY);
    await publisher.publish(cleared(young));
    await expectEventually(async () => expect(await remembered()).toEqual([old, young].sort()));

    clock.advance(7 * DAY - 60_000);
    await sweep.sweep();
    expect(await remembered()).toEqual([old, young].sort());

    clock.advance(120_000);
    const swept = await sweep.sweep();
    expect(await remembered()).toEqual([young]);
    expect(swept.prunedClearances).toBe(1);
  });
});
