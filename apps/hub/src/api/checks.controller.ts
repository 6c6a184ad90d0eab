import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ChecksQueryService } from '../posture/index.js';
import { notFound } from './validation.js';

@ApiTags('checks')
@ApiBearerAuth()
@Controller('api/v1/checks')
export class ChecksController {
  constructor(private readonly checks: ChecksQueryService) {}

  @Get()
  @ApiOperation({
    summary: 'The check catalogue with each check’s fleet pass rate, overall and per platform',
  })
  async list() {
    return { items: await this.checks.checks() };
  }

  @Get(':id')
  @ApiOperation({
    summary: 'One check with its pass rates and the clusters where it currently fails, warns or errs',
  })
  async detail(@Param('id') id: string) {
    const check = (await this.checks.checks()).find((c) => c.id === id);
    if (!check) throw notFound(`check "${id}"`);
    return { ...check, clusters: await this.checks.checkClusters(id) };
  }
}
