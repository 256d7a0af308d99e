import { Module } from '@nestjs/common';
import { SurgesController } from './surges.controller';
import { SurgesService } from './surges.service';

@Module({
  controllers: [SurgesController],
  providers: [SurgesService],
  exports: [SurgesService],
})
export class SurgesModule {}
