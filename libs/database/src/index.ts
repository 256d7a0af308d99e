export * from './batching-client';
export * from './after-commit';
export * from './database-settings';
export * from './data-source.factory';
export * from './migration-runner';
export * from './database-readiness.check';
export * from './database.module';
export * from './migration-command';
