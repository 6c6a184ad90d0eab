import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { AuthModule } from '../auth/auth.module.js';
import { ExportsController } from '../exports/exports.controller.js';
import { AgentsController } from './agents.controller.js';
import { ApiErrorFilter } from './api-error.filter.js';
import { ApiTokensController } from './api-tokens.controller.js';
import { ChecksController } from './checks.controller.js';
import { ClustersController } from './clusters.controller.js';
import { FindingsController } from './findings.controller.js';
import { FleetController } from './fleet.controller.js';
import { HealthController } from './health.controller.js';
import { OpenApiController, OpenApiDocument } from './openapi.js';
import { QuarantineController } from './quarantine.controller.js';
import { QuarantineQueryService } from './quarantine-query.service.js';
import { PostureModule } from '../posture/posture.module.js';
import { ExemptionsModule } from '../exemptions/exemptions.module.js';

/**
 * The read side of the hub under /api/v1 plus /healthz and /readyz. Needs a global `DataSource` (persistence)
 * and `MetricsService` (MetricsModule); imports AuthModule, which installs the global bearer guard.
 */
@Module({
  imports: [AuthModule, PostureModule, ExemptionsModule, TerminusModule.forRoot({ logger: false })],
  controllers: [
    HealthController,
    ClustersController,
    FindingsController,
    ChecksController,
    FleetController,
    AgentsController,
    QuarantineController,
    ExportsController,
    ApiTokensController,
    OpenApiController,
  ],
  providers: [QuarantineQueryService, OpenApiDocument, { provide: APP_FILTER, useClass: ApiErrorFilter }],
})
export class ApiModule {}
