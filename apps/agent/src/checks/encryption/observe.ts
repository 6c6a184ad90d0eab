import type { Evidence } from '@watchpost/shared';
import type { ScanObservations } from '../../history/observations.js';

/** KMS key ids seen in this evidence, by provider name (implemented by the encryption area). */
export function observeKmsKeys(_evidence: Evidence): ScanObservations['kmsKeys'] {
  return {};
}
