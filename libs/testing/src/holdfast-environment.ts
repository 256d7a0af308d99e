/** Where a test run's Kafka or PostgreSQL came from. */
export type EnvironmentSource = 'env' | 'testcontainers' | 'local';

/** The one Kafka and PostgreSQL every integration test file of a run shares. */
export interface HoldfastEnvironment {
  kafkaBrokers: string[];
  /** An administrative connection: test files create their own database from it (createTestDatabase). */
  databaseUrl: string;
  source: { kafka: EnvironmentSource; database: EnvironmentSource };
}

declare module 'vitest' {
  export interface ProvidedContext {
    holdfastEnvironment: HoldfastEnvironment;
  }
}
