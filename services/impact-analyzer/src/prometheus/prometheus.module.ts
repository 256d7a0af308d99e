import { Module } from '@nestjs/common';
import { PrometheusPollerService } from './prometheus-poller.service';

@Module({
  providers: [PrometheusPollerService],
  exports: [PrometheusPollerService],
})
export class PrometheusModule {}
