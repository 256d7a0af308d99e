export * from './holdfast-environment';
export { resolveTestEnvironment, LOCAL_DATABASE_URL } from './resolve-test-environment';
export type { ResolvedTestEnvironment, ResolveOptions } from './resolve-test-environment';
export { testEnvironment } from './test-environment';
export { createTestDatabase } from './test-database';
export type { TestDatabase } from './test-database';
export { uniqueTestId } from './unique-test-id';
export { everyPage } from './every-page';
export { expectEventually } from './expect-eventually';
export type { ExpectEventuallyOptions } from './expect-eventually';
export { produceOnce } from './produce-once';
export { recordTopic } from './topic-recorder';
export type { RecordedMessage, TopicRecorder } from './topic-recorder';
export { startServiceUnderTest } from './service-app';
export type { ServiceUnderTest, StartServiceOptions, TestableService } from './service-app';
export { ManualClock } from './manual-clock';
export { documentedBody, tamperedAnswers, undocumentedProblems, withRefsResolved } from './documented-schema';
export type { DocumentedAnswers, JsonSchema } from './documented-schema';
// scripts/system is standalone Node (npm start runs it before any build); the test environment shares its port choice.
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
export { freePort } from '../../../scripts/system/free-port.mjs';
export * from './loopback-proxy';
export { ALERTMANAGER_BINARY, basicAuthorization, startAlertmanager, startLoopbackDaemon } from './loopback-daemon';
export type { BasicAuthUser, LoopbackDaemon, LoopbackDaemonOptions } from './loopback-daemon';
