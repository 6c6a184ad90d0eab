import { Module } from '@nestjs/common';
import { AgentsQueryService } from './agents-query.service.js';
import { ChecksQueryService } from './checks-query.service.js';
import { ClustersQueryService } from './clusters-query.service.js';
import { FindingsQueryService } from './findings-query.service.js';
import { FleetSummaryService } from './fleet-summary.service.js';
import { PostureMetricsService } from './posture-metrics.service.js';
import { PostureWriter } from './posture-writer.js';

/**
 * Posture: the writer ingest uses, scoring, liveness, platform grouping, and the read side split by resource.
 * Needs the global `DataSource` and (optionally) `HUB_CLOCK`.
 */
@Module({
  providers: [
    PostureWriter,
    FindingsQueryService,
    ClustersQueryService,
    AgentsQueryService,
    ChecksQueryService,
    FleetSummaryService,
    PostureMetricsService,
  ],
  exports: [
    PostureWriter,
    FindingsQueryService,
    ClustersQueryService,
    AgentsQueryService,
    ChecksQueryService,
    FleetSummaryService,
    PostureMetricsService,
  ],
})
export class PostureModule {}
