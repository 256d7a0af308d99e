import { type DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';

export interface LoggingOptions {
  service: string;
  level: string;
}

/** Paths never written to a log, whatever a handler logs. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["x-holdfast-signature"]',
  'res.headers["set-cookie"]',
  '*.secret',
  '*.password',
  '*.apiKey',
];

const QUIET_ROUTES = new Set(['/health', '/health/live', '/health/ready', '/metrics']);

@Module({})
export class LoggingModule {
  static forRoot({ service, level }: LoggingOptions): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level,
            base: { service },
            redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
            genReqId: (req) => (req.headers['x-request-id'] as string | undefined) ?? randomUUID(),
            // Probes and scrapes arrive every few seconds; logging them would drown the rest.
            autoLogging: { ignore: (req) => QUIET_ROUTES.has((req.url ?? '').split('?')[0]) },
          },
        }),
      ],
    };
  }
}
