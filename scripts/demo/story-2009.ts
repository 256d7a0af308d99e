import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { DateTime } from 'luxon';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The 2009 story, step by step, through the services' HTTP APIs and Kafka topics only: `npm run demo`
 * prints it as a timeline, e2e/story-2009.e2e-spec.ts asserts it. Each step throws a StoryStepError
 * naming itself when what it waits for does not happen.
 */

/** What the story needs from a running system: the services started with STORY_ENVIRONMENT. */
export interface StorySystem {
  plannerUrl: string;
  analyzerUrl: string;
  notifierUrl: string;
  adminKey: string;
  brokers: string[];
  topicPrefix: string;
}

/** The configuration the story relies on, documented in the README: short cool-downs and a fast sweep. */
export const STORY_ENVIRONMENT = {
  // Two calm samples clear a surge (instead of an hour of them), so the story can show the release.
  ANALYZER_DETECTION: JSON.stringify({ defaults: { coolDownSamples: 2 } }),
  HOLD_COOLDOWN_MINUTES: '0',
  PLANNER_SWEEP_INTERVAL_SECONDS: '1',
  // The webhook receiver runs on loopback, which the SSRF guard refuses unless allowed.
  NOTIFIER_OUTBOUND_ALLOW: '127.0.0.1',
} as const;

export class StoryStepError extends Error {
  constructor(
    readonly step: string,
    message: string,
  ) {
    super(`step "${step}" did not happen: ${message}`);
  }
}

const FIVE_MINUTES = 5 * 60_000;
// A week: a baseline by hour of the week learns each hour from its own day. After three days, the days the slot
// search reads (tomorrow, the day after) were days of the week never seen, filled in from the hour of the day.
const HISTORY_DAYS = 7;
const REGIONS = ['IR', 'DE', 'US'] as const;
const ZONES = { IR: 'Asia/Tehran', DE: 'Europe/Berlin', US: 'America/New_York' } as const;
const BASE_LEVEL = { IR: 400, DE: 900, US: 2000 } as const;

/**
 * Where the network team has staff, and so where the upgrade may move: its working day in Phoenix. The later in that
 * day, the deeper the night in IR and DE. Arizona, like Iran since 2022, keeps one offset all year, so the day's last
 * hour starts at 01:30 in Tehran in every season: 14:00 in California in winter, as in 2009, 15:00 in summer. Kept in
 * Los Angeles, the same hours would end the day at 02:30 in Tehran in winter.
 */
export const NETWORK_TEAM = { zone: 'America/Phoenix', staffed: { from: '08:00', to: '16:00' } } as const;
/** How long the upgrade may wait: a critical upgrade is moved by days, not weeks. */
const UPGRADE_MAY_WAIT_HOURS = 48;

interface ReceivedWebhook {
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
  body: { id: string; type: string; data: { holdId?: string } };
}

interface Window {
  id: string;
  title: string;
  status: string;
  startsAt: string;
  endsAt: string;
  flexibility?: { earliestStartAt: string; deadlineAt: string };
}

interface Hold {
  id: string;
  regions: string[];
  source: string;
  causeId: string | null;
  releasedAt: string | null;
  from: string;
}

interface Surge {
  id: string;
  region: string;
  status: string;
  causeEventId: string;
  startedAt: string;
  evidence: { observed?: number; baseline?: number; score?: number };
}

/** One line of the timeline: when (UTC and the reader's zones), what happened. */
export interface TimelineEntry {
  at: Date;
  step: string;
  text: string;
}

/** Everything the steps learn, kept for the next steps and for the spec's own assertions. */
export interface StoryState {
  keys: Record<'network' | 'berlin' | 'us' | 'onCall', string>;
  windows: Record<'upgrade' | 'berlin' | 'usOnly', Window>;
  webhookSecret: string;
  webhooks: ReceivedWebhook[];
  /** The decisive sample's time: the surge starts here; history ends five minutes before. */
  surgeAt: Date;
  surge: Surge;
  hold: Hold;
  overriddenWindow: Window;
  refusal: { status: number; code: string; holdIds: string[] };
  suggestion: { startsAt: string; endsAt: string; expectedImpact: number };
  explanation: unknown;
  audit: { subject: string; action: string; reason: string | null; causeEventId: string | null }[];
}

