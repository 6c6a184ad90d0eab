import { Module } from '@nestjs/common';
import { ExemptionsController } from './exemptions.controller.js';
import { ExemptionsService } from './exemptions.service.js';

/** Accepted risks (issue 17): the REST API and the service posture reads to leave exempted findings out. */
@Module({
  controllers: [ExemptionsController],
  providers: [ExemptionsService],
  exports: [ExemptionsService],
})
export class ExemptionsModule {}
