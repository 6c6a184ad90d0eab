import { Body, Controller, Delete, Get, HttpCode, Inject, Optional, Param, Post } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiTokenListDto, CreateApiTokenDto, CreatedApiTokenDto } from './dto/admin.dto.js';
import { ApiBadRequest, ApiNotFound, ApiProtected } from './dto/common.dto.js';
import { z } from 'zod';
import { Roles } from '../auth/auth.decorators.js';
import { ApiTokensService } from '../auth/api-tokens.service.js';
import { API_ROLES } from '../auth/roles.js';
import { HUB_CLOCK, type HubClock, systemClock } from '../clock.js';
import { notFound, parseBody } from './validation.js';

const createBody = z.strictObject({
  role: z.enum(API_ROLES, { message: `must be one of ${API_ROLES.join(', ')}` }),
  name: z.string().min(1).max(128).optional(),
  ttlDays: z.number().int().min(1).max(3650).optional(),
});

/** REST API tokens (admin). Enrollment tokens are hub-core's (`token create --enroll`). */
@ApiTags('api-tokens')
@ApiProtected()
@Roles('admin')
@Controller('api/v1/api-tokens')
export class ApiTokensController {
  private readonly clock: HubClock;

  constructor(
    private readonly tokens: ApiTokensService,
    @Optional() @Inject(HUB_CLOCK) clock?: HubClock,
  ) {
    this.clock = clock ?? systemClock;
  }

  @Get()
  @ApiOperation({ summary: 'API tokens (never the secret; admin role)' })
  @ApiOkResponse({ type: ApiTokenListDto })
  async list() {
    return { items: await this.tokens.list() };
  }

  @Post()
  @ApiOperation({
    summary: 'Create an API token; the response is the only time the token is shown (admin role)',
  })
  @ApiBody({ type: CreateApiTokenDto })
  @ApiCreatedResponse({ type: CreatedApiTokenDto })
  @ApiBadRequest()
  async create(@Body() body: unknown) {
    const b = parseBody(createBody, body);
    const now = this.clock.now();
    const expiresAt = b.ttlDays ? new Date(now.getTime() + b.ttlDays * 86_400_000) : undefined;
    return this.tokens.create({ role: b.role, name: b.name, expiresAt, now });
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API token (admin role)' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiNotFound('unrevoked API token')
  async revoke(@Param('id') id: string): Promise<void> {
    if (!(await this.tokens.revoke(id, this.clock.now()))) throw notFound(`unrevoked API token "${id}"`);
  }
}
