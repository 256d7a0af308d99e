import type { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from './test-database';
import { testEnvironment } from './test-environment';
import { uniqueTestId } from './unique-test-id';

/** What a test needs of a service definition (libs/service-kit's defineService gives it). */
export interface TestableService<Config extends { kafka: { brokers: string[]; topicPrefix: string } }> {
  name: string;
  configFromEnvironment(environment: NodeJS.ProcessEnv): Config;
  createApp(config: Config, overrides?: { clock?: { now(): Date; nowMs(): number } }): Promise<INestApplication>;
}

export interface ServiceUnderTest<Config = { kafka: { brokers: string[]; topicPrefix: string; clientId: string } }> {
  app: INestApplication;
  baseUrl: string;
  /** The configuration the service runs with: its own parser's defaults plus the test's environment. */
  config: Config;
  database: TestDatabase;
  /** The admin key the service was started with (HOLDFAST_BOOTSTRAP_KEY). */
  adminKey: string;
  /** fetch() against the service, with the admin key unless the request sets its own Authorization. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Stops the service and drops its database (not one it was given in DATABASE_URL: that one is its owner's to drop). */
  close(): Promise<void>;
}

export interface StartServiceOptions {
  /** Extra environment variables, parsed by the service's own parser (so every default applies). */
  environment?: NodeJS.ProcessEnv;
  clock?: { now(): Date; nowMs(): number };
  /** Shares a topic prefix with other services of the same test, so they talk to each other. */
  topicPrefix?: string;
}

/**
 * A whole service in this process against the real broker and PostgreSQL: its own fresh
 * database, its own topic prefix, listening on a free loopback port, quiet logs.
 */
export async function startServiceUnderTest<Config extends { kafka: { brokers: string[]; topicPrefix: string }; port: number }>(
  definition: TestableService<Config>,
  options: StartServiceOptions = {},
): Promise<ServiceUnderTest<Config>> {
  const environment = testEnvironment();
  // A restart or a second replica on another instance's database (DATABASE_URL given) takes that one as it is: a fresh
  // database of its own would go unused, and stay behind whenever the test stops it with app.close() to keep the shared one.
  const given = options.environment?.DATABASE_URL;
  const database = given ? givenDatabase(given) : await createTestDatabase(definition.name);
  const adminKey = options.environment?.HOLDFAST_BOOTSTRAP_KEY ?? `test-admin-${randomBytes(24).toString('base64url')}`;
  try {
    const config = definition.configFromEnvironment({
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: '3',
      KAFKA_BROKERS: environment.kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: options.topicPrefix ?? `${uniqueTestId(definition.name)}.`,
      LOG_LEVEL: 'silent',
      HOLDFAST_BOOTSTRAP_KEY: adminKey,
      ...options.environment,
    });
    const app = await definition.createApp({ ...config, port: 0 }, { clock: options.clock });
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address() as { port: number };
    const baseUrl = `http://127.0.0.1:${address.port}`;
    return {
      app,
      baseUrl,
      config,
      database,
      adminKey,
      fetch: (path, init = {}) => {
        const headers = new Headers(init.headers);
        if (!headers.has('authorization')) headers.set('authorization', `Bearer ${adminKey}`);
        return fetch(`${baseUrl}${path}`, { ...init, headers });
      },
      close: async () => {
        await app.close();
        await database.drop();
      },
    };
  } catch (error) {
    await database.drop();
    throw error;
  }
}

/** Another instance's database, named by its URL; dropping it is left to that instance. */
function givenDatabase(url: string): TestDatabase {
  return { name: decodeURIComponent(new URL(url).pathname.slice(1)), url, drop: async () => {} };
}
