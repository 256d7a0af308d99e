import { createTestDatabase, testEnvironment, uniqueTestId, type TestDatabase } from '@holdfast/testing';
import { randomBytes } from 'node:crypto';
import { buildServices, freePort, startService, type RunningService } from '../../scripts/system/system-runner.mjs';

export const SERVICE_NAMES = ['maintenance-planner', 'impact-analyzer', 'notifier'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface RunningHoldfast {
  adminKey: string;
  urls: Record<ServiceName, string>;
  /** What the services were given: a spec writes to their topics as an outside producer would. */
  kafka: { brokers: string[]; topicPrefix: string };
  logs: string[];
  stop(): Promise<void>;
}

/**
 * The three services as separate processes (as `npm start` runs them) on free loopback ports, with
 * their own database, topic prefix and bootstrap admin key.
 */
export async function startHoldfast(label: string, extraEnv: Record<string, string> = {}): Promise<RunningHoldfast> {
  buildServices({ log: () => undefined });
  const adminKey = `${label}-admin-${randomBytes(24).toString('base64url')}`;
  const database: TestDatabase = await createTestDatabase(label);
  const env = {
    DATABASE_URL: database.url,
    KAFKA_BROKERS: testEnvironment().kafkaBrokers.join(','),
    KAFKA_TOPIC_PREFIX: `${uniqueTestId(label)}.`,
    DATABASE_POOL_SIZE: '3',
    LOG_LEVEL: 'warn',
    HOLDFAST_BOOTSTRAP_KEY: adminKey,
    ...extraEnv,
  };
  const logs: string[] = [];
  const running: Partial<Record<ServiceName, RunningService>> = {};
  const stop = async () => {
    await Promise.all(Object.values(running).map((service) => service.stop()));
    await database.drop();
  };
  try {
    await Promise.all(
      SERVICE_NAMES.map(async (name) => (running[name] = await startService({ name, port: await freePort(), env, onLine: (line) => logs.push(`${name}: ${line}`) }))),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const urls = Object.fromEntries(SERVICE_NAMES.map((name) => [name, running[name]!.baseUrl])) as Record<ServiceName, string>;
  return { adminKey, urls, kafka: { brokers: env.KAFKA_BROKERS.split(','), topicPrefix: env.KAFKA_TOPIC_PREFIX }, logs, stop };
}
