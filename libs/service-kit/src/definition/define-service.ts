import { Topics, TopicSpecs, type ConsumerGroup, type TopicName } from '@holdfast/contracts';
import { createServiceDataSource, migrateFromCommandLine, waitForDatabase, type ServiceDataSourceOptions } from '@holdfast/database';
import { MessagingMigrations, waitForKafka } from '@holdfast/messaging';
import { InvalidConfiguration, invalidConfiguration, type ReadinessCheck } from '@holdfast/observability';
import { type DynamicModule, type INestApplication, Module, type Type } from '@nestjs/common';
import type { MigrationInterface } from 'typeorm';
import type { z } from 'zod';
import { recognisedBootstrapKey } from '../auth/api-key';
import type { Clock } from '../clock/clock';
import type { CheckBetweenVariables } from '../config/checks-between-variables';
import { misspeltVariableNotes, misspeltVariables } from '../config/misspelt-variables';
import { serviceConfigFromEnvironment, serviceVariableNames, type ServiceConfig } from '../config/service-config';
import { serviceFoundation } from '../foundation/service-foundation';
import { CreateApiKeyCopy1764000050000 } from '../migrations/1764000050000-create-api-key-copy';
import { CreateIdempotentRequest1767500000000 } from '../migrations/1767500000000-create-idempotent-request';
import { IdempotentRequestOneShape1767900000000 } from '../migrations/1767900000000-idempotent-request-one-shape';
import { createServiceApp, runService } from '../http/service-app.factory';

type EntityClass = new (...args: never[]) => unknown;
type MigrationClass = new () => MigrationInterface;

export interface ServiceDefinitionOptions<Shape extends z.ZodRawShape, Settings> {
  /** Service name: logs, metrics, Kafka client id, consumer group prefix. */
  name: string;
  /** One line for OpenAPI and the start-up failure message. */
  description: string;
  /** The PostgreSQL schema the service owns. */
  schema: string;
  defaultPort: number;
  /** The service's own environment variables (each with its documented default)... */
  environment?: Shape;
  /** ...the checks that need two of them at once, said with the variables' own refusals... */
  checks?: readonly CheckBetweenVariables<z.infer<z.ZodObject<Shape>>>[];
  /** ...and what they become in the injected configuration's `settings`, once every variable reads well and every check passes. */
  settings?: (env: z.infer<z.ZodObject<Shape>>) => Settings;
  /** Topics produced to or consumed from; created at start when missing. */
  topics: readonly TopicName[];
  entities: EntityClass[];
  /** The service's own migrations, in order; the messaging tables and the key copy come first for every service. */
  migrations: MigrationClass[];
  /** The domain modules. */
  modules: (Type | DynamicModule)[];
  /**
   * The group that keeps this service's copy of the API keys (ConsumerGroups.<service>Keys); null
   * for the service that issues them, which writes its copy in the issuing transaction and takes no
   * key from api.keys.v1.
   */
  keysConsumerGroup: ConsumerGroup | null;
  /**
   * What /health (and /health/ready) reports beside PostgreSQL and Kafka: provider classes whose own
   * dependencies come from global modules, checked on every probe.
   */
  healthChecks?: Type<ReadinessCheck>[];
}

/** What a process or a test may replace when it builds the service. */
export interface ServiceOverrides {
  clock?: Clock;
}

export interface ServiceDefinition<Settings> {
  readonly name: string;
  readonly description: string;
  readonly defaultPort: number;
  /** Parses an environment (process.env by default); a bad one throws with every problem listed. */
  configFromEnvironment(environment?: NodeJS.ProcessEnv): ServiceConfig<Settings>;
  /** The root module of the whole service. */
  module(config: ServiceConfig<Settings>, overrides?: ServiceOverrides): DynamicModule;
  database(config: ServiceConfig<Settings>): ServiceDataSourceOptions;
  /** The whole HTTP application, built and initialised but not yet listening. */
  createApp(config: ServiceConfig<Settings>, overrides?: ServiceOverrides): Promise<INestApplication>;
  /** The process entry point: serves, or `migrate [check | revert [--to <MigrationName>]]` applies, checks or undoes migrations and exits. */
  main(argv?: string[]): void;
}

