import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AreaPostureDto, ClusterDetailDto, ClusterHistoryDto, ClusterPageDto } from './dto/clusters.dto.js';
import { ApiBadRequest, ApiNotFound, ApiProtected, OutcomeCountsDto } from './dto/common.dto.js';
import { CLUSTER_ROLES, PLATFORMS } from '@watchpost/shared';
import { z } from 'zod';
import { ApiQueries } from './api-docs.js';
import { clustersQuery, staleAfterQuery } from './params.js';
import { ClustersQueryService } from '../posture/index.js';
import { limitParam, notFound, parseQuery, timeParam } from './validation.js';

const historyQuery = z.object({ from: timeParam, to: timeParam, limit: limitParam(200, 2000) });

@ApiTags('clusters')
@ApiProtected()
@ApiExtraModels(OutcomeCountsDto, AreaPostureDto)
@Controller('api/v1/clusters')
export class ClustersController {
  constructor(private readonly clusters: ClustersQueryService) {}

  @Get()
  @ApiOperation({
    summary:
      'Clusters with platform, role, location, Kubernetes version, scores per area, last report and liveness',
  })
  @ApiQueries({
    platform: { description: `comma-separated: ${PLATFORMS.join(', ')}` },
    role: { description: `comma-separated: ${CLUSTER_ROLES.join(', ')}` },
    stale: {
      description: 'only clusters whose last report (hub receive time) is older than staleAfter',
      enum: ['true', 'false'],
    },
    staleAfter: { description: 'staleness threshold, e.g. 30m, 6h, 7d (default 6h)' },
    limit: { description: 'page size, 1-5000 (default 500)' },
    cursor: { description: 'nextCursor of the previous page' },
  })
  @ApiOkResponse({ type: ClusterPageDto })
  @ApiBadRequest()
  async list(@Query() query: unknown) {
    const q = parseQuery(clustersQuery, query);
    return this.clusters.clusters(
      { platform: q.platform, role: q.role, stale: q.stale },
      q.limit,
      q.cursor,
      q.staleAfter,
    );
  }

  @Get(':name')
  @ApiOperation({
    summary: 'One cluster: posture per area, open problems by severity, agents, newest report',
  })
  @ApiQueries({ staleAfter: { description: 'staleness threshold (default 6h)' } })
  @ApiOkResponse({ type: ClusterDetailDto })
  @ApiBadRequest()
  @ApiNotFound('cluster')
  async detail(@Param('name') name: string, @Query() query: unknown) {
    const q = parseQuery(staleAfterQuery, query);
    const c = await this.clusters.cluster(name, q.staleAfter);
    if (!c) throw notFound(`cluster "${name}"`);
    return c;
  }

  @Get(':name/history')
  @ApiOperation({ summary: 'Report history of one cluster (scores and summaries), oldest first, for trends' })
  @ApiQueries({
    from: { description: 'ISO time, inclusive (hub receive time)' },
    to: { description: 'ISO time, exclusive' },
    limit: { description: 'newest N reports in the window, 1-2000 (default 200)' },
  })
  @ApiOkResponse({ type: ClusterHistoryDto })
  @ApiBadRequest()
  @ApiNotFound('cluster')
  async history(@Param('name') name: string, @Query() query: unknown) {
    const q = parseQuery(historyQuery, query);
    if (!(await this.clusters.clusterExists(name))) throw notFound(`cluster "${name}"`);
    return { cluster: name, points: await this.clusters.history(name, q) };
  }
}
