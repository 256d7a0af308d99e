import { expectEventually, freePort, loopbackProxy, testEnvironment } from '@holdfast/testing';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { waitForKafka } from './kafka-wait';

const settingsFor = (broker: string) => ({ brokers: [broker], clientId: 'kafka-wait-spec', topicPrefix: '' });

describe('waitForKafka, the boot-time wait for the brokers', () => {
  const opened: { close(): void }[] = [];
  afterEach(() => {
    for (const handle of opened.splice(0)) handle.close();
  });

  it('waits while nothing listens, and goes on once a broker answers there', async () => {
    const port = await freePort();
    const waits: string[] = [];
    const waited = waitForKafka(settingsFor(`127.0.0.1:${port}`), { waitMs: 20_000, onWait: (message) => waits.push(message) });
    // The broker "starts" once the wait has said it is trying again: a proxy to the real one begins listening on the port it was given.
    await expectEventually(() => expect(waits.length).toBeGreaterThan(0));
    opened.push(loopbackProxy(port, testEnvironment().kafkaBrokers[0]));
    await waited;
    expect(waits[0]).toBe(`Kafka at 127.0.0.1:${port} is not up yet (Connection error: connect ECONNREFUSED 127.0.0.1:${port}); trying again (attempt 2, for up to 20 s in all: KAFKA_CONNECT_WAIT_SECONDS)`);
  });

  it('gives up after the wait with one line per retry, saying to check brokers that are not the local default', async () => {
    const port = await freePort();
    const waits: string[] = [];
    const started = Date.now();
    await expect(waitForKafka(settingsFor(`127.0.0.1:${port}`), { waitMs: 1_000, onWait: (message) => waits.push(message) })).rejects.toThrow(
      `Kafka at 127.0.0.1:${port} is not usable after waiting 1 s (KAFKA_CONNECT_WAIT_SECONDS): Connection error: connect ECONNREFUSED 127.0.0.1:${port}. Check that the brokers in KAFKA_BROKERS run and are reachable from here.`,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(waits.length).toBeGreaterThanOrEqual(2);
    waits.forEach((line, index) => expect(line).toBe(`Kafka at 127.0.0.1:${port} is not up yet (Connection error: connect ECONNREFUSED 127.0.0.1:${port}); trying again (attempt ${index + 2}, for up to 1 s in all: KAFKA_CONNECT_WAIT_SECONDS)`));
  });

  it('does not wait out what waiting cannot fix: a TLS certificate the service does not trust', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'kafka-wait-tls-'));
    try {
      const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-days', '1', '-keyout', join(folder, 'key.pem'), '-out', join(folder, 'cert.pem')], { encoding: 'utf8' });
      expect(made.status, made.stderr).toBe(0);
      const listener = createTlsServer({ key: readFileSync(join(folder, 'key.pem')), cert: readFileSync(join(folder, 'cert.pem')) }, (socket) => opened.push({ close: () => socket.destroy() }));
      opened.push(listener);
      const port = await freePort();
      await new Promise<void>((resolve) => listener.listen(port, '127.0.0.1', resolve));
      const waits: string[] = [];
      await expect(waitForKafka({ ...settingsFor(`127.0.0.1:${port}`), tls: {} }, { waitMs: 30_000, onWait: (message) => waits.push(message) })).rejects.toThrow(
        // Node's own words after "self-signed certificate" vary between versions.
        new RegExp(`^TLS to Kafka at 127\\.0\\.0\\.1:${port} failed \\(Connection error: self-signed certificate.*\\): check KAFKA_TLS and KAFKA_TLS_CA_FILE against the brokers' listeners and certificates\\.$`),
      );
      expect(waits).toEqual([]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
