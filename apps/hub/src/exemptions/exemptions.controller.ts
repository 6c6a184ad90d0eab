import { Body, Controller, Delete, Get, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiBadRequest, ApiNotFound, ApiProtected } from '../api/dto/common.dto.js';
import {
  CreateExemptionDto,
  ExemptionDto,
  ExemptionEventListDto,
  ExemptionListDto,
  RevokeExemptionDto,
  UpdateExemptionDto,
} from './exemptions.dto.js';
import { z } from 'zod';
import { Roles } from '../auth/auth.decorators.js';
import type { AuthenticatedRequest } from '../auth/auth.guard.js';
import type { ApiPrincipal } from '../auth/api-tokens.service.js';
import { ApiQueries } from '../api/api-docs.js';
import { parseBody, parseQuery } from '../api/validation.js';
import { MAX_EXEMPTION_DAYS, scopeSchema, targetSchema } from './exemption-rules.js';
import { ExemptionsService } from './exemptions.service.js';

const reason = z
  .string({ message: 'is required: say why this risk is accepted' })
  .trim()
  .min(10, { message: 'is required: say why this risk is accepted (at least 10 characters)' })
  .max(2000);
const expiresAt = z.string({
  message: `is required: an ISO-8601 time at most ${MAX_EXEMPTION_DAYS} days ahead`,
});

const createBody = z.strictObject({ scope: scopeSchema, target: targetSchema, reason, expiresAt });
const updateBody = z
  .strictObject({ reason: reason.optional(), expiresAt: expiresAt.optional() })
  .refine((b) => b.reason !== undefined || b.expiresAt !== undefined, {
    message: 'give reason and/or expiresAt to change',
  });
const revokeBody = z.strictObject({ reason: z.string().trim().max(2000).optional() });
const listQuery = z.object({
  status: z
    .enum(['active', 'expired', 'revoked'], { message: 'must be active, expired or revoked' })
    .optional(),
  cluster: z.string().max(253).optional(),
  check: z.string().max(128).optional(),
});

function principal(req: AuthenticatedRequest): ApiPrincipal {
  // The global guard has accepted a token before any handler runs.
  return req.principal!;
}

/** Accepted risks: exemptions with scope, target, reason, author and expiry, and their audit history. */
@ApiTags('exemptions')
@ApiProtected()
@Controller('api/v1')
export class ExemptionsController {
  constructor(private readonly exemptions: ExemptionsService) {}

  @Get('exemptions')
  @ApiOkResponse({ type: ExemptionListDto })
  @ApiBadRequest()
  @ApiOperation({ summary: 'Exemptions, newest first, with their status (active, expired, revoked)' })
  @ApiQueries({
    status: { description: 'active, expired or revoked', enum: ['active', 'expired', 'revoked'] },
    cluster: { description: 'only exemptions scoped to this cluster (or wider)' },
    check: { description: 'only exemptions of this check id (or its area)' },
  })
  async list(@Query() query: unknown) {
    const q = parseQuery(listQuery, query);
    return {
      items: await this.exemptions.list({
        ...(q.status ? { status: q.status } : {}),
        ...(q.cluster ? { cluster: q.cluster } : {}),
        ...(q.check ? { checkId: q.check } : {}),
      }),
    };
  }

  @Post('exemptions')
  @Roles('operator')
  @ApiBody({ type: CreateExemptionDto })
  @ApiCreatedResponse({ type: ExemptionDto })
  @ApiBadRequest()
  @ApiOperation({
    summary: `Accept a risk: scope, target (checkId or area), reason and expiry (at most ${MAX_EXEMPTION_DAYS} days) are required (operator role)`,
  })
  async create(@Body() body: unknown, @Req() req: AuthenticatedRequest) {
    return this.exemptions.create(principal(req), parseBody(createBody, body));
  }

  @Get('exemptions/:id')
  @ApiOperation({ summary: 'One exemption' })
  @ApiOkResponse({ type: ExemptionDto })
  @ApiNotFound('exemption')
  async get(@Param('id') id: string) {
    return this.exemptions.get(id);
  }

  @Patch('exemptions/:id')
  @Roles('operator')
  @ApiBody({ type: UpdateExemptionDto })
  @ApiOkResponse({ type: ExemptionDto })
  @ApiBadRequest()
  @ApiNotFound('exemption')
  @ApiOperation({ summary: "Change an exemption's reason or expiry (its author, or an admin)" })
  async update(@Param('id') id: string, @Body() body: unknown, @Req() req: AuthenticatedRequest) {
    const b = parseBody(updateBody, body);
    return this.exemptions.update(principal(req), id, {
      ...(b.reason !== undefined ? { reason: b.reason } : {}),
      ...(b.expiresAt !== undefined ? { expiresAt: b.expiresAt } : {}),
    });
  }

  @Delete('exemptions/:id')
  @Roles('operator')
  @ApiBody({ type: RevokeExemptionDto, required: false })
  @ApiOkResponse({ type: ExemptionDto })
  @ApiBadRequest()
  @ApiNotFound('exemption')
  @ApiOperation({
    summary: 'Revoke an exemption: its findings count again at once (its author, or an admin)',
  })
  async revoke(@Param('id') id: string, @Body() body: unknown, @Req() req: AuthenticatedRequest) {
    const b = parseBody(revokeBody, body);
    return this.exemptions.revoke(principal(req), id, b.reason);
  }

  @Get('exemptions/:id/history')
  @ApiOkResponse({ type: ExemptionEventListDto })
  @ApiNotFound('exemption')
  @ApiOperation({ summary: "One exemption's audit history, oldest first" })
  async history(@Param('id') id: string) {
    return { items: await this.exemptions.history(id) };
  }

  @Get('exemption-history')
  @ApiOkResponse({ type: ExemptionEventListDto })
  @ApiOperation({ summary: 'Audit history of every exemption, oldest first' })
  async allHistory() {
    return { items: await this.exemptions.history() };
  }
}
