import { Module } from '@nestjs/common';
import { ExemptionsController } from './exemptions.controller.js';
import { ExemptionsService } from './exemptions.service.js';
import { PostureRulesService } from './posture-rules.service.js';
import { SeverityOverridesController } from './severity-overrides.controller.js';
import { SeverityOverridesService } from './severity-overrides.service.js';

/**
 * Accepted risks and severity overrides (issue 17): the REST API, and the re-evaluation that materialises their
 * effect on the posture rows (on change, and every minute for expiries).
 */
@Module({
  controllers: [ExemptionsController, SeverityOverridesController],
  providers: [ExemptionsService, SeverityOverridesService, PostureRulesService],
  exports: [ExemptionsService, SeverityOverridesService, PostureRulesService],
})
export class ExemptionsModule {}
