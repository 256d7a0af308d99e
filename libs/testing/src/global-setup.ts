import type { TestProject } from 'vitest/node';
import './holdfast-environment';
import { resolveTestEnvironment } from './resolve-test-environment';

/**
 * Resolves the run's Kafka and PostgreSQL once and hands them to every test file (testEnvironment()).
 * Containers stop at teardown; a local Kafka stays running for the next run (see libs/testing/README.md).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = (line: string) => console.log(`[holdfast-testing] ${line}`);
  const { environment, release } = await resolveTestEnvironment({ log });
  project.provide('holdfastEnvironment', environment);
  return release;
}
