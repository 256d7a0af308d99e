export * from './holdfast-environment';
export { resolveTestEnvironment, LOCAL_DATABASE_URL } from './resolve-test-environment';
export type { ResolvedTestEnvironment, ResolveOptions } from './resolve-test-environment';
export { testEnvironment } from './test-environment';
export { createTestDatabase } from './test-database';
export type { TestDatabase } from './test-database';
export { uniqueTestId } from './unique-test-id';
export { expectEventually } from './expect-eventually';
export type { ExpectEventuallyOptions } from './expect-eventually';