export interface Story {
  readonly state: Partial<StoryState>;
  readonly timeline: TimelineEntry[];
  readonly steps: { name: string; run: () => Promise<void> }[];
  close(): Promise<void>;
}

export interface StoryOptions {
  /** How long a step waits for what it expects (default 20 s). */
  timeoutMs?: number;
  onEntry?: (entry: TimelineEntry) => void;
  /** "now" for planning and for the samples' times (default: the system time). */
  now?: Date;
}

/** An error's message with its cause's, as fetch hides why it failed ("fetch failed") behind its cause. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message;
}

/** Waits until `probe` stops throwing, retrying every 100 ms; the last failure names the step. */
async function until<T>(step: string, probe: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() > deadline) throw new StoryStepError(step, reasonOf(error));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** A deterministic, seasonal level: lowest at 03:00 local, highest at 15:00 local, a little noise. */
function seasonalValue(region: (typeof REGIONS)[number], at: Date, index: number): number {
  const hour = DateTime.fromJSDate(at, { zone: ZONES[region] }).hour;
  const daily = 1 + 0.6 * Math.sin(((hour - 9) / 24) * 2 * Math.PI);
  const noise = 1 + 0.03 * Math.sin(index * 12.9898);
  return Math.round(BASE_LEVEL[region] * daily * noise);
}

/**
 * The traffic the story sends before the surge: HISTORY_DAYS of every region every five minutes, ending five
 * minutes before `surgeAt`, the decisive sample's time: ten to fifteen minutes before `now`, on the five-minute grid,
 * so the two calm samples after it are still in the past.
 */
export function trafficHistory(now: Date): { surgeAt: Date; samples: { region: string; at: Date; value: number }[] } {
  const surgeAt = new Date(Math.floor(now.getTime() / FIVE_MINUTES) * FIVE_MINUTES - 2 * FIVE_MINUTES);
  const count = (HISTORY_DAYS * 24 * 60 * 60_000) / FIVE_MINUTES;
  const samples = REGIONS.flatMap((region) =>
    Array.from({ length: count }, (_, i) => {
      const at = new Date(surgeAt.getTime() - (count - i) * FIVE_MINUTES);
      return { region, at, value: seasonalValue(region, at, i) };
    }),
  );
  return { surgeAt, samples };
}

/** The network host's upgrade as network-ops plans it: global, an hour from two hours on, movable within its staffed hours. */
export function upgradeWindow(now: Date) {
  const inHours = (hours: number) => new Date(Math.ceil(now.getTime() / FIVE_MINUTES) * FIVE_MINUTES + hours * 3_600_000).toISOString();
  return {
    title: 'Network host upgrade',
    ownerTeam: 'network-ops',
    footprint: { global: true, regions: [] as string[] },
    startsAt: inHours(2),
    endsAt: inHours(3),
    plannedZone: NETWORK_TEAM.zone,
    flexibility: {
      earliestStartAt: inHours(1),
      deadlineAt: inHours(3 + UPGRADE_MAY_WAIT_HOURS),
      allowedLocalHours: { ranges: [NETWORK_TEAM.staffed], in: 'window-zone' as const },
    },
  };
}

/**
 * Why a slot suggested for the upgrade does not tell the 2009 story, or undefined: it must start at 01:30 in Tehran,
 * IR's night, within the upgrade's flexibility (the next two days).
 */
export function slotOffStory(slot: { startsAt: string; endsAt: string }, flexibility: { earliestStartAt: string; deadlineAt: string }): string | undefined {
  const inTehran = DateTime.fromISO(slot.startsAt, { zone: 'Asia/Tehran' }).toFormat('HH:mm');
  const within = Date.parse(slot.startsAt) >= Date.parse(flexibility.earliestStartAt) && Date.parse(slot.endsAt) <= Date.parse(flexibility.deadlineAt);
  if (inTehran === '01:30' && within) return undefined;
  return (
    `the planner suggested ${localTime(slot.startsAt, 'America/Los_Angeles')} = ${localTime(slot.startsAt, 'Asia/Tehran')}, ` +
    `not a slot from 01:30 in Tehran between ${flexibility.earliestStartAt} and ${flexibility.deadlineAt}: ` +
    `check the regions it scored and its notes (GET /v1/windows/{id}/suggestions) against the traffic and staffed hours the story sends`
  );
}

