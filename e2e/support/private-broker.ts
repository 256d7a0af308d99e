import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localKafkaConfig, startKafka, stopKafka, type LocalKafkaConfig } from '../../deploy/kafka/local-kafka.mjs';
import { freePort } from '../../scripts/system/system-runner.mjs';

export interface PrivateBroker {
  config: LocalKafkaConfig;
  /** Stops it, keeping its data: `start` brings the same broker back, topics and offsets included. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  remove(): Promise<void>;
}

/**
 * A broker of a spec file's own, on free loopback ports with its data in a temporary folder, for
 * what the shared broker must not see: other credentials, or being stopped. `settings` adds to the
 * environment local-kafka.mjs reads (KAFKA_SCRAM_USERNAME and KAFKA_SCRAM_PASSWORD, say).
 */
export async function startPrivateBroker(name: string, settings: Record<string, string> = {}): Promise<PrivateBroker> {
  const stateDir = mkdtempSync(join(tmpdir(), `holdfast-${name}-kafka-`));
  const config = localKafkaConfig({
    ...process.env,
    KAFKA_STATE_DIR: stateDir,
    KAFKA_PORT: String(await freePort()),
    KAFKA_CONTROLLER_PORT: String(await freePort()),
    KAFKA_HEAP_OPTS: '-Xms128m -Xmx384m',
    ...settings,
  });
  const quiet = { log: () => undefined };
  const broker: PrivateBroker = {
    config,
    stop: async () => void (await stopKafka(config, quiet)),
    start: async () => void (await startKafka(config, quiet)),
    remove: async () => {
      await stopKafka(config, quiet);
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
  await broker.start();
  return broker;
}
