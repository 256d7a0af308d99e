import { Module } from '@nestjs/common';
import { SurgesModule } from '../surges/surges.module';
import { AlertsController } from './alerts.controller';
import { AlertsService } from './alerts.service';

@Module({
  imports: [SurgesModule],
  controllers: [AlertsController],
  providers: [AlertsService],
})
export class AlertsModule {}
