import { Module } from '@nestjs/common';
import { ExemptionsController } from './exemptions.controller.js';
import { ExemptionsService } from './exemptions.service.js';
import { PostureRulesService } from './posture-rules.service.js';

/**
 * Accepted risks and severity overrides (issue 17): the REST API, and the re-evaluation that materialises their
 * effect on the posture rows (on change, and every minute for expiries).
 */
@Module({
  controllers: [ExemptionsController],
  providers: [ExemptionsService, PostureRulesService],
  exports: [ExemptionsService, PostureRulesService],
})
export class ExemptionsModule {}
