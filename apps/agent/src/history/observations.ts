import type { Evidence } from '@watchpost/shared';
import { observeCertificates } from '../checks/certificates/observe.js';
import { observeKmsKeys } from '../checks/encryption/observe.js';

/**
 * What one scan observed that later scans need to remember (DESIGN.md section 4, "History").
 * The daemon's store merges these into its history tables after every scan and feeds the history back
 * into the next scan's `Evidence.history`.
 */
export interface ScanObservations {
  /** Certificate identity (stable across renewals: a file path, an endpoint, a secret) -> the certificate seen there. */
  certificates: Record<string, { serial: string; notBefore: string; notAfter: string }>;
  /** KMS provider name -> key id reported by the plugin (v2 `Status.key_id`), or the provider name for v1. */
  kmsKeys: Record<string, string>;
}

/** Everything a scan observed. */
export function observe(evidence: Evidence): ScanObservations {
  return { certificates: observeCertificates(evidence), kmsKeys: observeKmsKeys(evidence) };
}
