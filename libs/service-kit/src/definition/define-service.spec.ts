import { Topics } from '@holdfast/contracts';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineService } from './define-service';

class Migration1 {
  up = () => Promise.resolve();
  down = () => Promise.resolve();
}

const exampleService = defineService({
  name: 'example-service',
  description: 'An example',
  schema: 'example',
  defaultPort: 3999,
  environment: { EXAMPLE_COOL_DOWN_MINUTES: z.coerce.number().int().min(0).default(30) },
  settings: (env) => ({ coolDownMs: env.EXAMPLE_COOL_DOWN_MINUTES * 60_000 }),
  topics: [Topics.regionSurges],
  entities: [],
  migrations: [Migration1],
  modules: [],
});

describe('defineService', () => {
  it('parses the shared variables and the service its own, into typed settings', () => {
    const config = exampleService.configFromEnvironment({ EXAMPLE_COOL_DOWN_MINUTES: '5', KAFKA_TOPIC_PREFIX: 'staging.' });
    expect(config).toMatchObject({ port: 3999, kafka: { clientId: 'example-service', topicPrefix: 'staging.' }, database: { schema: 'example' }, settings: { coolDownMs: 300_000 } });
    expect(exampleService.configFromEnvironment({}).settings).toEqual({ coolDownMs: 1_800_000 });
  });

  it('refuses a bad value of the service own variables, naming it', () => {
    expect(() => exampleService.configFromEnvironment({ EXAMPLE_COOL_DOWN_MINUTES: '-1' })).toThrow(/example-service: invalid configuration:\n {2}EXAMPLE_COOL_DOWN_MINUTES: /);
  });

  it('runs the messaging tables migration before the service own ones', () => {
    const database = exampleService.database(exampleService.configFromEnvironment({}));
    expect(database.migrations.map((migration) => migration.name)).toEqual(['CreateMessagingTables1764000000000', 'Migration1']);
    expect(database.applicationName).toBe('example-service');
  });
});
