import { Topics } from '@holdfast/contracts';
import { createKafka, physicalTopic, silentLogger } from '@holdfast/messaging';
import { expectEventually, produceOnce } from '@holdfast/testing';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonical, OPENAPI_DOCUMENTS, readCheckedIn } from '../cli/scripts/openapi-documents';
import { ROOT } from '../scripts/system/system-runner.mjs';
import { startHoldfast, type RunningHoldfast, type ServiceName } from './support/holdfast-services';

const BIN = join(ROOT, 'cli/bin/holdfast.mjs');
const run = promisify(execFile);

// June of next year: always ahead of the services' clock, which is the real one here.
const YEAR = new Date().getUTCFullYear() + 1;
// The declared critical period: from 18:15 UTC yesterday (midnight in Kathmandu, +05:45) for 29 days, within DECLARATION_MAX_DAYS.
const dayFromToday = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const DECLARED = { fromDay: dayFromToday(-1), fromLocalDay: dayFromToday(0), untilDay: dayFromToday(28), untilLocalDay: dayFromToday(29) };

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

describe('holdfast (the CLI) against the three running services', () => {
  let system: RunningHoldfast;
  /** The CLI as a process; `stdin` is piped to it and closed (nothing by default). */
  let holdfast: (args: string[], env?: Record<string, string>, stdin?: string) => Promise<Ran>;
  /** The service's own API, for what a spec sets up rather than tests; the answer's JSON, failing on a refusal. */
  let api: (service: ServiceName, path: string, body?: unknown) => Promise<unknown>;
  // A receiver whose hook was removed: it answers every delivery with 410 Gone.
  let gone: Server;
  let gonePort: number;
  // A receiver that refuses for good what is sent to /refuse/... (400) and takes the rest, recording each path.
  let receiver: Server;
  let receiverPort: number;
  const received: string[] = [];

  beforeAll(async () => {
    gone = createServer((request, response) => request.resume().on('end', () => response.writeHead(410).end('this hook was removed')));
    receiver = createServer((request, response) =>
      request.resume().on('end', () => {
        received.push(request.url ?? '');
        if (request.url?.startsWith('/refuse/')) response.writeHead(400).end('unknown event type');
        else response.writeHead(204).end();
      }),
    );
    await Promise.all([gone, receiver].map((server) => new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening))));
    gonePort = (gone.address() as { port: number }).port;
    receiverPort = (receiver.address() as { port: number }).port;
    system = await startHoldfast('cli', { NOTIFIER_OUTBOUND_ALLOW: `127.0.0.1:9,127.0.0.1:${gonePort},127.0.0.1:${receiverPort}` });
    api = async (service, path, body) => {
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${system.adminKey}` };
      const response = await fetch(`${system.urls[service]}${path}`, body === undefined ? { headers } : { method: 'POST', headers, body: JSON.stringify(body) });
      const answer: unknown = await response.json();
      expect(response.ok, JSON.stringify(answer)).toBe(true);
      return answer;
    };
    const baseEnv = {
      PATH: process.env.PATH ?? '',
      HOLDFAST_PLANNER_URL: system.urls['maintenance-planner'],
      HOLDFAST_ANALYZER_URL: system.urls['impact-analyzer'],
      HOLDFAST_NOTIFIER_URL: system.urls.notifier,
      HOLDFAST_KEY: system.adminKey,
    };
    holdfast = async (args, env = {}, stdin = '') => {
      const ran = run(process.execPath, [BIN, ...args], { env: { ...baseEnv, ...env }, cwd: ROOT });
      ran.child.stdin?.end(stdin);
      try {
        const { stdout, stderr } = await ran;
        return { code: 0, stdout, stderr };
      } catch (error) {
        const failed = error as { code: number; stdout: string; stderr: string };
        return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
      }
    };
  });

  afterAll(async () => {
    await system?.stop();
    await Promise.all([gone, receiver].map((server) => new Promise((closed) => server?.close(closed))));
  });

  describe('the checked-in OpenAPI documents the client is typed by', () => {
    it.each(Object.entries(OPENAPI_DOCUMENTS))('%s serves exactly cli/openapi/%s.json (else run npm run cli:openapi and commit)', async (service, file) => {
      const served = await (await fetch(`${system.urls[service as ServiceName]}/docs-json`)).json();
      expect(canonical(served)).toEqual(readCheckedIn(file));
    });
  });

  it('creates, lists and revokes a key, as a table and as the API JSON', async () => {
    const created = await holdfast(['keys', 'create', '--team', 'network-ops', '--scopes', 'read,windows:write', '--name', 'ci', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const key = JSON.parse(created.stdout) as { keyId: string; key: string };
    expect(key.key).toMatch(/^hf_[0-9a-f]{16}_/);

    const listed = await holdfast(['keys', 'list', '--team', 'network-ops']);
    expect(listed.stdout).toMatch(new RegExp(`^KEY +TEAM +NAME +SCOPES`, 'm'));
    expect(listed.stdout).toMatch(new RegExp(`${key.keyId} +network-ops +ci +read,windows:write +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC +no`));
    // Newest first, a page at a time: --limit 1 shows the newest key and says more follow.
    const newer = JSON.parse((await holdfast(['keys', 'create', '--team', 'network-ops', '--scopes', 'read', '--name', 'dashboards', '--json'])).stdout) as { keyId: string };
    const newest = await holdfast(['keys', 'list', '--team', 'network-ops', '--limit', '1', '--json']);
    expect(JSON.parse(newest.stdout)).toEqual({ items: [expect.objectContaining({ keyId: newer.keyId })], nextCursor: expect.any(String) });
    expect((await holdfast(['keys', 'list', '--team', 'network-ops', '--limit', '1'])).stderr).toBe('showing the first 1 keys; more follow (a larger --limit shows them)\n');

    // The new key works from the environment, then stops working once revoked.
    await expectEventually(async () => expect((await holdfast(['holds', 'list'], { HOLDFAST_KEY: key.key })).code).toBe(0));
    expect((await holdfast(['keys', 'revoke', key.keyId, '--reason', 'rotated'])).stdout).toBe(`revoked key ${key.keyId}\n`);
    await expectEventually(async () => {
      const refused = await holdfast(['holds', 'list'], { HOLDFAST_KEY: key.key });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^holdfast: .*\(revoked-key\)\n$/);
    });
  });

  it('shows a declared critical period as a surge and a hold, with local times in the region\'s named zone', async () => {
    const { fromDay, fromLocalDay, untilDay, untilLocalDay } = DECLARED;
    await api('impact-analyzer', '/v1/declarations', { regions: ['NP'], from: `${fromDay}T18:15:00Z`, until: `${untilDay}T18:15:00Z`, reason: 'election count', severity: 'major' });

    await expectEventually(async () => expect((await holdfast(['surges', '--region', 'NP'])).stdout).toContain('election count'));
    const surges = await holdfast(['surges', '--region', 'NP']);
    expect(surges.stdout).toMatch(new RegExp(`NP +declaration +active +election count +${fromDay} 18:15 UTC +${fromLocalDay} 00:00 Asia/Kathmandu \\(\\+05:45\\)`));
    const asJson = await holdfast(['surges', '--region', 'NP', '--json']);
    expect(JSON.parse(asJson.stdout)).toEqual(await api('impact-analyzer', '/v1/surges?region=NP'));

    await expectEventually(async () => expect((await holdfast(['holds', 'list', '--active'])).stdout).toContain('election count'));
    const holds = await holdfast(['holds', 'list', '--active']);
    expect(holds.stdout).toMatch(
      // Until the end the gate holds it to: the declared 18:15 and the planner's 30-minute cool-down after it.
      new RegExp(
        `NP +declaration +Surge in NP: election count +active +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC +${untilDay} 18:45 UTC \\(its until, ${untilDay} 18:15 UTC, and the cool-down after it\\) +NP ${fromLocalDay} 00:00 Asia/Kathmandu \\(\\+05:45\\) - ${untilLocalDay} 00:30`,
      ),
    );
  });

  it('declares a critical period, lists, shows and cancels it, in the region\'s local time', async () => {
    const from = new Date(Date.now() + 3 * 3_600_000).toISOString();
    const until = new Date(Date.now() + 27 * 3_600_000).toISOString();
    const declared = await holdfast(['declarations', 'declare', '--regions', 'LK', '--from', from, '--until', until, '--reason', 'runoff vote', '--json']);
    expect(declared.code, declared.stderr).toBe(0);
    const declaration = JSON.parse(declared.stdout) as { id: string; status: string; severity: string };
    expect(declaration).toMatchObject({ status: 'scheduled', severity: 'major' });

    const listed = await holdfast(['declarations', '--status', 'scheduled']);
    expect(listed.stdout).toMatch(new RegExp(`${declaration.id} +LK +scheduled +runoff vote .+ LK \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d Asia/Colombo \\(\\+05:30\\)`));
    expect((await holdfast(['declarations', 'show', declaration.id])).stdout).toMatch(/^status: +scheduled$/m);
    const cancelled = await holdfast(['declarations', 'cancel', declaration.id]);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toMatch(/^status: +cancelled$/m);

    const badStatus = await holdfast(['declarations', '--status', 'over']);
    expect(badStatus).toMatchObject({ code: 2, stderr: expect.stringContaining('--status must be one of scheduled, active, ended, cancelled, not over') });
    const noUntil = await holdfast(['declarations', 'declare', '--regions', 'LK', '--from', from, '--reason', 'runoff vote']);
    expect(noUntil).toMatchObject({ code: 2, stderr: expect.stringContaining('--until is required') });
  });

  it('declares once when a job runs the same declaration again with its --idempotency-key', async () => {
    const from = new Date(Date.now() + 5 * 3_600_000).toISOString();
    const until = new Date(Date.now() + 29 * 3_600_000).toISOString();
    const key = `deploy-${randomBytes(6).toString('hex')}`;
    const declare = () => holdfast(['declarations', 'declare', '--regions', 'MN', '--from', from, '--until', until, '--reason', 'Naadam', '--json', '--idempotency-key', key]);
    const [first, again] = [await declare(), await declare()];
    expect(first.code, first.stderr).toBe(0);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual(JSON.parse(first.stdout));
    const listed = JSON.parse((await holdfast(['declarations', '--status', 'scheduled', '--json'])).stdout) as { items: { regions: string[]; reason: string }[] };
    expect(listed.items.filter((declaration) => declaration.reason === 'Naadam')).toHaveLength(1);
    const changed = await holdfast(['declarations', 'declare', '--regions', 'MN', '--from', from, '--until', until, '--reason', 'Naadam festival', '--idempotency-key', key]);
    // The command's own key, made from the one given, its name and its regions: the same for both.
    expect(changed).toMatchObject({ code: 1, stderr: expect.stringMatching(new RegExp(`Idempotency-Key ${key}/declarations-declare/[0-9a-f]{12} was used at`)) });
  });

  it("lists a pipeline's sample of a region the catalog does not know as dead-lettered, and replays it once", async () => {
    const settings = { ...system.kafka, clientId: 'cli-e2e' };
    const sample = { region: 'dc-nowhere-1', metric: 'requests', at: new Date().toISOString(), value: 10, source: 'edge' };
    await produceOnce(createKafka(settings, silentLogger), physicalTopic(settings, Topics.trafficSamples), [{ key: sample.region, value: Buffer.from(JSON.stringify(sample)) }]);
    type Letters = { items: { offset: string; reason: string; replayable: boolean; replayedAt: string | null }[] };
    const letters = async (): Promise<Letters['items']> => (JSON.parse((await holdfast(['dead-letters', '--topic', Topics.trafficSamples, '--json'])).stdout) as Letters).items;
    await expectEventually(async () => expect(await letters()).toEqual([expect.objectContaining({ replayable: true, replayedAt: null, reason: expect.stringContaining('unknown region dc-nowhere-1') })]));

    const replayedFrom = new Date().toISOString();
    const replayed = await holdfast(['dead-letters', 'replay', '--topic', Topics.trafficSamples, '--reason', 'unknown region']);
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(replayed.stdout).toBe('replayed 1 dead letters (1 messages); 0 left\n');
    // Nothing fixed it: the replay is refused again, at the offset it now has.
    await expectEventually(async () => expect(await letters()).toHaveLength(2));
    // The first letter is replayed once: among those dead-lettered before the replay, none is left.
    expect((await holdfast(['dead-letters', 'replay', '--reason', 'unknown region', '--until', replayedFrom])).stdout).toBe('nothing to replay at the impact-analyzer\n');
    const [again, first] = await letters();
    expect(Date.parse(first.replayedAt!)).toBeGreaterThanOrEqual(Date.parse(replayedFrom));
    expect(again).toMatchObject({ replayedAt: null, reason: first.reason });
    expect(BigInt(again.offset)).toBeGreaterThan(BigInt(first.offset));
    expect((await holdfast(['dead-letters'])).stdout).toMatch(new RegExp(`${first.offset} .* \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC .*unknown region dc-nowhere-1`));
  });

  // The subscription whose receiver answers 410 Gone, turned off by the notifier in the test below.
  let goneSubscription: string;

  it('subscribes from a YAML file and lists subscriptions and deliveries', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'holdfast-cli-'));
    const file = join(folder, 'subscription.yaml');
    writeFileSync(file, 'channel: webhook\ntarget: http://127.0.0.1:9/holds\nownerTeam: network-ops\nfilters:\n  eventTypes: [hold.placed]\n');
    const created = await holdfast(['subscriptions', 'create', '--file', file]);
    expect(created.code, created.stderr).toBe(0);
    // The signing secret the notifier generated, which it shows in this answer only.
    expect(created.stdout).toMatch(/^subscribed: \S+ \(webhook for network-ops\)\nsecret: whsec_[A-Za-z0-9+/=]+\n {2}shown this once: /);
    const listed = await holdfast(['subscriptions', '--team', 'network-ops']);
    expect(listed.stdout).toMatch(/webhook +network-ops +http:\/\/127\.0\.0\.1:9\/holds/);
    const deliveries = await holdfast(['deliveries', '--status', 'dead', '--json']);
    expect(deliveries.code, deliveries.stderr).toBe(0);
    expect(JSON.parse(deliveries.stdout)).toHaveProperty('items');

    // A receiver that answers 410 Gone is listed as turned off by the notifier once a hold reaches it.
    writeFileSync(file, `channel: webhook\ntarget: http://127.0.0.1:${gonePort}/holds\nownerTeam: storage-ops\nfilters:\n  eventTypes: [hold.placed]\n  regions: [UY]\n`);
    const goneOne = await holdfast(['subscriptions', 'create', '--file', file]);
    expect(goneOne.code).toBe(0);
    goneSubscription = /^subscribed: (\S+)/.exec(goneOne.stdout)![1];
    // Oldest first, a page at a time: --limit 1 leaves the newer one out and says so.
    const oldest = await holdfast(['subscriptions', '--limit', '1']);
    expect(oldest.stdout).toContain('network-ops');
    expect(oldest.stdout).not.toContain('storage-ops');
    expect(oldest.stderr).toBe('showing the first 1 subscriptions; more follow (a larger --limit shows them)\n');
    const declared = await holdfast(['holds', 'declare', '--regions', 'UY', '--from', new Date(Date.now() - 60_000).toISOString(), '--until', new Date(Date.now() + 3_600_000).toISOString(), '--reason', 'national exams']);
    expect(declared.code, declared.stderr).toBe(0);
    await expectEventually(async () => expect((await holdfast(['subscriptions', '--team', 'storage-ops'])).stdout).toMatch(new RegExp(`webhook +storage-ops +http://127\\.0\\.0\\.1:${gonePort}/holds +disabled \\(receiver gone: 410\\)`)));
  });

  it('tests a subscription, replays dead deliveries, and turns back on one whose receiver was gone', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'holdfast-cli-'));
    const file = join(folder, 'subscription.yaml');
    // Only test messages reach it: no hold is ever placed on Antarctica.
    writeFileSync(file, `channel: webhook\ntarget: http://127.0.0.1:${receiverPort}/refuse/payments\nownerTeam: payments\nfilters:\n  eventTypes: [hold.placed]\n  regions: [AQ]\n`);
    const { id } = JSON.parse((await holdfast(['subscriptions', 'create', '--file', file, '--json'])).stdout) as { id: string };
    // A 400 is refused for good: the test message is dead at once, and the exit code says so.
    const refused = await holdfast(['subscriptions', 'test', id]);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stdout).toMatch(new RegExp(`^sent: +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC to http://127\\.0\\.0\\.1:${receiverPort}/refuse/payments$`, 'm'));
    expect(refused.stdout).toMatch(/^answer: +400 in \d+ ms$/m);
    expect(refused.stdout).toMatch(/^error: +webhook receiver answered 400: unknown event type$/m);
    expect(refused.stdout).toMatch(/^outcome: +dead: not tried again/m);
    const deliveryId = /^test delivery: +(\S+)$/m.exec(refused.stdout)![1];
    expect((await holdfast(['deliveries', 'replay', deliveryId])).stdout).toBe(`replaying delivery ${deliveryId}\n`);
    await expectEventually(async () => expect(received.filter((path) => path === '/refuse/payments')).toHaveLength(2));

    // Turned off when its receiver answered 410: moved to a receiver that takes deliveries and turned on, which sends what it refused.
    const off = await holdfast(['subscriptions', 'show', goneSubscription]);
    expect(off.stdout).toMatch(/^state: +disabled \(receiver gone: 410\)$/m);
    expect(off.stdout).toMatch(new RegExp(`^why: +http://127\\.0\\.0\\.1:${gonePort} answered 410 Gone`, 'm'));
    const on = await holdfast(['subscriptions', 'update', goneSubscription, '--enabled', 'true', '--target', `http://127.0.0.1:${receiverPort}/holds`, '--description', 'moved off the removed hook']);
    expect(on.code, on.stderr).toBe(0);
    expect(on.stdout).toMatch(/^state: +enabled$/m);
    expect(on.stdout).toMatch(/^description: +moved off the removed hook$/m);
    expect(on.stdout).toContain(
      `what waited while it was off (and any delivery its receiver refused with 410) is sent now, in order; deliveries that died of another failure wait for holdfast deliveries replay --subscription ${goneSubscription}\n`,
    );
    await expectEventually(async () => expect(received).toContain('/holds'));
    expect((await holdfast(['deliveries', 'replay', '--dead', '--subscription', goneSubscription])).stdout).toBe(`no dead deliveries of subscription ${goneSubscription} to replay\n`);
  });

  it("rotates a webhook's signing secret, printing the new one once and when each old one stops signing; refuses a fourth kept and a Slack subscription's", async () => {
    const folder = mkdtempSync(join(tmpdir(), 'holdfast-cli-'));
    const file = join(folder, 'subscription.yaml');
    // Nothing reaches it: no hold is ever placed on Antarctica.
    writeFileSync(file, `channel: webhook\ntarget: http://127.0.0.1:${receiverPort}/rotated\nownerTeam: payments\nfilters:\n  regions: [AQ]\n`);
    const { id, secret: first } = JSON.parse((await holdfast(['subscriptions', 'create', '--file', file, '--json'])).stdout) as { id: string; secret: string };
    const rotated = await holdfast(['subscriptions', 'rotate-secret', id, '--overlap', '2h'], { TZ: 'Asia/Tehran' });
    expect(rotated.code, rotated.stderr).toBe(0);
    const secret = /^new secret: +(whsec_\S+)$/m.exec(rotated.stdout)![1];
    expect(secret).not.toBe(first);
    const until = DateTime.utc().plus({ hours: 2 });
    expect(rotated.stdout).toMatch(/^old secret: +signs deliveries beside the new one until \d{4}-\d\d-\d\d \d\d:\d\d UTC$/m);
    expect(rotated.stdout).toMatch(new RegExp(`^ +\\(${until.setZone('Asia/Tehran').toFormat('yyyy-MM-dd')} \\d\\d:\\d\\d Asia/Tehran \\(\\+03:30\\) here\\): the receiver should take the new one by then$`, 'm'));
    expect((await holdfast(['subscriptions', 'show', id])).stdout).toMatch(/^ +the one it replaced also signs until \d{4}-\d\d-\d\d \d\d:\d\d UTC/m);

    const given = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const atOnce = await holdfast(['subscriptions', 'rotate-secret', id, '--secret', given, '--overlap', '0', '--json']);
    expect(atOnce.code, atOnce.stderr).toBe(0);
    expect(JSON.parse(atOnce.stdout)).toMatchObject({ id, secret: given, previousSecretUntil: null });

    // Three rotations within each other's overlaps: each replaced secret signs until its own end, and a fourth is refused.
    for (const overlap of ['1h', '3h', '2h']) expect((await holdfast(['subscriptions', 'rotate-secret', id, '--overlap', overlap])).code).toBe(0);
    const { previousSecrets } = JSON.parse((await holdfast(['subscriptions', 'show', id, '--json'])).stdout) as { previousSecrets: { until: string }[] };
    expect(previousSecrets).toHaveLength(3);
    const shown = (until: string) => DateTime.fromISO(until, { zone: 'UTC' }).toFormat('yyyy-MM-dd HH:mm');
    const inTehran = (until: string) => DateTime.fromISO(until, { zone: 'Asia/Tehran' }).toFormat('yyyy-MM-dd HH:mm');
    const kept = (await holdfast(['subscriptions', 'show', id], { TZ: 'Asia/Tehran' })).stdout;
    ['the one it replaced', 'the one before it', 'the one before that'].forEach((which, index) =>
      expect(kept).toContain(`${which} also signs until ${shown(previousSecrets[index].until)} UTC (${inTehran(previousSecrets[index].until)} Asia/Tehran (+03:30) here)`),
    );
    const fourth = await holdfast(['subscriptions', 'rotate-secret', id]);
    expect(fourth.code).toBe(1);
    const firstEnds = previousSecrets.map(({ until }) => until).sort()[0];
    expect(fourth.stderr).toContain(`(too-many-signing-secrets)\n  with the CLI: the first of them stops signing at ${shown(firstEnds)} UTC (`);
    expect(fourth.stderr).toContain('rotate again after then, or now with --overlap 0, which replaces every secret at once');
    // A leaked secret: replaced with every kept one at once, read from standard input.
    const leakedFix = `whsec_${Buffer.alloc(32, 11).toString('base64')}`;
    const replaced = await holdfast(['subscriptions', 'update', id, '--secret', '-'], {}, `${leakedFix}\n`);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.stdout).toContain('signing secret replaced at once: deliveries carry the new signature only');
    expect(replaced.stdout).not.toContain('also signs until');
    expect(JSON.parse((await holdfast(['subscriptions', 'show', id, '--json'])).stdout)).toMatchObject({ previousSecrets: [], previousSecretUntil: null });

    writeFileSync(file, 'channel: slack\ntarget: https://hooks.slack.com/services/T000/B000/XXXX\nownerTeam: payments\nfilters:\n  regions: [AQ]\n');
    const slack = JSON.parse((await holdfast(['subscriptions', 'create', '--file', file, '--json'])).stdout) as { id: string };
    const refused = await holdfast(['subscriptions', 'rotate-secret', slack.id]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`is a slack subscription: only a webhook's signing secret is rotated`);
    expect(refused.stderr).toContain(`(secret-not-rotatable)\n  with the CLI: holdfast subscriptions update ${slack.id} --target - (Slack: its new incoming-webhook URL)`);
    const moved = await holdfast(['subscriptions', 'update', slack.id, '--target', '-', '--json'], {}, 'https://hooks.slack.com/services/T000/B000/YYYY\n');
    expect(moved.code, moved.stderr).toBe(0);
    expect(JSON.parse(moved.stdout)).toMatchObject({ id: slack.id, channel: 'slack' });
    expect((await holdfast(['subscriptions', 'delete', slack.id])).code).toBe(0);
  });

  it('reads the key and a signing secret from standard input, and the options for every command before the command', async () => {
    // No key in the environment and a planner URL that answers nothing: the ones written before the command are the ones used.
    const elsewhere = { HOLDFAST_KEY: '', HOLDFAST_PLANNER_URL: 'http://127.0.0.1:9' };
    const holds = await holdfast(['--json', '--planner-url', system.urls['maintenance-planner'], '--key', '-', 'holds', 'list', '--limit', '1'], elsewhere, `${system.adminKey}\n`);
    expect(holds.code, holds.stderr).toBe(0);
    expect(JSON.parse(holds.stdout)).toHaveProperty('items');
    const keyless = await holdfast(['--planner-url', system.urls['maintenance-planner'], 'holds', 'list'], elsewhere);
    expect(keyless.code).toBe(1);
    expect((await holdfast(['--regions', 'IR', 'gate'])).stderr).toMatch(/^holdfast: unknown option --regions before the command: /);

    const folder = mkdtempSync(join(tmpdir(), 'holdfast-cli-'));
    const file = join(folder, 'subscription.yaml');
    // Nothing reaches it: no hold is ever placed on Antarctica.
    writeFileSync(file, `channel: webhook\ntarget: http://127.0.0.1:${receiverPort}/piped\nownerTeam: payments\nfilters:\n  regions: [AQ]\n`);
    const piped = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    const created = await holdfast(['--json', 'subscriptions', 'create', '--file', file, '--secret', '-'], {}, `${piped}\n`);
    expect(created.code, created.stderr).toBe(0);
    const { id, secret } = JSON.parse(created.stdout) as { id: string; secret: string };
    expect(secret).toBe(piped);
    const next = `whsec_${Buffer.alloc(32, 10).toString('base64')}`;
    const rotated = await holdfast(['subscriptions', 'rotate-secret', id, '--secret', '-', '--overlap', '0', '--json'], {}, `${next}\r\n`);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(JSON.parse(rotated.stdout)).toMatchObject({ id, secret: next, previousSecretUntil: null });
    expect(await holdfast(['subscriptions', 'rotate-secret', id, '--secret', '-'])).toMatchObject({
      code: 2,
      stderr: 'holdfast: --secret - reads the secret from standard input, which gave none: pipe it in, as in --secret - < file\n',
    });
    expect((await holdfast(['subscriptions', 'delete', id])).code).toBe(0);
  });

  it('prints the problem document\'s detail and exits 1 on a refused call, a wrong key or a service it cannot reach', async () => {
    const unknown = await holdfast(['windows', 'show', '0190a7d2-6c4e-7b1a-9f3e-1c2d3e4f5a6b']);
    expect(unknown).toMatchObject({ code: 1, stdout: '', stderr: 'holdfast: No window 0190a7d2-6c4e-7b1a-9f3e-1c2d3e4f5a6b: list windows with GET /v1/windows. (window-not-found)\n  from the CLI: holdfast windows list lists the windows\n' });
    // A malformed id is the caller's mistake, told before any call as any other usage error: exit 2, as a bad argument.
    const notUuid = await holdfast(['surges', 'show', 'not-a-uuid']);
    expect(notUuid).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'holdfast: "not-a-uuid" is not a surge id: an id is a UUID, such as 0190a7d2-6c4e-7b1a-9f3e-1c2d3e4f5a6b (holdfast surges list shows them)\nusage: holdfast surges show ID\n',
    });
    const wrongKey = await holdfast(['holds', 'list', '--key', 'not-a-key']);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain('(malformed-key)');
    const badField = await holdfast(['keys', 'create', '--team', 'sre', '--scopes', 'everything', '--name', 'x']);
    expect(badField.code).toBe(1);
    expect(badField.stderr).toMatch(/^holdfast: .+\n {2}scopes/);
    // The gate asked of the analyzer: the analyzer names itself and the service that serves the gate.
    const elsewhere = await holdfast(['gate', '--regions', 'IR', '--planner-url', system.urls['impact-analyzer']]);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toBe(
      `holdfast: No route of the impact-analyzer serves GET /v1/gate: the maintenance-planner does (GET /v1/gate); send it there (by default port 3001 under npm start, HOLDFAST_PLANNER_URL for the CLI). (no-such-route)\n  from the CLI: check --planner-url or HOLDFAST_PLANNER_URL names the maintenance-planner: the service at ${new URL(system.urls['impact-analyzer']).origin} has no route /v1/gate (another of Holdfast's services, or one older than this CLI)\n`,
    );
    const nowhere = await holdfast(['holds', 'list', '--planner-url', 'http://127.0.0.1:59999']);
    expect(nowhere.code).toBe(1);
    // Nothing listening may be a service restarting: asked twice more, 1 s and 2 s apart, before giving up.
    expect(nowhere.stderr).toBe(
      [
        'holdfast: no answer from the maintenance-planner at http://127.0.0.1:59999/v1/holds?limit=500 (ECONNREFUSED); sending it again in 1s (retry 1 of 2)',
        'holdfast: no answer from the maintenance-planner at http://127.0.0.1:59999/v1/holds?limit=500 (ECONNREFUSED); sending it again in 2s (retry 2 of 2)',
        'holdfast: cannot reach the maintenance-planner at http://127.0.0.1:59999 (ECONNREFUSED): is it running? check --planner-url or HOLDFAST_PLANNER_URL\n',
      ].join('\n'),
    );
  });

  describe('windows and the gate line a CI job runs', () => {
    let windowId: string;

    it('plans a window from a YAML file with flags over it, shown in each region\'s local time', async () => {
      const folder = mkdtempSync(join(tmpdir(), 'holdfast-cli-'));
      const file = join(folder, 'window.yaml');
      // 14:00 in Los Angeles: 00:30 in Tehran in June of any year ahead (no summer time there since 2022).
      writeFileSync(
        file,
        ['title: draft', 'ownerTeam: network-ops', 'footprint: { global: false, regions: [IR] }', `startsAt: "${YEAR}-06-15T21:00:00Z"`, `endsAt: "${YEAR}-06-15T22:00:00Z"`, 'priority: routine', 'surgePolicy: hold'].join('\n'),
      );
      const created = await holdfast(['windows', 'create', '--file', file, '--title', 'Core router upgrade', '--zone', 'America/Los_Angeles', '--rrule', 'FREQ=WEEKLY;COUNT=3', '--json']);
      expect(created.code, created.stderr).toBe(0);
      windowId = (JSON.parse(created.stdout) as { windowId: string }).windowId;

      const shown = await holdfast(['windows', 'show', windowId]);
      expect(shown.stdout).toMatch(/title: +Core router upgrade/);
      expect(shown.stdout).toMatch(new RegExp(`starts: +${YEAR}-06-15 21:00 UTC; planned ${YEAR}-06-15 14:00 America/Los_Angeles \\(-07:00\\)`));
      expect(shown.stdout).toContain(`local start per region: IR ${YEAR}-06-16 00:30 Asia/Tehran (+03:30)`);

      const listed = await holdfast(['windows', 'list', '--team', 'network-ops']);
      expect(listed.stdout).toMatch(new RegExp(`${windowId} +Core router upgrade +network-ops +scheduled +IR +${YEAR}-06-15 21:00 UTC`));
      const occurrences = await holdfast(['windows', 'occurrences', windowId]);
      // Occurrences are expanded over the planner's rolling horizon; the first is there with its local time.
      expect(occurrences.stdout).toMatch(new RegExp(`^1 +scheduled +${YEAR}-06-15 21:00 UTC +${YEAR}-06-15 22:00 UTC +- +IR ${YEAR}-06-16 00:30 Asia/Tehran \\(\\+03:30\\)$`, 'm'));
      const suggestions = await holdfast(['windows', 'suggestions', windowId]);
      expect(suggestions.code, suggestions.stderr).toBe(0);
      expect(suggestions.stdout).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC .* IR \d{4}-\d\d-\d\d \d\d:\d\d Asia\/Tehran \(\+03:30\)$/m);

      const invalid = await holdfast(['windows', 'create', '--title', 'x', '--team', 'network-ops', '--regions', 'IR', '--start', 'tomorrow', '--end', `${YEAR}-06-15T22:00:00Z`, '--zone', 'America/Los_Angeles']);
      // Refused before asking the planner, saying what to write; an offset given is sent in UTC.
      expect(invalid.code).toBe(2);
      expect(invalid.stderr).toMatch(/^holdfast: --start tomorrow is not a time: write it as \d{4}-\d\d-\d\dT10:00:00Z or \d{4}-\d\d-\d\dT10:00:00\+01:00\n$/);
      const early = await holdfast(['windows', 'create', '--title', 'x', '--team', 'network-ops', '--regions', 'IR', '--start', `${YEAR}-06-15T23:00:00+01:00`, '--end', `${YEAR}-06-15T22:00:00Z`, '--zone', 'America/Los_Angeles']);
      expect(early.code).toBe(1);
      expect(early.stderr).toMatch(/^ {2}endsAt \(--end\): /m);
    });

    it('gate: exits 0 when nothing holds the regions, 3 with the holds and when to retry when held', async () => {
      const open = await holdfast(['gate', '--regions', 'DE']);
      expect(open).toMatchObject({ code: 0, stdout: 'allowed: nothing holds regions DE now\n' });
      await expectEventually(async () => expect((await holdfast(['gate', '--regions', 'NP,DE'])).code).toBe(3));
      const held = await holdfast(['gate', '--regions', 'NP,DE']);
      // Only NP is held: DE, asked about too, is not named.
      expect(held.stdout).toMatch(/^held: Region NP is held by holds? /);
      // Until the end the gate holds it to: the declared 18:15 and the planner's 30-minute cool-down after it.
      expect(held.stdout).toMatch(
        new RegExp(`declaration +Surge in NP: election count +${DECLARED.untilDay} 18:45 UTC +NP ${DECLARED.fromLocalDay} 00:00 Asia/Kathmandu \\(\\+05:45\\)`),
      );
      expect(held.stdout).toMatch(/^retry after .+, or run with --wait$/m);
      const asJson = await holdfast(['gate', '--regions', 'NP', '--json']);
      expect(asJson.code).toBe(3);
      expect(JSON.parse(asJson.stdout)).toMatchObject({ status: 423, code: 'held' });
    });

    it('gate --wait polls with progress, honours Retry-After, and exits 0 once the hold ends or 3 at the timeout', async () => {
      // Long enough to outlast two CLI starts on a loaded machine (4 s did not, once: the first check found it ended).
      const until = new Date(Date.now() + 10_000).toISOString();
      const declared = await holdfast(['holds', 'declare', '--regions', 'KE', '--from', new Date(Date.now() - 60_000).toISOString(), '--until', until, '--reason', 'exam results day']);
      expect(declared.code, declared.stderr).toBe(0);
      expect(declared.stdout).toMatch(/local times: +KE .* Africa\/Nairobi \(\+03:00\)/);

      const waited = await holdfast(['gate', '--regions', 'KE', '--wait', '--timeout', '1m', '--interval', '20s']);
      expect(waited.code, waited.stderr).toBe(0);
      // Retry-After (the hold's end, seconds away) rather than the 20 s interval set the pause.
      expect(waited.stderr).toMatch(/check 1: regions KE held by 1 hold\(s\) \(KE: exam results day\); next check in ([1-9]|10)s, giving up in/);
      expect(waited.stdout).toBe('allowed: nothing holds regions KE now\n');

      const timedOut = await holdfast(['gate', '--regions', 'NP', '--wait', '--timeout', '2s']);
      expect(timedOut.code).toBe(3);
      expect(timedOut.stderr).toContain('gave up after 2s: regions NP is still held');
      expect(timedOut.stdout).toContain('election count');
    });

    it('a deploy job starts the run due now (exit 3 while a hold covers it) and completes it', async () => {
      const inMinutes = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
      const { windowId: due } = (await api('maintenance-planner', '/v1/windows', {
        title: 'Cache flush',
        ownerTeam: 'network-ops',
        footprint: { global: false, regions: ['CL'] },
        startsAt: inMinutes(2),
        endsAt: inMinutes(32),
        plannedZone: 'America/Santiago',
      })) as { windowId: string };
      const { id: holdId } = (await api('maintenance-planner', '/v1/holds', { regions: ['CL'], from: inMinutes(-1), until: inMinutes(60), reason: 'census night' })) as { id: string };

      const held = await holdfast(['windows', 'start', due]);
      expect(held.code, held.stderr).toBe(3);
      expect(held.stdout).toMatch(new RegExp(`^held: Window ${due} is held by hold ${holdId} \\(CL: census night\\)`));
      expect(held.stdout).toMatch(/census night .+ CL \d{4}-\d\d-\d\d \d\d:\d\d America\/Santiago \(-0[34]:00\)/);
      expect(held.stdout).toContain(`or wait for it with holdfast gate --window ${due} --wait\n`);

      await api('maintenance-planner', `/v1/holds/${holdId}/release`, { reason: 'count finished' });
      const started = await holdfast(['windows', 'start', due]);
      expect(started.code, started.stderr).toBe(0);
      expect(started.stdout).toMatch(new RegExp(`^run: +1 of window ${due}\\nstatus: +in-progress$`, 'm'));
      expect(started.stdout).toMatch(/^local start per region: CL \d{4}-\d\d-\d\d \d\d:\d\d America\/Santiago \(-0[34]:00\)$/m);
      const completed = await holdfast(['windows', 'complete', due]);
      expect(completed.code, completed.stderr).toBe(0);
      expect(completed.stdout).toMatch(/^status: +completed$/m);
      const again = await holdfast(['windows', 'start', due, '--occurrence', '1']);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(new RegExp(`^holdfast: Occurrence 1 of window ${due} was completed at \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z: it does not run again\\. For more work, plan a new window \\(POST /v1/windows\\)\\. \\(occurrence-not-startable\\)\\n  from the CLI: holdfast windows create plans a new window for more work\\n$`));
    });

    it('skips one run of a recurring window, the others keeping their numbers; refuses a one-off window and a run already skipped', async () => {
      const inDays = (days: number) => new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + days * 86_400_000).toISOString();
      const { windowId: daily } = (await api('maintenance-planner', '/v1/windows', {
        title: 'Log rotation',
        ownerTeam: 'network-ops',
        footprint: { global: false, regions: ['UY'] },
        startsAt: inDays(1),
        endsAt: new Date(Date.parse(inDays(1)) + 1_800_000).toISOString(),
        plannedZone: 'America/Montevideo',
        recurrence: 'FREQ=DAILY;COUNT=4',
      })) as { windowId: string };
      const skipped = await holdfast(['windows', 'skip', daily, '--occurrence', '2']);
      expect(skipped.code, skipped.stderr).toBe(0);
      expect(skipped.stdout).toMatch(new RegExp(`^run: +2 of window ${daily}\nstatus: +cancelled$`, 'm'));
      const runs = await holdfast(['windows', 'occurrences', daily, '--json']);
      expect((JSON.parse(runs.stdout) as { items: { number: number; status: string }[] }).items.map((run) => `${run.number} ${run.status}`)).toEqual(['1 scheduled', '2 cancelled', '3 scheduled', '4 scheduled']);
      const shown = await holdfast(['windows', 'show', daily]);
      expect(shown.stdout).toMatch(new RegExp(`^exdates: +${inDays(2).slice(0, 19)}Z$`, 'm'));

      const again = await holdfast(['windows', 'skip', daily, '--occurrence', '2']);
      expect(again).toMatchObject({ code: 1, stderr: `holdfast: run 2 of window ${daily} is cancelled: only a run still to come, scheduled or held, can be skipped\n` });
      const { windowId: once } = (await api('maintenance-planner', '/v1/windows', {
        title: 'Firmware push',
        ownerTeam: 'network-ops',
        footprint: { global: false, regions: ['UY'] },
        startsAt: inDays(3),
        endsAt: new Date(Date.parse(inDays(3)) + 1_800_000).toISOString(),
        plannedZone: 'UTC',
      })) as { windowId: string };
      const oneOff = await holdfast(['windows', 'skip', once, '--occurrence', '1']);
      expect(oneOff).toMatchObject({ code: 1, stderr: `holdfast: window ${once} does not recur: to call off its one run, cancel it (holdfast windows cancel ${once} --reason TEXT)\n` });
      const unnamed = await holdfast(['windows', 'skip', daily]);
      expect(unnamed.code).toBe(2);
      expect(unnamed.stderr).toContain('give --occurrence N, the run to skip');
    });

    it('a manual hold holds the window; explain names it; an override lets it through; release ends it', async () => {
      const declared = await holdfast(['holds', 'declare', '--regions', 'IR', '--from', `${YEAR}-06-15T20:00:00Z`, '--until', `${YEAR}-06-16T00:00:00Z`, '--reason', 'election night', '--json']);
      expect(declared.code, declared.stderr).toBe(0);
      const holdId = (JSON.parse(declared.stdout) as { id: string }).id;

      const explained = await holdfast(['explain', windowId]);
      expect(explained.stdout).toMatch(/^window \S+ is held$/m);
      expect(explained.stdout).toMatch(new RegExp(`hold ${holdId} on IR \\(from ${YEAR}-06-15 20:00 UTC, not begun yet\\), occurrence\\(s\\) 1(, \\d+)*: election night`));
      expect(explained.stdout).toMatch(/cause: manual request/);
      const occurrences = await holdfast(['windows', 'occurrences', windowId, '--status', 'held']);
      expect(occurrences.stdout).toMatch(new RegExp(`^1 +held .+${holdId}`, 'm'));
      // From the hold's side: its counts, and the window's run it holds among its runs, in Tehran's time.
      const holding = await holdfast(['holds', 'show', holdId]);
      expect(holding.code, holding.stderr).toBe(0);
      expect(holding.stdout).toMatch(/^runs: +[1-9]\d* held, \d+ notify-only$/m);
      expect(holding.stdout).toMatch(
        new RegExp(`^${windowId} +Core router upgrade +network-ops +1 +held +${YEAR}-06-15 21:00 UTC +held since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC +IR ${YEAR}-06-16 00:30 Asia/Tehran \\(\\+03:30\\)$`, 'm'),
      );

      const overridden = await holdfast(['holds', 'override', windowId, '--occurrence', '1', '--reason', 'security patch cannot wait']);
      expect(overridden).toMatchObject({ code: 0, stdout: `overridden: window ${windowId} occurrence 1 may run (security patch cannot wait)\n` });
      const released = await holdfast(['holds', 'release', holdId, '--reason', 'count finished']);
      expect(released.code, released.stderr).toBe(0);
      expect(released.stdout).toMatch(/released: +20\d\d-/);
      const active = await holdfast(['holds', 'list', '--active']);
      // A list that still shows the NP declaration's hold, not an empty answer that would lack any hold.
      expect(active.stdout).toContain('election count');
      expect(active.stdout).not.toContain(holdId);

      // The window's audit trail, oldest first: planned, held by the hold, let through by the override.
      const audit = await holdfast(['audit', '--subject', windowId]);
      expect(audit.code, audit.stderr).toBe(0);
      // Below the header and its rule, the fourth column.
      const actions = audit.stdout.split('\n').slice(2).map((line) => line.split(/ {2,}/)[3]).filter(Boolean);
      expect(actions.slice(0, 2)).toEqual(['scheduled', 'held']);
      expect(actions).toContain('overridden');

      // Every hold by default, page after page; the first --limit of them with a word that more follow.
      const every = JSON.parse((await holdfast(['holds', 'list', '--json'])).stdout) as { items: { id: string }[]; nextCursor: string | null };
      expect(every.nextCursor).toBeNull();
      expect(every.items.map((hold) => hold.id)).toContain(holdId);
      expect(every.items.length).toBeGreaterThan(2);
      const firstTwo = await holdfast(['holds', 'list', '--limit', '2', '--json']);
      expect(JSON.parse(firstTwo.stdout)).toEqual({ items: every.items.slice(0, 2), nextCursor: expect.any(String) });
      const table = await holdfast(['holds', 'list', '--limit', '2']);
      for (const [index, hold] of every.items.slice(0, 3).entries()) expect(table.stdout.includes(hold.id), hold.id).toBe(index < 2);
      expect(table.stderr).toBe('showing the first 2 holds; more follow (a larger --limit shows them)\n');
    });
  });

  it("lists the regions with their zones, and shows a region's learned hour-of-week baseline in its local time", async () => {
    const at = DateTime.now().minus({ minutes: 5 }).startOf('minute');
    await api('impact-analyzer', '/v1/samples', { samples: [{ region: 'JP', metric: 'cli_requests', at: at.toUTC().toISO(), value: 420, source: 'cli-e2e' }] });
    const regions = await holdfast(['regions']);
    expect(regions.stdout).toMatch(/^REGION +NAME +KIND +ZONE +OFFSET NOW +OTHER ZONES$/m);
    expect(regions.stdout).toMatch(/^JP +Japan +country +Asia\/Tokyo +\+09:00 +-$/m);
    expect(regions.stdout).toMatch(/^US +United States of America +country +America\/New_York +-0[45]:00 +\S+, \S+, \S+ and \d+ more$/m);

    await expectEventually(async () => expect(await api('impact-analyzer', '/v1/regions/JP/baseline?metric=cli_requests')).toMatchObject({ metrics: [{ sampleCount: 1 }] }));
    const baseline = await holdfast(['regions', 'baseline', 'JP', '--metric', 'cli_requests']);
    expect(baseline.code, baseline.stderr).toBe(0);
    expect(baseline.stdout).toMatch(/^region: +JP \(Asia\/Tokyo\)$/m);
    expect(baseline.stdout).toMatch(/^samples: +1$/m);
    // The sample's local weekday and hour in Tokyo (+09:00 all year) is the one hour with a sample behind it.
    const local = at.setZone('Asia/Tokyo').setLocale('en');
    const rows = baseline.stdout.split('\n');
    const day = rows.findIndex((line) => line.startsWith(local.toFormat('ccc')));
    const samples = rows[day + 1].trim().split(/ +/).slice(1);
    expect(samples.map((count, hour) => (count === '1' ? hour : -1)).filter((hour) => hour >= 0)).toEqual([local.hour]);
  });

  it("retires a region's series with a reason, in the region's local time; a second retirement finds no such series", async () => {
    const at = DateTime.now().minus({ minutes: 5 }).startOf('minute');
    await api('impact-analyzer', '/v1/samples', { samples: [{ region: 'NP', metric: 'cli_retired_requests', at: at.toUTC().toISO(), value: 42, source: 'cli-e2e' }] });
    await expectEventually(async () => expect(await api('impact-analyzer', '/v1/regions/NP/baseline?metric=cli_retired_requests')).toMatchObject({ metrics: [{ sampleCount: 1 }] }));

    const retired = await holdfast(['regions', 'retire-series', 'NP', 'cli_retired_requests', '--reason', 'renamed to cli_requests_total']);
    expect(retired.code, retired.stderr).toBe(0);
    expect(retired.stdout).toMatch(/^region: +NP \(Asia\/Kathmandu\)$/m);
    const lastSample = at.setZone('Asia/Kathmandu');
    expect(retired.stdout).toMatch(new RegExp(`^last sample: +${at.toUTC().toFormat('yyyy-MM-dd HH:mm')} UTC; ${lastSample.toFormat('yyyy-MM-dd HH:mm')} Asia/Kathmandu \\(\\+05:45\\)$`, 'm'));
    expect(retired.stdout).toMatch(/^signal: +was receiving$/m);
    expect(retired.stdout).toMatch(/^cleared surges: +-$/m);

    const again = await holdfast(['regions', 'retire-series', 'NP', 'cli_retired_requests', '--reason', 'renamed to cli_requests_total', '--json']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^holdfast: NP has no series cli_retired_requests: .*\(series-not-found\)\n$/);
  });

  it('runs as `npx holdfast` from the clone', async () => {
    expect(existsSync(join(ROOT, 'node_modules/.bin'))).toBe(true);
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).bin).toEqual({ holdfast: 'cli/bin/holdfast.mjs' });
    const help = await holdfast(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^ {2}gate +may maintenance start now/m);
  });
});
