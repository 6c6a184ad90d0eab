import { Global, Module } from '@nestjs/common';
import { PostureModule } from '../posture/posture.module.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';

/** Global so hub-core's ingest can inject `MetricsService` without importing this module. */
@Global()
@Module({
  imports: [PostureModule],
  controllers: [MetricsController],
  providers: [MetricsService],
  exports: [MetricsService],
})
export class MetricsModule {}