/**
 * The one way to define a Holdfast service: identity, configuration, schema, topics and domain
 * modules. Everything else (foundation modules, guard, clock, OpenAPI, migrate command) follows.
 */
export function defineService<Shape extends z.ZodRawShape = Record<never, never>, Settings = Record<never, never>>(
  options: ServiceDefinitionOptions<Shape, Settings>,
): ServiceDefinition<Settings> {
  @Module({})
  class ServiceApplicationModule {}

  const definition: ServiceDefinition<Settings> = {
    name: options.name,
    description: options.description,
    defaultPort: options.defaultPort,
    configFromEnvironment(environment = process.env) {
      const { own, ...shared } = serviceConfigFromEnvironment(
        { service: options.name, schema: options.schema, defaultPort: options.defaultPort },
        environment,
        options.environment,
        options.checks,
      );
      try {
        const settings = options.settings ? options.settings(own as z.infer<z.ZodObject<Shape>>) : ({} as Settings);
        return { ...shared, settings };
      } catch (error) {
        // A check `settings` makes itself, said with the notes the variables' own refusals carry (a misspelt variable): one block.
        if (!(error instanceof InvalidConfiguration)) throw error;
        throw invalidConfiguration(error.service, [...error.problems, ...misspeltVariableNotes(options.name, environment, serviceVariableNames(options.environment))]);
      }
    },
    database(config) {
      return {
        settings: config.database,
        applicationName: options.name,
        entities: options.entities,
        migrations: [...MessagingMigrations, CreateApiKeyCopy1764000050000, CreateIdempotentRequest1767500000000, IdempotentRequestOneShape1767900000000, ...options.migrations],
      };
    },
    module(config, overrides = {}) {
      return {
        module: ServiceApplicationModule,
        imports: [
          ...serviceFoundation({
            service: options.name,
            logLevel: config.logLevel,
            bootstrapKey: recognisedBootstrapKey(config.auth.bootstrap),
            database: definition.database(config),
            kafka: config.kafka,
            outbox: config.outbox,
            ledger: config.ledger,
            topics: [...new Set<TopicName>([...options.topics, Topics.apiKeys])].map((topic) => TopicSpecs[topic]),
            config,
            clock: overrides.clock,
            keysConsumerGroup: options.keysConsumerGroup,
            healthChecks: options.healthChecks,
          }),
          ...options.modules,
        ],
      };
    },
    createApp(config, overrides) {
      return createServiceApp(definition.module(config, overrides), options, {
        maxBodyBytes: config.limits.maxBodyBytes,
        trustProxy: config.limits.trustProxy,
        bootstrapKey: recognisedBootstrapKey(config.auth.bootstrap),
      });
    },
    main(argv = process.argv.slice(2)) {
      // Every instant is handled in UTC; a host zone must never leak into a date computed here.
      process.env.TZ = 'UTC';
      if (argv[0] === 'migrate') {
        let config: ServiceConfig<Settings>;
        try {
          config = definition.configFromEnvironment();
        } catch (error) {
          // Said as a start says it, one block, rather than as an uncaught error's stack.
          process.stderr.write(`[migrate] failed: ${(error as Error).message}\nNothing was migrated.\n`);
          process.exit(1);
        }
        migrateFromCommandLine(createServiceDataSource(definition.database(config)), argv.slice(1));
        return;
      }
      runService(options.name, async () => {
        const config = definition.configFromEnvironment();
        // Not fatal: the variable may be some other program's, but a slip left unsaid keeps a default nobody chose.
        for (const { given, meant } of misspeltVariables(process.env, serviceVariableNames(options.environment))) {
          process.stderr.write(`${options.name}: ${given} is not a variable ${options.name} reads, so it is ignored; did you mean ${meant}? (README.md, Configuration)\n`);
        }
        // Waited for before Nest builds the app, whose own connection retries print a stack trace each.
        const onWait = (message: string) => process.stderr.write(`${options.name}: ${message}\n`);
        await waitForDatabase(definition.database(config), { waitMs: config.database.connectWaitMs, onWait });
        await waitForKafka(config.kafka, { waitMs: config.kafka.connectWaitMs ?? 0, onWait });
        return { app: await definition.createApp(config), port: config.port, address: config.listenAddress };
      });
    },
  };
  return definition;
}
