import { ROUTE_BODY_LIMITS, SERVICE_CONFIG } from '@holdfast/service-kit';
import { Module } from '@nestjs/common';
import { SurgesModule } from '../surges/surges.module';
import { alertBodyLimits } from './alert-body-limits';
import { AlertsController } from './alerts.controller';
import { AlertsService } from './alerts.service';

@Module({
  imports: [SurgesModule],
  controllers: [AlertsController],
  providers: [AlertsService, { provide: ROUTE_BODY_LIMITS, inject: [SERVICE_CONFIG], useFactory: alertBodyLimits }],
})
export class AlertsModule {}
