import { SetMetadata } from '@nestjs/common';
import { LIMIT_BY_ADDRESS_KEY } from './rate-limit.guard.js';
import type { ApiRole } from './roles.js';

export const IS_PUBLIC_KEY = 'watchpost:public';
export const REQUIRED_ROLE_KEY = 'watchpost:role';

/** Opens a route (or a whole controller) to callers without a bearer token: health, readiness, enrollment. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC_KEY, true);

/**
 * The least role a route needs (viewer < operator < admin). Routes without it need `viewer`:
 * every authenticated token may read; writes must say what they need.
 */
export const Roles = (role: ApiRole): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIRED_ROLE_KEY, role);

/** Rate-limits a public route per client address (enrollment: slows token guessing). */
export const LimitByAddress = (): MethodDecorator => SetMetadata(LIMIT_BY_ADDRESS_KEY, true);
