import type { Evidence } from '@watchpost/shared';
import type { ScanObservations } from '../../history/observations.js';

/** Certificates seen in this evidence, by certificate identity (implemented by the certificates area). */
export function observeCertificates(_evidence: Evidence): ScanObservations['certificates'] {
  return {};
}
