import { Global, Module } from '@nestjs/common';
import { SurgeLogWatch } from './surge-log-watch';

/** One watch per planner, for the gate and for /health's gate entry (a health check sees global providers only). */
@Global()
@Module({ providers: [SurgeLogWatch], exports: [SurgeLogWatch] })
export class SurgeLogWatchModule {}
