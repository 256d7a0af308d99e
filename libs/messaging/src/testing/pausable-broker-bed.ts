import type { TopicName } from '@holdfast/contracts';
import { Kafka, logLevel } from 'kafkajs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// e2e/support is no Nx project: its private broker is how a spec pauses a broker without pausing the shared one.
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { startPrivateBroker } from '../../../../e2e/support/private-broker';
import { KAFKA_RETRY } from '../kafka/kafka-client.factory';
import type { MessagingLogger } from '../kafka/messaging-logger';
import { createMessagingTestBed, type MessagingTestBed } from './messaging-test-bed';

/** A messaging test bed on a broker of its own, which the spec may pause. */
export interface PausableBrokerBed extends MessagingTestBed {
  /**
   * Stops the broker process (SIGSTOP): it reads what was sent to it only once it runs again, so a
   * request sent meanwhile is appended but never answered in time.
   */
  pause(): void;
  /** Lets the broker run again (SIGCONT). */
  resume(): void;
  /** Resumes a paused broker, closes the bed, and stops the broker and deletes its data. */
  close(): Promise<void>;
}

/**
 * A private broker (`e2e/support/private-broker`) and a bed on it whose client gives up after three
 * answers that do not come within 1 s (the services' client waits 30 s for each of eleven), so a spec
 * sees kafkajs give up on a paused broker within seconds.
 */
export async function createPausableBrokerBed(label: string, topics: TopicName[], options: { logger?: MessagingLogger } = {}): Promise<PausableBrokerBed> {
  const broker = await startPrivateBroker(label);
  // The pid file of the broker this bed started (local-kafka.mjs writes it), not some other Kafka process.
  const pid = Number(readFileSync(broker.config.pidFile, 'utf8').trim());
  let paused = false;
  const signal = (name: 'SIGSTOP' | 'SIGCONT') => {
    process.kill(pid, name);
    paused = name === 'SIGSTOP';
    if (paused) expectStopped(pid);
  };
  let bed: MessagingTestBed;
  try {
    bed = await createMessagingTestBed(label, topics, {
      brokers: broker.config.brokers,
      kafka: (settings) =>
        new Kafka({ clientId: settings.clientId, brokers: settings.brokers, connectionTimeout: 1_000, requestTimeout: 1_000, retry: { ...KAFKA_RETRY, retries: 2 }, logLevel: logLevel.NOTHING }),
      logger: options.logger,
    });
    await expectOwnBroker(bed, broker.config.dataDir, pid);
  } catch (error) {
    // A broker left running outlives the run and holds 400 MB.
    await broker.remove();
    throw error;
  }
  return {
    ...bed,
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    close: async () => {
      try {
        if (paused) signal('SIGCONT');
        await bed.close();
      } finally {
        await broker.remove();
      }
    },
  };
}

/**
 * A spec once saw sends answered at once right after pause() (CI, 2026-12-04 17:32 UTC), as if the
 * broker on the bed's port were not the process stopped: these say which, should it happen again.
 */
async function expectOwnBroker(bed: MessagingTestBed, dataDir: string, pid: number): Promise<void> {
  const formatted = /^cluster\.id=(.+)$/m.exec(readFileSync(join(dataDir, 'meta.properties'), 'utf8'))?.[1].trim();
  const admin = bed.kafka.admin();
  await admin.connect();
  try {
    const { clusterId } = await admin.describeCluster();
    if (clusterId !== formatted) {
      throw new Error(`the broker answering on ${bed.settings.brokers.join(',')} is cluster ${clusterId}, not ${formatted}, the one pid ${pid} was started with: another broker took its port`);
    }
  } finally {
    await admin.disconnect();
  }
}

/** Waits (at most 2 s) for the process to show as stopped in /proc. */
function expectStopped(pid: number): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  let state = '';
  for (let waited = 0; waited <= 2_000; waited += 10) {
    // The state letter follows the command name in parentheses, which may hold spaces.
    state = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').charAt(0);
    if (state === 'T' || state === 't') return;
    Atomics.wait(pause, 0, 0, 10);
  }
  throw new Error(`the broker, pid ${pid}, still shows state ${state} in /proc 2 s after SIGSTOP: it is not paused`);
}
