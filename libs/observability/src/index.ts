export * from './logging/logging.module';
export * from './metrics/metrics.registry';
export * from './metrics/label-pair-tally';
export * from './metrics/metrics.module';
export * from './health/readiness-check';
export * from './health/health.module';
export * from './http/public-route.decorator';
export * from './config/parse-environment';
