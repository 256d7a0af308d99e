import type { LoggerService } from '@nestjs/common';

/**
 * Nest's own contexts that narrate start-up: every module loaded and every route mapped, about
 * fifty lines a service. The system runner says when a service is ready and where its API is, so
 * these go to debug (LOG_LEVEL=debug shows them again).
 */
export const BOOT_NARRATION_CONTEXTS: ReadonlySet<string> = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

/** The service's logger with Nest's start-up narration logged at debug instead of info; everything else passes through unchanged. */
export function bootQuietLogger(logger: LoggerService & { debug: NonNullable<LoggerService['debug']> }): LoggerService {
  return {
    log: (message: unknown, ...rest: unknown[]) => {
      const context = rest.at(-1);
      if (typeof context === 'string' && BOOT_NARRATION_CONTEXTS.has(context)) logger.debug(message, ...rest);
      else logger.log(message, ...rest);
    },
    error: (message: unknown, ...rest: unknown[]) => logger.error(message, ...rest),
    warn: (message: unknown, ...rest: unknown[]) => logger.warn(message, ...rest),
    debug: (message: unknown, ...rest: unknown[]) => logger.debug(message, ...rest),
    verbose: (message: unknown, ...rest: unknown[]) => logger.verbose?.(message, ...rest),
    fatal: (message: unknown, ...rest: unknown[]) => (logger.fatal ?? logger.error).call(logger, message, ...rest),
  };
}
