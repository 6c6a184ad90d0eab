import { Body, Controller, Delete, Get, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ApiQueries } from '../api/api-docs.js';
import { ApiBadRequest, ApiNotFound, ApiProtected } from '../api/dto/common.dto.js';
import { parseBody, parseQuery } from '../api/validation.js';
import { Roles } from '../auth/auth.decorators.js';
import type { ApiPrincipal } from '../auth/api-tokens.service.js';
import type { AuthenticatedRequest } from '../auth/auth.guard.js';
import { MAX_EXEMPTION_DAYS } from './exemption-rules.js';
import { ExemptionEventListDto, RevokeExemptionDto } from './exemptions.dto.js';
import {
  CreateSeverityOverrideDto,
  SeverityOverrideDto,
  SeverityOverrideListDto,
  UpdateSeverityOverrideDto,
} from './severity-overrides.dto.js';
import { overrideCheckSchema, overrideScopeSchema, severitySchema } from './severity-override-rules.js';
import { SeverityOverridesService } from './severity-overrides.service.js';

const reason = z
  .string({ message: 'is required: say why this check gets another severity here' })
  .trim()
  .min(10, { message: 'is required: say why this check gets another severity here (at least 10 characters)' })
  .max(2000);
const expiresAt = z.string({ message: `must be an ISO-8601 time at most ${MAX_EXEMPTION_DAYS} days ahead` });

const createBody = z.strictObject({
  checkId: overrideCheckSchema,
  scope: overrideScopeSchema,
  severity: severitySchema,
  reason,
  expiresAt: expiresAt.optional(),
});
const updateBody = z
  .strictObject({
    severity: severitySchema.optional(),
    reason: reason.optional(),
    expiresAt: expiresAt.nullable().optional(),
  })
  .refine((b) => b.severity !== undefined || b.reason !== undefined || b.expiresAt !== undefined, {
    message: 'give severity, reason and/or expiresAt to change',
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

/** Severity overrides per check id and scope (fleet, platform, cluster; the narrowest wins), audited. */
@ApiTags('exemptions')
@ApiProtected()
@Controller('api/v1/severity-overrides')
export class SeverityOverridesController {
  constructor(private readonly overrides: SeverityOverridesService) {}

  @Get()
  @ApiOkResponse({ type: SeverityOverrideListDto })
  @ApiBadRequest()
  @ApiOperation({ summary: 'Severity overrides, newest first, with their status (active, expired, revoked)' })
  @ApiQueries({
    status: { description: 'active, expired or revoked', enum: ['active', 'expired', 'revoked'] },
    cluster: {
      description: 'only overrides that can apply to this cluster (its own, platform and fleet ones)',
    },
    check: { description: 'only overrides of this check id' },
  })
  async list(@Query() query: unknown) {
    const q = parseQuery(listQuery, query);
    return {
      items: await this.overrides.list({
        ...(q.status ? { status: q.status } : {}),
        ...(q.cluster ? { cluster: q.cluster } : {}),
        ...(q.check ? { checkId: q.check } : {}),
      }),
    };
  }

  @Post()
  @Roles('operator')
  @ApiBody({ type: CreateSeverityOverrideDto })
  @ApiCreatedResponse({ type: SeverityOverrideDto })
  @ApiBadRequest()
  @ApiOperation({
    summary: `Give one check another severity in a scope: checkId, scope, severity and reason required, expiry optional (at most ${MAX_EXEMPTION_DAYS} days) (operator role)`,
  })
  async create(@Body() body: unknown, @Req() req: AuthenticatedRequest) {
    const b = parseBody(createBody, body);
    return this.overrides.create(principal(req), {
      checkId: b.checkId,
      scope: b.scope,
      severity: b.severity,
      reason: b.reason,
      ...(b.expiresAt !== undefined ? { expiresAt: b.expiresAt } : {}),
    });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One severity override' })
  @ApiOkResponse({ type: SeverityOverrideDto })
  @ApiNotFound('severity override')
  async get(@Param('id') id: string) {
    return this.overrides.get(id);
  }

  @Patch(':id')
  @Roles('operator')
  @ApiBody({ type: UpdateSeverityOverrideDto })
  @ApiOkResponse({ type: SeverityOverrideDto })
  @ApiBadRequest()
  @ApiNotFound('severity override')
  @ApiOperation({ summary: "Change an override's severity, reason or expiry (its author, or an admin)" })
  async update(@Param('id') id: string, @Body() body: unknown, @Req() req: AuthenticatedRequest) {
    const b = parseBody(updateBody, body);
    return this.overrides.update(principal(req), id, {
      ...(b.severity !== undefined ? { severity: b.severity } : {}),
      ...(b.reason !== undefined ? { reason: b.reason } : {}),
      ...(b.expiresAt !== undefined ? { expiresAt: b.expiresAt } : {}),
    });
  }

  @Delete(':id')
  @Roles('operator')
  @ApiBody({ type: RevokeExemptionDto, required: false })
  @ApiOkResponse({ type: SeverityOverrideDto })
  @ApiBadRequest()
  @ApiNotFound('severity override')
  @ApiOperation({
    summary: 'Revoke an override: the reported severity applies again at once (its author, or an admin)',
  })
  async revoke(@Param('id') id: string, @Body() body: unknown, @Req() req: AuthenticatedRequest) {
    const b = parseBody(revokeBody, body);
    return this.overrides.revoke(principal(req), id, b.reason);
  }

  @Get(':id/history')
  @ApiOkResponse({ type: ExemptionEventListDto })
  @ApiNotFound('severity override')
  @ApiOperation({ summary: "One override's audit history, oldest first" })
  async history(@Param('id') id: string) {
    return { items: await this.overrides.history(id) };
  }
}
