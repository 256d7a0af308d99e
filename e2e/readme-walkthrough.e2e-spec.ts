import { createTestDatabase, type TestDatabase } from '@holdfast/testing';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, ROOT, stopChild } from '../scripts/system/system-runner.mjs';
import { runEnvironment, startSystem, untilUp, type StartedSystem } from './start-system';

/** The README's sh blocks of "The 2009 story in five minutes": the start line and receiver, then the walkthrough. */
function walkthroughBlocks(): { start: string; walk: string } {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## The 2009 story in five minutes'), readme.indexOf('## Where it stands'));
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]);
  if (blocks.length !== 2) throw new Error(`README.md's "The 2009 story in five minutes" should hold two sh blocks (start, walkthrough); it holds ${blocks.length}`);
  return { start: blocks[0], walk: blocks[1] };
}

/** Replaces each literal once or more, failing when the README no longer has it: a spec that silently ran against other ports would prove nothing. */
function substitute(text: string, replacements: Record<string, string>): string {
  let result = text;
  for (const [literal, replacement] of Object.entries(replacements)) {
    if (!result.includes(literal)) throw new Error(`README.md's walkthrough no longer contains ${literal}: update this spec with it`);
    result = result.replaceAll(literal, replacement);
  }
  return result;
}

/** Runs a script with bash, without blocking this process: the services' and the receiver's output keep flowing meanwhile. */
async function bash(script: string, env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn('bash', ['-c', script], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const [status] = (await once(child, 'close')) as [number | null];
  return { status, stdout, stderr };
}

/** README.md's "Try a surge" block after "The two commands", and the subscription example that follows it. */
function trySurgeLines(): { block: string; subscribe: string } {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## The two commands'), readme.indexOf('## The CLI'));
  const block = section.slice(section.indexOf('Try a surge')).match(/```sh\n([\s\S]*?)```/)?.[1];
  const subscribe = section.match(/`(curl -s -XPOST localhost:3003\/v1\/subscriptions [^`]*)`/)?.[1];
  if (!block || !subscribe) throw new Error('README.md\'s "The two commands" no longer has its "Try a surge" block and subscription example: update this spec');
  return { block, subscribe };
}

/** The variables the README's start line sets, as bash reads them (quotes and line continuations included). */
function startVariables(start: string): Record<string, string> {
  const line = start.slice(0, start.indexOf('npm start'));
  const dump = spawnSync('bash', ['-c', `${line} node -e 'process.stdout.write(JSON.stringify(process.env))'`], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  if (dump.status !== 0) throw new Error(`bash could not read the README's start line: ${dump.stderr}`);
  const variables = JSON.parse(dump.stdout) as Record<string, string>;
  return Object.fromEntries(Object.entries(variables).filter(([name]) => line.includes(`${name}=`)));
}

