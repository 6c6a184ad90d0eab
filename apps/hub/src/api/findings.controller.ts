import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiBadRequest, ApiProtected } from './dto/common.dto.js';
import { FindingPageDto } from './dto/findings.dto.js';
import { ApiQueries } from './api-docs.js';
import { findingFilterDocs, findingsQuery, toFindingFilters } from './params.js';
import { FindingsQueryService } from '../posture/index.js';
import { parseQuery } from './validation.js';

@ApiTags('findings')
@ApiProtected()
@Controller('api/v1/findings')
export class FindingsController {
  constructor(private readonly findings: FindingsQueryService) {}

  @Get()
  @ApiOperation({
    summary:
      'Current posture rows (cluster x check x resource), filtered, in a stable order with cursor pagination',
  })
  @ApiQueries({
    ...findingFilterDocs,
    limit: { description: 'page size, 1-1000 (default 100)' },
    cursor: { description: 'nextCursor of the previous page (opaque)' },
  })
  @ApiOkResponse({ type: FindingPageDto })
  @ApiBadRequest()
  async list(@Query() query: unknown) {
    const q = parseQuery(findingsQuery, query);
    return this.findings.findings(toFindingFilters(q), q.limit, q.cursor);
  }
}
