import { type CanActivate, type ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { IS_PUBLIC_KEY, REQUIRED_ROLE_KEY } from './auth.decorators.js';
import { ApiError, AuthErrorCode, unauthorized } from './auth.errors.js';
import { type ApiPrincipal, ApiTokensService } from './api-tokens.service.js';
import { type ApiRole, roleSatisfies } from './roles.js';

/** Injection token of the REST rate limits (tests lower them). */
export const API_RATE_LIMITS = Symbol('API_RATE_LIMITS');

/**
 * Requests per minute per API token, and per client address on enrollment (default: the hub's
 * `enrollRatePerMinute`). Enforced by @nestjs/throttler (`rate-limit.guard.ts`).
 */
export interface ApiRateLimits {
  perTokenPerMinute: number;
  perAddressPerMinute?: number;
}

// Generous: a dashboard or an export script never meets it; a runaway loop does, before it hurts the ingest.
export const DEFAULT_API_RATE_LIMITS: ApiRateLimits = { perTokenPerMinute: 6000 };

/** The request as seen after the guard: the accepted principal is attached. */
export type AuthenticatedRequest = IncomingMessage & { principal?: ApiPrincipal };

/**
 * Global guard (APP_GUARD): every HTTP route needs `Authorization: Bearer <token>` unless marked `@Public()`;
 * a route's `@Roles(r)` (default viewer) is the least role it needs. 401 = who are you, 403 = not allowed.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: ApiTokensService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // MQTT handlers (hub-core's transport) are authorised by the broker and certificate identity, not here.
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, targets)) return true;

    const http = context.switchToHttp();
    const req = http.getRequest<AuthenticatedRequest>();
    const res = http.getResponse<ServerResponse>();
    const header = req.headers.authorization;
    if (!header) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="watchpost"');
      throw unauthorized(
        AuthErrorCode.MissingToken,
        'this route needs an API token: send "Authorization: Bearer <token>" (create one with `watchpost-hub token create --role viewer`)',
      );
    }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="watchpost", error="invalid_request"');
      throw unauthorized(
        AuthErrorCode.MalformedAuthorization,
        'the Authorization header must be "Bearer <token>"',
      );
    }
    const principal = await this.tokens.verify(m[1]);
    if (!principal) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="watchpost", error="invalid_token"');
      throw unauthorized(
        AuthErrorCode.InvalidToken,
        'the API token is unknown, revoked or expired: create a new one with `watchpost-hub token create`',
      );
    }
    // The per-token rate limit (HubRateLimitGuard, registered after this guard) counts by this principal.
    req.principal = principal;
    const required =
      this.reflector.getAllAndOverride<ApiRole | undefined>(REQUIRED_ROLE_KEY, targets) ?? 'viewer';
    if (!roleSatisfies(principal.role, required)) {
      throw new ApiError(
        HttpStatus.FORBIDDEN,
        AuthErrorCode.InsufficientRole,
        `this route needs the ${required} role; the token "${principal.name}" has ${principal.role}`,
      );
    }
    return true;
  }
}
