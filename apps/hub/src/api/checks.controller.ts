import { Controller, Get, Param } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CheckDetailDto, CheckListDto, PassRateDto } from './dto/checks.dto.js';
import { ApiNotFound, ApiProtected } from './dto/common.dto.js';
import { ChecksQueryService } from '../posture/index.js';
import { notFound } from './validation.js';

@ApiTags('checks')
@ApiProtected()
@ApiExtraModels(PassRateDto)
@Controller('api/v1/checks')
export class ChecksController {
  constructor(private readonly checks: ChecksQueryService) {}

  @Get()
  @ApiOperation({
    summary: 'The check catalogue with each check’s fleet pass rate, overall and per platform',
  })
  @ApiOkResponse({ type: CheckListDto })
  async list() {
    return { items: await this.checks.checks() };
  }

  @Get(':id')
  @ApiOperation({
    summary: 'One check with its pass rates and the clusters where it currently fails, warns or errs',
  })
  @ApiOkResponse({ type: CheckDetailDto })
  @ApiNotFound('check')
  async detail(@Param('id') id: string) {
    const check = (await this.checks.checks()).find((c) => c.id === id);
    if (!check) throw notFound(`check "${id}"`);
    return { ...check, clusters: await this.checks.checkClusters(id) };
  }
}
