import { createTestDatabase, testEnvironment, uniqueTestId, type TestDatabase } from '@holdfast/testing';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildServices, freePort, startService, type RunningService } from '../scripts/system/system-runner.mjs';
import { createStory, localTime, STORY_ENVIRONMENT, storySummary, verifyWebhook, type Story } from '../scripts/demo/story-2009';

const ADMIN_KEY = `e2e-admin-${randomBytes(24).toString('base64url')}`;

// The story of `npm run demo`, asserted step by step against the three services as processes on
// the real broker and PostgreSQL, through HTTP and Kafka only.
describe('the 2009 story, end to end', () => {
  let database: TestDatabase;
  const services: Record<string, RunningService> = {};
  const logs: string[] = [];
  let story: Story;

  beforeAll(async () => {
    buildServices({ log: () => undefined });
    database = await createTestDatabase('story-2009');
    const brokers = testEnvironment().kafkaBrokers;
    const topicPrefix = `${uniqueTestId('story')}.`;
    const env = {
      ...STORY_ENVIRONMENT,
      DATABASE_URL: database.url,
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_TOPIC_PREFIX: topicPrefix,
      DATABASE_POOL_SIZE: '3',
      LOG_LEVEL: 'warn',
      HOLDFAST_BOOTSTRAP_KEY: ADMIN_KEY,
    };
    await Promise.all(
      ['maintenance-planner', 'impact-analyzer', 'notifier'].map(async (name) => {
        services[name] = await startService({ name, port: await freePort(), env, onLine: (line) => logs.push(`[${name}] ${line}`) });
      }),
    );
    story = createStory({
      plannerUrl: services['maintenance-planner'].baseUrl,
      analyzerUrl: services['impact-analyzer'].baseUrl,
      notifierUrl: services.notifier.baseUrl,
      adminKey: ADMIN_KEY,
      brokers,
      topicPrefix,
    });
  }, 120_000);

  afterEach(({ task }) => {
    if (task.result?.state === 'fail') process.stderr.write(`what the services logged (warn and above):\n${logs.join('\n')}\n`);
  });

  afterAll(async () => {
    await story?.close();
    await Promise.all(Object.values(services).map((service) => service.stop()));
    await database?.drop();
  });

  // Each step checks what it waits for and throws naming itself; the state it leaves is asserted below.
  it('runs every step of the story in order', async () => {
    for (const step of story.steps) await step.run();
  }, 120_000);

  it('held exactly the windows that hurt IR, through one hold caused by the IR surge', async () => {
    const { hold, surge, windows } = story.state;
    expect(surge).toMatchObject({ region: 'IR' });
    expect(hold).toMatchObject({ regions: ['IR'], source: 'detector', causeId: surge!.id });
    // Each window's audit trail, as all are scheduled again after the release (the story keeps each window as created).
    const heldByTheHold = async (windowId: string) => {
      const response = await fetch(`${services['maintenance-planner'].baseUrl}/v1/audit?subject=${windowId}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      const { items } = (await response.json()) as { items: { action: string; actor: string }[] };
      return items.some((entry) => entry.action === 'held' && entry.actor === `hold:${hold!.id}`);
    };
    const { upgrade, berlin, usOnly } = windows!;
    expect({ upgrade: await heldByTheHold(upgrade.id), berlin: await heldByTheHold(berlin.id), usOnly: await heldByTheHold(usOnly.id) }).toEqual({ upgrade: true, berlin: true, usOnly: false });
  });

  it('delivered hold.placed once and hold.released, each signed with the subscription secret', () => {
    const { webhooks, webhookSecret, hold } = story.state;
    expect(webhooks!.filter((webhook) => webhook.body.type === 'hold.placed').map((webhook) => webhook.body.data.holdId)).toEqual([hold!.id]);
    expect(webhooks!.map((webhook) => webhook.body.type)).toContain('hold.released');
    for (const webhook of webhooks!) expect(verifyWebhook(webhookSecret!, webhook)).toBe(true);
    expect(verifyWebhook(webhookSecret!, { ...webhooks![0], rawBody: webhooks![0].rawBody.replace('hold', 'fold') })).toBe(false);
  });

  it('refused the window planned into the hold with 409 naming it, and recorded the override with its reason', () => {
    expect(story.state.refusal).toMatchObject({ status: 409, code: 'window-in-hold', holdIds: [story.state.hold!.id] });
    expect(story.state.audit!.some((entry) => /overrid/.test(entry.action) && entry.reason?.includes('Security fix'))).toBe(true);
  });

  it('keeps the chain sample -> surge -> hold in the audit trail', () => {
    expect(story.state.audit!.some((entry) => /plac/.test(entry.action) && /^[0-9a-f-]{36}$/.test(entry.causeEventId ?? ''))).toBe(true);
    expect(story.state.audit!.some((entry) => /releas/.test(entry.action))).toBe(true);
  });

  it('shows the suggested slot in Los Angeles and Tehran time', () => {
    const lines = story.timeline.filter((entry) => entry.step === 'suggested slot').map((entry) => entry.text);
    expect(lines.join('\n')).toMatch(/America\/Los_Angeles \(UTC-0[78]:00\) = .* Asia\/Tehran \(UTC\+03:30\)/);
  });

  it("ends by saying what it showed, from what happened: the windows held and not, and the slot in 2009's words", () => {
    const [held, gate, slot, release] = storySummary(story.state);
    const { upgrade, berlin, usOnly } = story.state.windows!;
    expect(held).toBe(`one surging sample in IR held, at once, every window that would hurt IR: "${upgrade.title}" (global) and "${berlin.title}" (DE, IR); "${usOnly.title}" (US) stayed free to run`);
    expect(gate).toMatch(/^the deploy jobs asked the gate and were told \(423 held, 200 allowed\)/);
    expect(slot).toBe(
      `the upgrade's least harmful slot, by the traffic learned for the regions it touches: ${localTime(story.state.suggestion!.startsAt, 'America/Los_Angeles')} = ${localTime(story.state.suggestion!.startsAt, 'Asia/Tehran')}; in June 2009 Twitter's network host moved its upgrade to 14:00 California time, 01:30 in Tehran`,
    );
    expect(slot).toMatch(/America\/Los_Angeles \(UTC-0[78]:00\) = .* Asia\/Tehran \(UTC\+03:30\)/);
    expect(release).toMatch(/^the surge cleared, the hold was released after its cool-down/);
  });
});
