import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ApiQueries } from './api-docs.js';
import { AgentDetailDto, AgentPageDto } from './dto/agents.dto.js';
import { ApiBadRequest, ApiNotFound, ApiProtected } from './dto/common.dto.js';
import { AgentsQueryService } from '../posture/index.js';
import { boolParam, csvEnum, csvStrings, limitParam, notFound, parseQuery } from './validation.js';

const agentsQuery = z.object({
  cluster: csvStrings,
  status: csvEnum(['online', 'offline', 'unknown'] as const),
  revoked: boolParam,
  limit: limitParam(500, 5000),
  cursor: z.string().max(4096).optional(),
});

/** Read side of agents; revocation (`POST /api/v1/agents/{id}/revoke`) is hub-core's PKI controller. */
@ApiTags('agents')
@ApiProtected()
@Controller('api/v1/agents')
export class AgentsController {
  constructor(private readonly agents: AgentsQueryService) {}

  @Get()
  @ApiOperation({ summary: 'Agents: liveness, clock skew, certificate expiry, revocation' })
  @ApiOkResponse({ type: AgentPageDto })
  @ApiBadRequest()
  @ApiQueries({
    cluster: { description: 'cluster names, comma-separated' },
    status: { description: 'online, offline, unknown (comma-separated)' },
    revoked: { description: 'true or false', enum: ['true', 'false'] },
    limit: { description: 'page size, 1-5000 (default 500)' },
    cursor: { description: 'nextCursor of the previous page' },
  })
  async list(@Query() query: unknown) {
    const q = parseQuery(agentsQuery, query);
    return this.agents.agents(
      { cluster: q.cluster, status: q.status, revoked: q.revoked },
      q.limit,
      q.cursor,
    );
  }

  @Get(':id')
  @ApiOperation({ summary: 'One agent with the certificates issued to it' })
  @ApiOkResponse({ type: AgentDetailDto })
  @ApiNotFound('agent')
  async detail(@Param('id') id: string) {
    const a = await this.agents.agent(id);
    if (!a) throw notFound(`agent "${id}"`);
    return a;
  }
}
