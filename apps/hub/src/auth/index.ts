export { Public, Roles } from './auth.decorators.js';
export { ApiError, AuthErrorCode } from './auth.errors.js';
export { AuthModule } from './auth.module.js';
export { ApiTokenEntity } from './api-token.entity.js';
export {
  ApiTokensService,
  hashApiToken,
  API_TOKEN_PREFIX,
  type ApiPrincipal,
  type CreatedApiToken,
} from './api-tokens.service.js';
export { API_RATE_LIMITS, type ApiRateLimits, type AuthenticatedRequest } from './auth.guard.js';
export { API_ROLES, type ApiRole, parseRole, roleSatisfies } from './roles.js';
