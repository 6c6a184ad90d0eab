import { Controller, Get, Query } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiBadRequest, ApiProtected } from './dto/common.dto.js';
import { FleetSummaryDto, GroupAreaDto } from './dto/fleet.dto.js';
import { z } from 'zod';
import { ApiQueries } from './api-docs.js';
import { DEFAULT_STALE_AFTER_MS, FleetSummaryService } from '../posture/index.js';
import { daysParam, durationParam, limitParam, MAX_DURATION_DAYS, parseQuery } from './validation.js';

const summaryQuery = z.object({
  staleAfter: durationParam(DEFAULT_STALE_AFTER_MS),
  certificates: limitParam(20, 500),
  withinDays: daysParam(MAX_DURATION_DAYS),
});

@ApiTags('fleet')
@ApiProtected()
@ApiExtraModels(GroupAreaDto)
@Controller('api/v1/fleet')
export class FleetController {
  constructor(private readonly fleet: FleetSummaryService) {}

  @Get('summary')
  @ApiOperation({
    summary:
      'On-prem (aks-hci, arc) vs Azure (aks) posture per area, soonest-expiring certificates, stale clusters, KMS key age',
  })
  @ApiQueries({
    staleAfter: {
      description: 'no report received by the hub for this long = stale, e.g. 30m, 6h, 7d (default 6h)',
    },
    certificates: { description: 'how many soonest-expiring certificates to list, 1-500 (default 20)' },
    withinDays: { description: `only certificates expiring within this many days, 0-${MAX_DURATION_DAYS}` },
  })
  @ApiOkResponse({ type: FleetSummaryDto })
  @ApiBadRequest()
  async summary(@Query() query: unknown) {
    const q = parseQuery(summaryQuery, query);
    return this.fleet.fleetSummary({
      staleAfterMs: q.staleAfter,
      certLimit: q.certificates,
      withinDays: q.withinDays,
    });
  }
}
