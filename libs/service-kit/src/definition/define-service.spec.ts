import { ConsumerGroups, Topics } from '@holdfast/contracts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decimalVariable } from '@holdfast/observability';
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
  environment: { EXAMPLE_COOL_DOWN_MINUTES: decimalVariable({ whole: true, unit: 'minutes', min: 0 }).default(30) },
  settings: (env) => ({ coolDownMs: env.EXAMPLE_COOL_DOWN_MINUTES * 60_000 }),
  topics: [Topics.regionSurges],
  entities: [],
  migrations: [Migration1],
  modules: [],
  keysConsumerGroup: ConsumerGroups.plannerKeys,
});

describe('defineService', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('parses the shared variables and the service its own, into typed settings', () => {
    const config = exampleService.configFromEnvironment({ EXAMPLE_COOL_DOWN_MINUTES: '5', KAFKA_TOPIC_PREFIX: 'staging.' });
    expect(config).toMatchObject({ port: 3999, kafka: { clientId: 'example-service', topicPrefix: 'staging.' }, database: { schema: 'example' }, settings: { coolDownMs: 300_000 } });
    expect(exampleService.configFromEnvironment({}).settings).toEqual({ coolDownMs: 1_800_000 });
  });

  it('keeps only the hash and length of the bootstrap key, and refuses a short one', () => {
    const key = 'a-bootstrap-key-of-at-least-32-characters';
    const config = exampleService.configFromEnvironment({ HOLDFAST_BOOTSTRAP_KEY: key });
    expect(config.auth.bootstrap).toEqual({ keyHash: expect.stringMatching(/^[0-9a-f]{64}$/), keyLength: key.length, team: 'platform' });
    expect(JSON.stringify(config)).not.toContain(key);
    expect(exampleService.configFromEnvironment({}).auth.bootstrap).toBeNull();
    expect(() => exampleService.configFromEnvironment({ HOLDFAST_BOOTSTRAP_KEY: 'short' })).toThrow(/HOLDFAST_BOOTSTRAP_KEY \(a secret, not shown\): the bootstrap key must be at least 32 characters/);
  });

  it('refuses a bootstrap key that no Authorization header could carry, rather than refusing every use of it', () => {
    for (const key of [`${'k'.repeat(40)}\n`, 'correct horse battery staple of many words']) {
      expect(() => exampleService.configFromEnvironment({ HOLDFAST_BOOTSTRAP_KEY: key })).toThrow(/HOLDFAST_BOOTSTRAP_KEY \(a secret, not shown\): the bootstrap key must not contain spaces or line breaks/);
    }
  });

  it('refuses a bad value of the service own variables, naming it, quoting it and saying what is wanted', () => {
    expect(() => exampleService.configFromEnvironment({ EXAMPLE_COOL_DOWN_MINUTES: '-1' })).toThrow(
      /example-service: invalid configuration:\n {2}EXAMPLE_COOL_DOWN_MINUTES="-1": must be a whole number of minutes ≥ 0, written in decimal digits\n/,
    );
    expect(() => exampleService.configFromEnvironment({ EXAMPLE_COOL_DOWN_MINUTES: '0x1e' })).toThrow(/\n {2}EXAMPLE_COOL_DOWN_MINUTES="0x1e": must be a whole number of minutes ≥ 0/);
  });

  it('makes its checks between variables on those that read well, in the refusal of the others, and reads settings only once all pass', () => {
    const settings = vi.fn((env: { EXAMPLE_COOL_DOWN_MINUTES: number; EXAMPLE_HOLD_MINUTES: number }) => env);
    const checked = defineService({
      name: 'example-service',
      description: 'An example',
      schema: 'example',
      defaultPort: 3999,
      environment: {
        EXAMPLE_COOL_DOWN_MINUTES: decimalVariable({ whole: true, unit: 'minutes', min: 0 }).default(30),
        EXAMPLE_HOLD_MINUTES: decimalVariable({ whole: true, unit: 'minutes', min: 0 }).default(60),
      },
      checks: [
        {
          reads: ['EXAMPLE_COOL_DOWN_MINUTES', 'EXAMPLE_HOLD_MINUTES'],
          problems: ({ EXAMPLE_COOL_DOWN_MINUTES: coolDown, EXAMPLE_HOLD_MINUTES: hold }) =>
            coolDown <= hold ? [] : [{ variable: 'EXAMPLE_COOL_DOWN_MINUTES', message: `must be at most EXAMPLE_HOLD_MINUTES (${hold})` }],
        },
      ],
      settings,
      topics: [],
      entities: [],
      migrations: [],
      modules: [],
      keysConsumerGroup: null,
    });
    expect(() => checked.configFromEnvironment({ EXAMPLE_COOL_DOWN_MINUTES: '90', LOG_LEVEL: 'loud' })).toThrow(
      /invalid configuration:\n {2}LOG_LEVEL="loud": [^\n]+\n {2}EXAMPLE_COOL_DOWN_MINUTES="90": must be at most EXAMPLE_HOLD_MINUTES \(60\)\nFix/,
    );
    expect(settings).not.toHaveBeenCalled();
    expect(checked.configFromEnvironment({ EXAMPLE_COOL_DOWN_MINUTES: '45' }).settings).toEqual({ EXAMPLE_COOL_DOWN_MINUTES: 45, EXAMPLE_HOLD_MINUTES: 60 });
  });

  it('says a bad variable to `migrate` as a start says it, in one block and exit 1, not as an uncaught stack', () => {
    vi.stubEnv('EXAMPLE_COOL_DOWN_MINUTES', '-5');
    vi.stubEnv('EXAMPLE_COOL_DOWN', '5');
    const said: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((text) => said.push(String(text)) > 0);
    const exit = vi.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`exit ${code}`);
    });
    expect(() => exampleService.main(['migrate'])).toThrow('exit 1');
    expect(exit).toHaveBeenCalledWith(1);
    expect(said.join('')).toMatch(
      /^\[migrate\] failed: example-service: invalid configuration:\n {2}EXAMPLE_COOL_DOWN_MINUTES="-5": [^\n]+\n {2}EXAMPLE_COOL_DOWN is not a variable example-service reads, so it is ignored; did you mean EXAMPLE_COOL_DOWN_MINUTES\?\n[\s\S]*Nothing was migrated\.\n$/,
    );
  });

  it('says a slip of a variable name in the block a start refuses its configuration with, not after the rest is fixed', async () => {
    vi.stubEnv('EXAMPLE_COOL_DOWN_MINUTES', '0x1e');
    vi.stubEnv('EXAMPLE_COOL_DOWN_MINS', '5');
    const said: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((text) => said.push(String(text)) > 0);
    const exited = new Promise((resolve) => vi.spyOn(process, 'exit').mockImplementation((code) => resolve(code) as never));
    exampleService.main([]);
    expect(await exited).toBe(1);
    // Matched line by line: the runner's own environment may hold a slip of some other name.
    const text = said.join('');
    expect(text).toMatch(/^example-service failed to start: example-service: invalid configuration:\n {2}EXAMPLE_COOL_DOWN_MINUTES="0x1e": must be a whole number of minutes ≥ 0, written in decimal digits\n/);
    expect(text).toContain('\n  EXAMPLE_COOL_DOWN_MINS is not a variable example-service reads, so it is ignored; did you mean EXAMPLE_COOL_DOWN_MINUTES?\n');
    expect(text).toMatch(/\nFix the variables above \(README.md lists each with its default\)\.\n$/);
  });

  it("lists the messaging tables' and the kit's own migrations (the key copy, the Idempotency-Keys) before the service's", () => {
    const database = exampleService.database(exampleService.configFromEnvironment({}));
    expect(database.migrations.map((migration) => migration.name)).toEqual([
      'CreateMessagingTables1764000000000',
      'RecordDeadLetters1764600000000',
      'RecordConsumedOffsets1765200000000',
      'RecordRefusedOutboxRows1765800000000',
      'KeepDeadLetterMessages1766000000000',
      'KeepDeadLetterKeysAsBytes1766100000000',
      'RememberWhenFencesAdvanced1766500000000',
      'KeepOutboxTombstones1768900000000',
      'CreateApiKeyCopy1764000050000',
      'CreateIdempotentRequest1767500000000',
      'IdempotentRequestOneShape1767900000000',
      'Migration1',
    ]);
    expect(database.applicationName).toBe('example-service');
  });
});
