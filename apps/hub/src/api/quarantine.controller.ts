import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { QuarantinePageDto } from './dto/admin.dto.js';
import { ApiBadRequest, ApiProtected } from './dto/common.dto.js';
import { z } from 'zod';
import { Roles } from '../auth/auth.decorators.js';
import { ApiQueries } from './api-docs.js';
import { QuarantineQueryService } from './quarantine-query.service.js';
import { csvStrings, limitParam, parseQuery } from './validation.js';

const quarantineQuery = z.object({
  agent: csvStrings,
  reason: csvStrings,
  limit: limitParam(100, 1000),
  cursor: z.string().max(4096).optional(),
});

/** Refused messages. Operator and up: payload excerpts can hold what a misbehaving agent sent. */
@ApiTags('quarantine')
@ApiProtected()
@Roles('operator')
@Controller('api/v1/quarantine')
export class QuarantineController {
  constructor(private readonly quarantine: QuarantineQueryService) {}

  @Get()
  @ApiOperation({ summary: 'Messages the ingest refused, newest first, with the reason (operator role)' })
  @ApiQueries({
    agent: { description: 'agent ids claimed by the topic, comma-separated' },
    reason: { description: 'reason codes, comma-separated' },
    limit: { description: 'page size, 1-1000 (default 100)' },
    cursor: { description: 'nextCursor of the previous page' },
  })
  @ApiOkResponse({ type: QuarantinePageDto })
  @ApiBadRequest()
  async list(@Query() query: unknown) {
    const q = parseQuery(quarantineQuery, query);
    return this.quarantine.quarantine({ agent: q.agent, reason: q.reason }, q.limit, q.cursor);
  }
}
