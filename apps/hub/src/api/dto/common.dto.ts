import { applyDecorators, HttpStatus } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiResponse } from '@nestjs/swagger';
import { AREAS, OUTCOMES, SEVERITIES } from '@watchpost/shared';

/** Name of the security scheme: an opaque bearer API token (`wpt_...`), not a JWT. */
export const BEARER = 'bearer';

/** The inside of the one error body. */
export class ErrorDetailDto {
  @ApiProperty({
    description: 'stable machine-readable code, e.g. invalid_parameter, not_found, missing_token',
  })
  code!: string;
  @ApiProperty({ description: 'what was wrong and what to do' })
  message!: string;
}

/** The one error body of every 4xx/5xx answer: `{ error: { code, message } }`. */
export class ErrorBodyDto {
  @ApiProperty({ type: ErrorDetailDto })
  error!: ErrorDetailDto;
}

const err = (status: number, description: string) => ApiResponse({ status, description, type: ErrorBodyDto });

/** 400 with the error body: a query parameter or body field was wrong (the message names it). */
export const ApiBadRequest = () =>
  err(HttpStatus.BAD_REQUEST, 'Invalid parameter or body (the message names it)');
/** 404 with the error body. */
export const ApiNotFound = (what: string) => err(HttpStatus.NOT_FOUND, `No such ${what}`);

/**
 * A route behind the bearer guard: the security requirement and its 401 (missing, malformed, unknown, revoked or
 * expired token), 403 (role too low) and 429 (rate limited) answers.
 */
export const ApiProtected = () =>
  applyDecorators(
    ApiBearerAuth(BEARER),
    err(HttpStatus.UNAUTHORIZED, 'Missing, malformed, unknown, revoked or expired token'),
    err(HttpStatus.FORBIDDEN, 'The token role is too low for this route'),
    err(HttpStatus.TOO_MANY_REQUESTS, 'Rate limited: retry after the Retry-After header'),
  );

/** Counts per outcome. */
export class OutcomeCountsDto {
  @ApiProperty() pass!: number;
  @ApiProperty() fail!: number;
  @ApiProperty() warn!: number;
  @ApiProperty() error!: number;
  @ApiProperty() not_applicable!: number;
}

/** Open problems per severity, every severity present. */
export class SeverityCountsDto {
  @ApiProperty() critical!: number;
  @ApiProperty() high!: number;
  @ApiProperty() medium!: number;
  @ApiProperty() low!: number;
  @ApiProperty() info!: number;
}

/** What a result is about. */
export class ResourceRefDto {
  @ApiProperty() kind!: string;
  @ApiProperty({ required: false }) namespace?: string;
  @ApiProperty({ required: false }) name?: string;
  @ApiProperty({ required: false }) path?: string;
}

/** A map from area to a number (areas with nothing evaluated are absent). */
export const AREA_NUMBER_MAP = {
  type: 'object',
  description: `keys: ${AREAS.join(', ')}`,
  additionalProperties: { type: 'number' },
} as const;

export const SEVERITY_ENUM = [...SEVERITIES];
export const OUTCOME_ENUM = [...OUTCOMES];
export const AREA_ENUM = [...AREAS];
export const NULLABLE_STRING = { type: String, nullable: true } as const;
export const NULLABLE_NUMBER = { type: Number, nullable: true } as const;