describe("the README's 2009 walkthrough, run as written with curl and jq against npm start", () => {
  const { start, walk } = walkthroughBlocks();
  const ports = { planner: 0, analyzer: 0, notifier: 0, receiver: 0 };
  let database: TestDatabase;
  let system: StartedSystem;
  let receiver: ChildProcess;
  const received: string[] = [];
  let run: { status: number | null; stdout: string; stderr: string };
  let key: string;
  const servicePorts = () => ({
    'localhost:3001': `localhost:${ports.planner}`,
    'localhost:3002': `localhost:${ports.analyzer}`,
    'localhost:3003': `localhost:${ports.notifier}`,
  });

  beforeAll(async () => {
    for (const name of Object.keys(ports) as (keyof typeof ports)[]) ports[name] = await freePort();
    database = await createTestDatabase('readme-walkthrough');
    const variables = startVariables(start);
    expect(Object.keys(variables).sort()).toEqual(['ANALYZER_DETECTION', 'HOLD_COOLDOWN_MINUTES', 'NOTIFIER_OUTBOUND_ALLOW', 'PLANNER_SWEEP_INTERVAL_SECONDS']);
    system = startSystem({
      ...variables,
      DATABASE_URL: database.url,
      ...runEnvironment('readme', ports),
    });
    await untilUp(system, 120_000);

    const receiverLine = start.split('\n').find((line) => line.startsWith('node -e'));
    if (!receiverLine) throw new Error("README.md's start block no longer runs the webhook receiver with node -e");
    receiver = spawn('bash', ['-c', substitute(receiverLine, { 'listen(9000,': `listen(${ports.receiver},` })], { stdio: ['ignore', 'pipe', 'inherit'] });
    receiver.stdout!.on('data', (chunk: Buffer) => received.push(chunk.toString('utf8')));

    // The key this system says where to read: .holdfast/bootstrap-key is shared with every other npm start on the machine.
    const printed = system.output.map((line) => line.match(/export HOLDFAST_KEY=\$\(cat '([^']+)'\)/)?.[1]).find(Boolean);
    if (!printed) throw new Error(`npm start printed no admin key's file:\n${system.output.join('\n')}`);
    key = readFileSync(printed, 'utf8').trim();
    const script = substitute(walk, { '${HOLDFAST_BOOTSTRAP_KEY:-$(cat .holdfast/bootstrap-key)}': key, ...servicePorts(), '127.0.0.1:9000': `127.0.0.1:${ports.receiver}` });
    run = await bash(script);
  });

  afterAll(async () => {
    if (receiver) await stopChild(receiver);
    if (system) await stopChild(system.child);
    await database?.drop();
  });

  // What npm start and its services printed last, so that a failure shows what the services said meanwhile (a run on 2026-12-05 found the analyzer's port answering nothing).
  const started = () => `\n--- npm start, its last 60 lines\n${system.output.slice(-60).join('\n')}`;
  const said = () => `\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}${started()}`;

  it('runs to the end without a word on stderr', () => {
    expect(run.status, said()).toBe(0);
    expect(run.stderr, said()).toBe('');
  });

  it('holds the global upgrade and the Berlin window, not the US-only one, and the gate says so', () => {
    expect(run.stdout, said()).toContain('{"title":"Network host upgrade","status":"held"}\n{"title":"Weekly database patching","status":"held"}\n{"title":"US load balancer swap","status":"scheduled"}\n423\n200\n');
  });

  it('explains the hold back to its surge and sample, and refuses a window planned into it until overridden', () => {
    const json = [...run.stdout.matchAll(/^\{\n[\s\S]*?^\}$/gm)].map((match) => JSON.parse(match[0]) as Record<string, unknown>);
    const explanation = json.find((entry) => 'cause' in entry);
    expect(explanation, said()).toMatchObject({ cause: 'surge', surge: expect.any(String), sample: expect.any(String) });
    expect(json.find((entry) => entry.status === 409), said()).toMatchObject({ code: 'window-in-hold', detail: expect.stringContaining('override') });
    expect(json.find((entry) => entry.status === 'scheduled' && 'id' in entry), said()).toBeDefined();
  });

  it('prints the suggested slot in Los Angeles and Tehran time, in Tehran\'s night (the held region scored before any baseline is learned)', () => {
    expect(run.stdout, said()).toMatch(/ P[SD]T \d{4}\n.* \+0330 \d{4}\n/);
    const [, hours, minutes] = / (\d{2}):(\d{2}):\d{2} \+0330 \d{4}\n/.exec(run.stdout)!;
    // The hour-long upgrade within Tehran's quiet 01:00-05:00.
    expect(Number(hours) * 60 + Number(minutes), said()).toBeGreaterThanOrEqual(60);
    expect(Number(hours) * 60 + Number(minutes), said()).toBeLessThanOrEqual(4 * 60);
  });

  it('releases the hold after the cool-down, with the audit trail and both deliveries', () => {
    expect(run.stdout, said()).toMatch(/\{"id":"[0-9a-f-]{36}","releasedAt":"\d{4}-[^"]+"\}/);
    expect(run.stdout, said()).toContain('{"action":"scheduled","actor":"network-ops/');
    expect(run.stdout.indexOf('{"action":"held"'), said()).toBeGreaterThan(run.stdout.indexOf('{"action":"scheduled"'));
    expect(run.stdout.indexOf('{"action":"released"'), said()).toBeGreaterThan(run.stdout.indexOf('{"action":"held"'));
    for (const type of ['hold.placed', 'hold.released']) expect(run.stdout, said()).toContain(`{"eventType":"${type}","status":"delivered"}`);
  });

  it('answers the "Try a surge" block and the subscription example after "The two commands" as the README says', async () => {
    const { block, subscribe } = trySurgeLines();
    const tried = await bash(substitute(block, { '${HOLDFAST_BOOTSTRAP_KEY:-$(cat .holdfast/bootstrap-key)}': key, ...servicePorts() }));
    const answers = `\n${tried.stdout}\n${tried.stderr}${started()}`;
    expect(tried.status, answers).toBe(0);
    expect(tried.stdout, answers).toMatch(/^\{"id":"[0-9a-f-]{36}","regions":\["IR"\].*"reason":"Election in IR".*"status":"active"/);
    expect(tried.stdout, answers).toContain('"accepted":1');
    expect(tried.stdout, answers).toMatch(/"source":"declaration"/);
    expect(tried.stdout, answers).toContain('"items":[');

    const subscribed = await bash(substitute(subscribe, { 'localhost:3003': `localhost:${ports.notifier}` }), { HOLDFAST_KEY: key });
    expect(subscribed.stdout, `\n${subscribed.stdout}\n${subscribed.stderr}`).toMatch(/^\{"id":"[0-9a-f-]{36}","channel":"webhook","target":"https:\/\/hooks\.example\.org\/holdfast","ownerTeam":"edge"/);
  });

  it("has the README's receiver print both webhooks with what verifies them, and each verifies with the subscription's secret", () => {
    const lines = received.join('').split('\n').filter(Boolean);
    const secret = /"secret": "(whsec_[^"]+)"/.exec(run.stdout)?.[1];
    expect(secret, said()).toBeDefined();
    const key = Buffer.from(secret!.slice('whsec_'.length), 'base64');
    for (const type of ['hold.placed', 'hold.released']) {
      const line = lines.find((candidate) => candidate.includes(`"type":"${type}"`));
      // id, timestamp, signature, then the raw body, as the README's receiver prints them.
      const [, id, timestamp, signature, body] = /^(\S+) (\d+) (v1,\S+) (\{.*)$/.exec(line ?? '') ?? [];
      expect(body, lines.join('\n')).toBeDefined();
      expect(signature).toBe(`v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`);
    }
  });
});
