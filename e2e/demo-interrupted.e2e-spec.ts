import { expectEventually, testEnvironment } from '@holdfast/testing';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../scripts/system/system-runner.mjs';

describe('npm run demo stopped with Ctrl-C', () => {
  it('undoes what it set up, a second Ctrl-C included: its database and topics are gone and it exits 130', async () => {
    const { databaseUrl, kafkaBrokers } = testEnvironment();
    // A process group of its own, signalled whole, as a terminal's Ctrl-C reaches vite-node, the demo and its services at once.
    const demo = spawn(process.execPath, [join(ROOT, 'node_modules/vite-node/vite-node.mjs'), '--config', 'vitest.config.mts', 'scripts/demo/run-demo.ts'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl, KAFKA_BROKERS: kafkaBrokers.join(',') },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    const exited = new Promise<number | null>((resolve) => demo.once('exit', (code) => resolve(code)));
    const run = await new Promise<{ name: string; topicPrefix: string }>((resolve, reject) => {
      const collect = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        const started = output.match(/starting the three services \(database (demo_\w+), topics (\S+)\*,/);
        // Interrupted once the story is under way (its first step printed): the most it ever leaves behind,
        // and a step then fails under it as its services stop, which must not read as the story failing.
        if (started && /the timeline[^\n]*\n\+ *\d/.test(output)) resolve({ name: started[1], topicPrefix: started[2] });
      };
      demo.stdout.on('data', collect);
      demo.stderr.on('data', collect);
      void exited.then((code) => reject(new Error(`the demo exited (code ${code}) before its services were up:\n${output}`)));
    });

    const databases = async () => {
      const admin = new pg.Client({ connectionString: databaseUrl });
      await admin.connect();
      try {
        return (await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = $1', [run.name])).rows.map((row) => row.datname);
      } finally {
        await admin.end();
      }
    };
    const topics = async () => {
      const kafkaAdmin = new Kafka({ clientId: 'demo-interrupted-spec', brokers: kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
      await kafkaAdmin.connect();
      try {
        return (await kafkaAdmin.listTopics()).filter((topic) => topic.startsWith(run.topicPrefix));
      } finally {
        await kafkaAdmin.disconnect();
      }
    };
    // There before the interrupt, so their absence after it is the demo's undoing, not names that never existed.
    const before = { databases: await databases(), topics: (await topics()).length > 0 };

    process.kill(-demo.pid!, 'SIGINT');
    // Pressed again while it undoes (stopping three services takes a second or more): it carries on.
    await expectEventually(() => expect(output).toContain('SIGINT: undoing what the demo set up'), { timeoutMs: 5_000 });
    process.kill(-demo.pid!, 'SIGINT');

    expect(await exited, output).toBe(130);
    expect(output).toContain('SIGINT: still undoing what the demo set up; it exits when done');
    expect(before).toEqual({ databases: [run.name], topics: true });
    expect(output).toContain('SIGINT: undoing what the demo set up');
    expect(output).not.toContain('could not ');
    expect(output).not.toContain('FAILED');
    expect(await databases()).toEqual([]);
    expect(await topics()).toEqual([]);
  });
});
