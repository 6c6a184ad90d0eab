import type { TLSSocket } from 'node:tls';
import { Body, Controller, Get, HttpCode, HttpStatus, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiBadRequest, ApiNotFound, ApiProtected } from '../api/dto/common.dto.js';
import {
  EnrollRequestDto,
  EnrollResponseDto,
  HubCaDto,
  RenewRequestDto,
  RenewResponseDto,
  RevokeResponseDto,
} from '../api/dto/pki.dto.js';
import type { IncomingMessage as Request } from 'node:http';
import { z } from 'zod';
import { LimitByAddress, Public, Roles } from '../auth/auth.decorators.js';
import { EnrollmentService, HUB_PKI, type EnrollResponse } from './enrollment.service.js';
import type { HubPki } from './hub-pki.js';
import { PkiErrorCode, PkiHttpError } from './pki.errors.js';

const enrollBody = z.strictObject({
  token: z.string().min(1).max(256),
  csr: z.string().min(1).max(16_384),
  nodeName: z.string().min(1).max(253).optional(),
});
const renewBody = z.strictObject({ csr: z.string().min(1).max(16_384) });

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new PkiHttpError(
    HttpStatus.BAD_REQUEST,
    PkiErrorCode.BadRequest,
    `body.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
  );
}

/** Agent PKI over HTTPS: the CA for pinning, enrollment with a token, renewal over mTLS, and revocation. */
@ApiTags('agent PKI')
@Controller('api/v1')
export class PkiController {
  constructor(
    private readonly enrollment: EnrollmentService,
    @Inject(HUB_PKI) private readonly pki: HubPki,
  ) {}

  @Public()
  @Get('enroll/ca')
  @ApiOperation({
    summary: 'The hub CA certificate (public). Agents check its sha256 against --ca-hash before trusting it.',
  })
  @ApiOkResponse({ type: HubCaDto })
  ca(): { caCertificate: string } {
    return { caCertificate: this.pki.ca.certPem };
  }

  @Public()
  @LimitByAddress()
  @Post('enroll')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Enroll an agent with a single-use token and a CSR (public, rate-limited per client IP)',
  })
  @ApiBody({ type: EnrollRequestDto })
  @ApiCreatedResponse({ type: EnrollResponseDto })
  @ApiBadRequest()
  async enroll(@Body() body: unknown): Promise<EnrollResponse> {
    const b = parse(enrollBody, body);
    return this.enrollment.enroll(b);
  }

  @Public() // authenticated by the TLS client certificate instead of a bearer token
  @Post('agents/renew')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Renew an agent certificate over mutual TLS with the current, unexpired, unrevoked certificate',
  })
  @ApiBody({ type: RenewRequestDto })
  @ApiOkResponse({ type: RenewResponseDto })
  @ApiBadRequest()
  async renew(
    @Body() body: unknown,
    @Req() req: Request,
  ): Promise<{ certificate: string; caCertificate: string }> {
    const socket = req.socket as Partial<TLSSocket>;
    const b = parse(renewBody, body);
    if (typeof socket.getPeerCertificate !== 'function') {
      throw new PkiHttpError(
        HttpStatus.BAD_REQUEST,
        PkiErrorCode.ClientCertificateRequired,
        'renewal needs HTTPS with a client certificate (WATCHPOST_HTTP_TLS is off)',
      );
    }
    const cert = socket.getPeerCertificate();
    return this.enrollment.renew(
      {
        authorized: socket.authorized ?? false,
        authorizationError: socket.authorizationError ?? null,
        cert: Object.keys(cert).length > 0 ? cert : null,
      },
      b.csr,
    );
  }

  @Roles('admin')
  @ApiProtected()
  @ApiOkResponse({ type: RevokeResponseDto })
  @ApiNotFound('agent')
  @Post('agents/:id/revoke')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Revoke an agent (admin): refused by the embedded broker and by ingest from now on',
  })
  revoke(@Param('id') id: string): Promise<{ agentId: string; revokedAt: string; certificates: number }> {
    return this.enrollment.revoke(id);
  }
}
