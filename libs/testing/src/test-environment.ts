import { inject } from 'vitest';
import type { HoldfastEnvironment } from './holdfast-environment';

/** The Kafka and PostgreSQL of this run, as resolved once by global-setup.ts. */
export function testEnvironment(): HoldfastEnvironment {
  const environment = inject('holdfastEnvironment');
  if (!environment) {
    throw new Error(
      'no Holdfast test environment: run integration specs through the vitest "integration" project, whose globalSetup is libs/testing/src/global-setup.ts',
    );
  }
  return environment;
}
