import { Module } from '@nestjs/common';
import { DetectionSettingsLog } from '../config/detection-settings-log';
import { BaselinesController } from './baselines.controller';
import { BaselinesService } from './baselines.service';

@Module({
  controllers: [BaselinesController],
  // Said at boot beside the route that answers the same settings per region.
  providers: [BaselinesService, DetectionSettingsLog],
  exports: [BaselinesService],
})
export class BaselinesModule {}