/** Verifies a Standard Webhooks signature with the receiver's own HMAC (no Holdfast code). */
export function verifyWebhook(secret: string, webhook: Pick<ReceivedWebhook, 'headers' | 'rawBody'>, nowMs = Date.now()): boolean {
  const id = String(webhook.headers['webhook-id']);
  const timestamp = String(webhook.headers['webhook-timestamp']);
  const signatures = String(webhook.headers['webhook-signature'] ?? '');
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > 300) return false;
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${webhook.rawBody}`).digest();
  return signatures.split(' ').some((entry) => {
    const given = Buffer.from(entry.split(',')[1] ?? '', 'base64');
    return entry.startsWith('v1,') && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** Renders an instant in a zone the way a person there reads it: "Tue 02 Dec 01:30 Asia/Tehran (UTC+03:30)". */
export function localTime(at: string | Date, zone: string): string {
  const time = typeof at === 'string' ? DateTime.fromISO(at, { zone }) : DateTime.fromJSDate(at, { zone });
  return `${time.toFormat('ccc dd LLL HH:mm')} ${zone} (UTC${time.toFormat('ZZ')})`;
}

async function startReceiver(received: ReceivedWebhook[]): Promise<Server> {
  const server = createServer((request, response) => {
    let rawBody = '';
    request.on('data', (chunk: Buffer) => (rawBody += chunk.toString('utf8')));
    request.on('end', () => {
      received.push({ headers: request.headers, rawBody, body: JSON.parse(rawBody) as ReceivedWebhook['body'] });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function metricValue(baseUrl: string, name: string, labels: RegExp): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && labels.test(line))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

export function createStory(system: StorySystem, options: StoryOptions = {}): Story {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const now = options.now ?? new Date();
  const state: Partial<StoryState> = { webhooks: [] };
  const timeline: TimelineEntry[] = [];
  const kafka = new Kafka({ clientId: 'holdfast-story', brokers: system.brokers, logLevel: logLevel.NOTHING });
  let producer: Producer | undefined;
  let receiver: Server | undefined;
  const samplesTopic = `${system.topicPrefix}traffic.samples.v1`;
  const surgesTopic = `${system.topicPrefix}region.surges.v1`;

  const say = (step: string, text: string, at = new Date()) => {
    const entry = { at, step, text };
    timeline.push(entry);
    options.onEntry?.(entry);
  };

  const call = async <T>(step: string, baseUrl: string, path: string, init: { method?: string; body?: unknown; key?: string } = {}) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: { authorization: `Bearer ${init.key ?? system.adminKey}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await response.text();
    const body = (text ? JSON.parse(text) : null) as T;
    return { status: response.status, body, text, step };
  };
  const ok = async <T>(step: string, baseUrl: string, path: string, init: { method?: string; body?: unknown; key?: string } = {}) => {
    const answer = await call<T>(step, baseUrl, path, init);
    if (answer.status >= 300) throw new StoryStepError(step, `${init.method ?? (init.body ? 'POST' : 'GET')} ${path} answered ${answer.status}: ${answer.text}`);
    return answer.body;
  };

  const sendSamples = async (samples: { region: string; at: Date; value: number }[]) => {
    producer ??= kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    // Bare JSON, keyed by region, as an outside pipeline writes them (no CloudEvents headers).
    for (let i = 0; i < samples.length; i += 500) {
      await producer.send({
        topic: samplesTopic,
        acks: -1,
        messages: samples.slice(i, i + 500).map((sample) => ({
          key: sample.region,
          value: JSON.stringify({ region: sample.region, metric: 'requests', at: sample.at.toISOString(), value: sample.value, source: 'edge-logs' }),
        })),
      });
    }
  };
  const surgeSample = () => ({ region: 'IR', at: state.surgeAt!, value: BASE_LEVEL.IR * 20 });

  const holdsOfSurge = async (step: string) => (await ok<{ items: Hold[] }>(step, system.plannerUrl, '/v1/holds?region=IR')).items.filter((hold) => hold.causeId === state.surge?.id);
  const windowOf = (step: string, id: string) => ok<Window>(step, system.plannerUrl, `/v1/windows/${id}`);

  const steps: Story['steps'] = [
    {
      name: 'team keys',
      run: async () => {
        const create = async (team: string, scopes: string[], name: string) =>
          (await ok<{ key: string }>('team keys', system.plannerUrl, '/v1/keys', { body: { team, scopes, name } })).key;
        state.keys = {
          network: await create('network-ops', ['read', 'windows:write'], 'network host upgrades'),
          berlin: await create('berlin-ops', ['read', 'windows:write'], 'berlin maintenance'),
          us: await create('us-ops', ['read', 'windows:write', 'subscriptions:write'], 'us maintenance'),
          onCall: await create('network-ops', ['read', 'windows:write', 'holds:override'], 'on-call lead'),
        };
        // Each service checks keys against its own copy, fed from api.keys.v1: wait until all have them.
        for (const key of Object.values(state.keys)) {
          for (const [baseUrl, path] of [[system.plannerUrl, '/v1/holds'], [system.analyzerUrl, '/v1/surges'], [system.notifierUrl, '/v1/deliveries']] as const) {
            await until('team keys', async () => check((await call('team keys', baseUrl, path, { key })).status === 200, `a new key is not known at ${baseUrl} yet`), timeoutMs);
          }
        }
        say('team keys', 'keys for network-ops, berlin-ops and us-ops; the network-ops on-call lead may override holds');
      },
    },
    {
      name: 'windows planned',
      run: async () => {
        const step = 'windows planned';
        const inHours = (hours: number) => new Date(Math.ceil(now.getTime() / FIVE_MINUTES) * FIVE_MINUTES + hours * 3_600_000);
        const plan = (key: string, body: object) => ok<Window>(step, system.plannerUrl, '/v1/windows', { key, body });
        state.windows = {
          upgrade: await plan(state.keys!.network, upgradeWindow(now)),
          berlin: await plan(state.keys!.berlin, {
            title: 'Weekly database patching',
            ownerTeam: 'berlin-ops',
            footprint: { global: false, regions: ['DE', 'IR'] },
            startsAt: inHours(3).toISOString(),
            endsAt: inHours(4).toISOString(),
            plannedZone: 'Europe/Berlin',
            recurrence: 'FREQ=WEEKLY',
          }),
          usOnly: await plan(state.keys!.us, {
            title: 'US load balancer swap',
            ownerTeam: 'us-ops',
            footprint: { global: false, regions: ['US'] },
            startsAt: inHours(2).toISOString(),
            endsAt: inHours(3).toISOString(),
            plannedZone: 'America/New_York',
          }),
        };
        const { upgrade, berlin, usOnly } = state.windows;
        const { from, to } = NETWORK_TEAM.staffed;
        say(
          step,
          `network-ops: "${upgrade.title}" (global) at ${localTime(upgrade.startsAt, NETWORK_TEAM.zone)}, movable within the team's staffed hours there (${from}-${to}) until ${localTime(upgrade.flexibility!.deadlineAt, NETWORK_TEAM.zone)}`,
        );
        say(step, `berlin-ops: "${berlin.title}" (DE, IR), weekly from ${localTime(berlin.startsAt, 'Europe/Berlin')}`);
        say(step, `us-ops: "${usOnly.title}" (US) at ${localTime(usOnly.startsAt, 'America/New_York')}`);
      },
    },
    {
      name: 'webhook subscription',
      run: async () => {
        const step = 'webhook subscription';
        receiver = await startReceiver(state.webhooks!);
        const target = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/holdfast`;
        const created = await ok<{ id: string; secret: string }>(step, system.notifierUrl, '/v1/subscriptions', {
          key: state.keys!.us,
          body: { channel: 'webhook', target, ownerTeam: 'us-ops', filters: { eventTypes: ['hold.placed', 'hold.released'] } },
        });
        check(created.secret?.startsWith('whsec_'), 'the subscription answer carries no whsec_ secret');
        state.webhookSecret = created.secret;
        say(step, `us-ops subscribed a webhook receiver at ${target} to hold.placed and hold.released`);
      },
    },
    {
      name: 'seasonal traffic',
      run: async () => {
        const step = 'seasonal traffic';
        const { surgeAt, samples } = trafficHistory(now);
        state.surgeAt = surgeAt;
        const count = samples.length / REGIONS.length;
        await sendSamples(samples);
        say(step, `${samples.length} bare JSON samples on ${samplesTopic}: ${HISTORY_DAYS} days every five minutes for ${REGIONS.join(', ')}`);
        await until(
          step,
          async () => {
            for (const region of REGIONS) {
              const baseline = await ok<{ metrics: { sampleCount: number }[] }>(step, system.analyzerUrl, `/v1/regions/${region}/baseline?metric=requests`);
              check(baseline.metrics[0]?.sampleCount === count, `${region} has learned ${baseline.metrics[0]?.sampleCount ?? 0} of ${count} samples`);
            }
          },
          Math.max(timeoutMs, 60_000),
        );
        const surges = await ok<{ items: Surge[] }>(step, system.analyzerUrl, '/v1/surges');
        check(surges.items.length === 0, `ordinary seasonal traffic started ${surges.items.length} surges`);
        say(step, `the analyzer learned each region's ${HISTORY_DAYS} days, by hour of the week in its own zone; no surge from ordinary traffic`);
      },
    },
    {
      name: 'surge in IR',
      run: async () => {
        const step = 'surge in IR';
        await sendSamples([surgeSample()]);
        // Dated at the sample's own time, so this line's clock runs behind its neighbours'.
        say(step, `the decisive sample, dated the five-minute slot after the ${HISTORY_DAYS} days sent (so this line's time is earlier than its neighbours'): IR at ${surgeSample().value} requests, 20 times its daily average of ${BASE_LEVEL.IR}`, state.surgeAt);
        state.surge = await until(
          step,
          async () => {
            const { items } = await ok<{ items: Surge[] }>(step, system.analyzerUrl, '/v1/surges?region=IR');
            const active = items.find((surge) => surge.status === 'active');
            check(active, 'no active surge in IR');
            return active;
          },
          timeoutMs,
        );
        say(step, `surge ${state.surge.id} started in IR (${localTime(state.surge.startedAt, 'Asia/Tehran')})`);
      },
    },
    {
      name: 'hold on the windows that hurt IR',
      run: async () => {
        const step = 'hold on the windows that hurt IR';
        state.hold = await until(
          step,
          async () => {
            const holds = await holdsOfSurge(step);
            check(holds.length === 1, `${holds.length} holds for the IR surge`);
            return holds[0];
          },
          timeoutMs,
        );
        const { upgrade, berlin, usOnly } = state.windows!;
        await until(
          step,
          async () => {
            check((await windowOf(step, upgrade.id)).status === 'held', 'the global upgrade is not held');
            check((await windowOf(step, berlin.id)).status === 'held', 'the Berlin window with IR is not held');
          },
          timeoutMs,
        );
        check((await windowOf(step, usOnly.id)).status === 'scheduled', 'the US-only window is not scheduled');
        say(step, `hold ${state.hold.id} on IR: "${upgrade.title}" and "${berlin.title}" held; "${usOnly.title}" still scheduled`);
      },
    },
    {
      name: 'gate',
      run: async () => {
        const step = 'gate';
        const upgrade = await call<{ code?: string }>(step, system.plannerUrl, `/v1/gate?windowId=${state.windows!.upgrade.id}`, { key: state.keys!.network });
        check(upgrade.status === 423, `the gate answered ${upgrade.status} for the upgrade: ${upgrade.text}`);
        const us = await call<{ allowed: boolean }>(step, system.plannerUrl, `/v1/gate?windowId=${state.windows!.usOnly.id}`, { key: state.keys!.us });
        check(us.status === 200 && us.body.allowed, `the gate answered ${us.status} for the US window: ${us.text}`);
        say(step, `the upgrade's deploy job asks the gate: 423 Locked; the US swap's: 200 allowed`);
      },
    },
    {
      name: 'webhook received and verified',
      run: async () => {
        const step = 'webhook received and verified';
        const webhook = await until(
          step,
          async () => {
            const found = state.webhooks!.find((received) => received.body.type === 'hold.placed' && received.body.data.holdId === state.hold!.id);
            check(found, 'no hold.placed webhook for the hold');
            return found;
          },
          timeoutMs,
        );
        check(verifyWebhook(state.webhookSecret!, webhook), 'the webhook signature does not verify with the subscription secret');
        say(step, `hold.placed reached the receiver (webhook-id ${String(webhook.headers['webhook-id'])}); its Standard Webhooks signature verifies`);
      },
    },
    {
      name: 'explanation',
      run: async () => {
        const step = 'explanation';
        const explanation = await ok<{ holds: { hold: Hold; cause: { kind: string; causeId: string; causeEventId: string; correlationId: string; evidence: Surge['evidence'] } }[] }>(
          step,
          system.plannerUrl,
          `/v1/windows/${state.windows!.upgrade.id}/explanation`,
          { key: state.keys!.network },
        );
        state.explanation = explanation;
        const held = explanation.holds.find((entry) => entry.hold.id === state.hold!.id);
        check(held, 'the explanation does not name the hold');
        check(held.cause.kind === 'surge' && held.cause.causeId === state.surge!.id, `the cause is ${held.cause.kind} ${held.cause.causeId}, not surge ${state.surge!.id}`);
        check(held.cause.correlationId === state.surge!.causeEventId, `the hold's correlation id ${held.cause.correlationId} is not the sample's event ${state.surge!.causeEventId}`);
        const evidence = held.cause.evidence ?? {};
        // The sample went out as bare JSON, with no id: the analyzer derived its event id from where it lay in the log.
        say(
          step,
          `why is the upgrade held? the bare JSON sample of IR at ${surgeSample().at.toISOString()} (observed ${evidence.observed ?? '?'} against a baseline of ${Math.round(evidence.baseline ?? 0)}, score ${(evidence.score ?? 0).toFixed(1)}; event id ${state.surge!.causeEventId}, derived by the analyzer) -> surge ${state.surge!.id} -> hold ${state.hold!.id}`,
        );
      },
    },
    {
      name: 'duplicates change nothing',
      run: async () => {
        const step = 'duplicates change nothing';
        const lateBefore = await metricValue(system.analyzerUrl, 'holdfast_analyzer_samples_total', /outcome="late"/);
        await sendSamples([surgeSample()]);
        await until(step, async () => check((await metricValue(system.analyzerUrl, 'holdfast_analyzer_samples_total', /outcome="late"/)) > lateBefore, 'the repeated sample was not judged yet'), timeoutMs);

        // The surge.started event itself, delivered again as a broker redelivery would.
        const duplicateBefore = await metricValue(system.plannerUrl, 'holdfast_events_consumed_total', /type="surge\.started".*outcome="duplicate"/);
        const consumer = kafka.consumer({ groupId: `${system.topicPrefix}story-reader-${Date.now()}` });
        await consumer.connect();
        try {
          const started = await new Promise<{ key: Buffer | null; value: Buffer | null; headers: Record<string, unknown> }>((resolve, reject) => {
            const timer = setTimeout(() => reject(new StoryStepError(step, 'surge.started not found on the topic')), timeoutMs);
            void consumer.subscribe({ topic: surgesTopic, fromBeginning: true }).then(() =>
              consumer.run({
                eachMessage: async ({ message }) => {
                  if (String(message.headers?.ce_type) === 'surge.started' && message.value?.toString().includes(state.surge!.id)) {
                    clearTimeout(timer);
                    resolve({ key: message.key, value: message.value, headers: message.headers ?? {} });
                  }
                },
              }),
            );
          });
          await producer!.send({ topic: surgesTopic, acks: -1, messages: [{ key: started.key, value: started.value, headers: started.headers as Record<string, Buffer> }] });
        } finally {
          await consumer.disconnect();
        }
        await until(step, async () => check((await metricValue(system.plannerUrl, 'holdfast_events_consumed_total', /type="surge\.started".*outcome="duplicate"/)) > duplicateBefore, 'the planner has not seen the repeated surge.started'), timeoutMs);

        const surges = (await ok<{ items: Surge[] }>(step, system.analyzerUrl, '/v1/surges?region=IR')).items;
        check(surges.length === 1, `${surges.length} surges in IR after the duplicates`);
        const holds = await holdsOfSurge(step);
        check(holds.length === 1 && holds[0].releasedAt === null, `${holds.length} holds for the surge after the duplicates`);
        check(state.webhooks!.filter((webhook) => webhook.body.type === 'hold.placed').length === 1, 'a second hold.placed webhook arrived');
        say(step, 'the same sample and the same surge.started sent again: still one surge, one hold, one webhook');
      },
    },
    {
      name: 'window planned into the hold',
      run: async () => {
        const step = 'window planned into the hold';
        const startsAt = new Date(Math.ceil(now.getTime() / FIVE_MINUTES) * FIVE_MINUTES + 3_600_000);
        const body = {
          title: 'Emergency router firmware',
          ownerTeam: 'network-ops',
          footprint: { global: false, regions: ['IR'] },
          startsAt: startsAt.toISOString(),
          endsAt: new Date(startsAt.getTime() + 1_800_000).toISOString(),
          plannedZone: 'America/Los_Angeles',
        };
        const refused = await call<{ code: string; holds?: { id: string }[]; detail?: string }>(step, system.plannerUrl, '/v1/windows', { key: state.keys!.network, body });
        check(refused.status === 409 && refused.body.code === 'window-in-hold', `planning into the hold answered ${refused.status}: ${refused.text}`);
        check(refused.text.includes(state.hold!.id), `the refusal does not name hold ${state.hold!.id}: ${refused.text}`);
        state.refusal = { status: refused.status, code: refused.body.code, holdIds: [state.hold!.id] };
        say(step, `"${body.title}" into IR during the hold: 409 window-in-hold naming hold ${state.hold!.id}`);
        state.overriddenWindow = await ok<Window>(step, system.plannerUrl, '/v1/windows', {
          key: state.keys!.onCall,
          body: { ...body, override: { reason: 'Security fix that cannot wait; IR traffic routed around the router' } },
        });
        say(step, `the on-call lead plans it with an override and a reason: created (${state.overriddenWindow.status})`);
      },
    },
    {
      name: 'suggested slot',
      run: async () => {
        const step = 'suggested slot';
        const { upgrade } = state.windows!;
        // The planner scores from its own copy of the baselines: ask once it has taken every one the analyzer published
        // (all of the week's by now: they left the analyzer's outbox before the surge that placed the hold).
        await until(
          step,
          async () => {
            const published = await metricValue(system.analyzerUrl, 'holdfast_events_published_total', /type="region\.baseline"/);
            const taken = await metricValue(system.plannerUrl, 'holdfast_events_consumed_total', /type="region\.baseline"/);
            check(published > 0 && taken >= published, `the planner has taken ${taken} of the ${published} baselines the analyzer published`);
          },
          timeoutMs,
        );
        const suggestions = await ok<{ slots: StoryState['suggestion'][]; scoredRegions: string[]; notes: string[] }>(step, system.plannerUrl, `/v1/windows/${upgrade.id}/suggestions?count=1`, {
          key: state.keys!.network,
        });
        check(suggestions.slots.length > 0, `no slot suggested for the upgrade: ${suggestions.notes.join(' ')}`);
        state.suggestion = suggestions.slots[0];
        const offStory = slotOffStory(state.suggestion, upgrade.flexibility!);
        check(!offStory, `${offStory} (scored ${suggestions.scoredRegions.join(', ')}; ${suggestions.notes.join(' ') || 'no notes'})`);
        say(
          step,
          `least harmful slot for the upgrade: ${localTime(state.suggestion.startsAt, 'America/Los_Angeles')} = ${localTime(state.suggestion.startsAt, 'Asia/Tehran')}, ` +
            `the last hour network-ops has staff (${localTime(state.suggestion.startsAt, NETWORK_TEAM.zone)})`,
        );
      },
    },
    {
      name: 'surge clears and the hold is released',
      run: async () => {
        const step = 'surge clears and the hold is released';
        const calm = [1, 2].map((n) => {
          const at = new Date(state.surgeAt!.getTime() + n * FIVE_MINUTES);
          return { region: 'IR', at, value: seasonalValue('IR', at, n) };
        });
        await sendSamples(calm);
        say(step, 'IR traffic back to its usual level for two samples');
        await until(
          step,
          async () => {
            const surge = await ok<Surge & { clearedAt: string | null }>(step, system.analyzerUrl, `/v1/surges/${state.surge!.id}`);
            check(surge.status !== 'active', 'the surge is still active');
          },
          timeoutMs,
        );
        say(step, `surge ${state.surge!.id} cleared`);
        const released = await until(
          step,
          async () => {
            const hold = await ok<Hold>(step, system.plannerUrl, `/v1/holds/${state.hold!.id}`);
            check(hold.releasedAt, 'the hold is not released');
            return hold;
          },
          timeoutMs,
        );
        await until(step, async () => check((await windowOf(step, state.windows!.upgrade.id)).status === 'scheduled', 'the upgrade is not scheduled again'), timeoutMs);
        const gate = await call(step, system.plannerUrl, `/v1/gate?windowId=${state.windows!.upgrade.id}`, { key: state.keys!.network });
        check(gate.status === 200, `the gate still answers ${gate.status} for the upgrade`);
        await until(step, async () => check(state.webhooks!.some((webhook) => webhook.body.type === 'hold.released' && verifyWebhook(state.webhookSecret!, webhook)), 'no signed hold.released webhook'), timeoutMs);
        say(step, `after the cool-down, hold ${released.id} released; the upgrade is scheduled again and the gate answers 200; hold.released delivered`);
      },
    },
    {
      name: 'audit trail',
      run: async () => {
        const step = 'audit trail';
        const entries = async (subject: string) =>
          (await ok<{ items: { subject?: string; subjectId?: string; action: string; reason: string | null; causeEventId: string | null; actor: string }[] }>(step, system.plannerUrl, `/v1/audit?subject=${subject}`)).items;
        const holdTrail = await entries(state.hold!.id);
        const windowTrail = await entries(state.windows!.upgrade.id);
        const overrideTrail = await entries(state.overriddenWindow!.id);
        const actions = (trail: { action: string }[]) => trail.map((entry) => entry.action).join(', ');
        check(/plac/.test(actions(holdTrail)) && /releas/.test(actions(holdTrail)), `the hold's trail is: ${actions(holdTrail)}`);
        check(/held/.test(actions(windowTrail)) && /releas|schedul/.test(actions(windowTrail)), `the upgrade's trail is: ${actions(windowTrail)}`);
        check(/overrid/.test(actions(overrideTrail)), `the overridden window's trail is: ${actions(overrideTrail)}`);
        state.audit = [...holdTrail, ...windowTrail, ...overrideTrail].map((entry) => ({
          subject: entry.subject ?? entry.subjectId ?? '',
          action: entry.action,
          reason: entry.reason,
          causeEventId: entry.causeEventId,
        }));
        say(step, `hold: ${actions(holdTrail)}; upgrade: ${actions(windowTrail)}; override: ${actions(overrideTrail)}`);
      },
    },
  ];

  return {
    state,
    timeline,
    // A step that fails outside `until` or `ok` (a service gone, a refused connection) still names itself.
    steps: steps.map(({ name, run }) => ({
      name,
      run: () => run().catch((error: unknown) => Promise.reject(error instanceof StoryStepError ? error : new StoryStepError(name, reasonOf(error)))),
    })),
    close: async () => {
      await producer?.disconnect();
      await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
    },
  };
}

/** What the audience takes away, in the words of 2009: from the story's own state, so it says what happened, not what was meant to. */
export function storySummary(state: Partial<StoryState>): string[] {
  const { upgrade, berlin, usOnly } = state.windows!;
  const slot = state.suggestion!.startsAt;
  return [
    `one surging sample in IR held, at once, every window that would hurt IR: "${upgrade.title}" (global) and "${berlin.title}" (DE, IR); "${usOnly.title}" (US) stayed free to run`,
    "the deploy jobs asked the gate and were told (423 held, 200 allowed); the owners' webhook arrived signed; a window planned into the hold was refused naming it, and went in with an override and a reason",
    `the upgrade's least harmful slot, by the traffic learned for the regions it touches: ${localTime(slot, 'America/Los_Angeles')} = ${localTime(slot, 'Asia/Tehran')}; in June 2009 Twitter's network host moved its upgrade to 14:00 California time, 01:30 in Tehran`,
    'the surge cleared, the hold was released after its cool-down, and the audit trail ties each step to the sample that started it',
  ];
}
