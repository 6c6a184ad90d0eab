import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { HUB_CONFIG, type HubConfig } from '../config/hub-config.js';
import { API_RATE_LIMITS, type ApiRateLimits, AuthGuard, DEFAULT_API_RATE_LIMITS } from './auth.guard.js';
import { ApiTokensService } from './api-tokens.service.js';
import { HubRateLimitGuard, hubThrottlers } from './rate-limit.guard.js';

/** Enrollment attempts per minute per address when neither the limits nor the hub config say otherwise. */
const DEFAULT_ENROLL_PER_MINUTE = 10;

/**
 * Bearer-token auth for the whole HTTP surface, then rate limits (@nestjs/throttler): per API token, and per
 * client address on enrollment. Needs a `DataSource` (typeorm class token) provided globally by the persistence
 * module; reads `API_RATE_LIMITS` and `HUB_CONFIG` when provided. Guard order matters: the rate limit counts
 * by the principal the bearer guard attached.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [
        { token: API_RATE_LIMITS, optional: true },
        { token: HUB_CONFIG, optional: true },
      ],
      useFactory: (limits?: ApiRateLimits | null, config?: HubConfig | null) =>
        hubThrottlers({
          perTokenPerMinute: (limits ?? DEFAULT_API_RATE_LIMITS).perTokenPerMinute,
          perAddressPerMinute:
            limits?.perAddressPerMinute ?? config?.enrollRatePerMinute ?? DEFAULT_ENROLL_PER_MINUTE,
        }),
    }),
  ],
  providers: [
    ApiTokensService,
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_GUARD, useClass: HubRateLimitGuard },
  ],
  exports: [ApiTokensService],
})
export class AuthModule {}
