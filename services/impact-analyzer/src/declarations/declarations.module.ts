import { Module } from '@nestjs/common';
import { SurgesModule } from '../surges/surges.module';
import { DeclarationsController } from './declarations.controller';
import { DeclarationsService } from './declarations.service';

@Module({
  imports: [SurgesModule],
  controllers: [DeclarationsController],
  providers: [DeclarationsService],
  exports: [DeclarationsService],
})
export class DeclarationsModule {}
