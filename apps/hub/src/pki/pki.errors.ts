import { HttpException, HttpStatus } from '@nestjs/common';

/** Error codes of enrollment, renewal and revocation; bodies are `{ error: { code, message } }`. */
export enum PkiErrorCode {
  BadRequest = 'bad_request',
  BadCsr = 'bad_csr',
  /** RSA under 2048 bits, an EC curve other than P-256/P-384, or a signature digest weaker than SHA-256. */
  WeakKey = 'weak_key',
  InvalidToken = 'invalid_enrollment_token',
  TokenUsed = 'enrollment_token_used',
  TokenExpired = 'enrollment_token_expired',
  CredentialExpired = 'enrollment_credential_expired',
  CredentialRevoked = 'enrollment_credential_revoked',
  /** The cluster credential's node budget (`--max-agents`) is spent. */
  CredentialExhausted = 'enrollment_credential_exhausted',
  /** The id the hub would give already belongs to another cluster's agent (ids enrolled before they were injective). */
  AgentIdCollision = 'agent_id_collision',
  ClientCertificateRequired = 'client_certificate_required',
  ClientCertificateRejected = 'client_certificate_rejected',
  AgentRevoked = 'agent_revoked',
  AgentNotFound = 'agent_not_found',
  RateLimited = 'rate_limited',
}

/** An HTTP error with the hub's JSON error body. */
export class PkiHttpError extends HttpException {
  constructor(status: HttpStatus, code: PkiErrorCode, message: string) {
    super({ error: { code, message } }, status);
  }
}
