import { HttpException, HttpStatus } from '@nestjs/common';

/** Error codes of the auth module; every error body is `{ error: { code, message } }`. */
export enum AuthErrorCode {
  MissingToken = 'missing_token',
  MalformedAuthorization = 'malformed_authorization',
  InvalidToken = 'invalid_token',
  InsufficientRole = 'insufficient_role',
  RateLimited = 'rate_limited',
}

/** An HTTP error with the hub's JSON error body. */
export class ApiError extends HttpException {
  constructor(status: HttpStatus, code: string, message: string) {
    super({ error: { code, message } }, status);
  }
}

export const unauthorized = (code: AuthErrorCode, message: string): ApiError =>
  new ApiError(HttpStatus.UNAUTHORIZED, code, message);
