import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard } from './auth.guard.js';
import { ApiTokensService } from './api-tokens.service.js';

/**
 * Bearer-token auth for the whole HTTP surface. Needs a `DataSource` (typeorm class token) provided
 * globally by the persistence module.
 */
@Module({
  providers: [ApiTokensService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [ApiTokensService],
})
export class AuthModule {}
