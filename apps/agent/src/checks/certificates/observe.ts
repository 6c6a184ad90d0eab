import type { Evidence } from '@watchpost/shared';
import type { ScanObservations } from '../../history/observations.js';
import { certificateInventory } from './lib/inventory.js';

/**
 * Certificates seen in this evidence, by certificate identity (stable across renewals: file path,
 * `endpoint:<host:port>`, `secret:<ns>/<name>`, `kubeconfig:<path>#<user>`, `webhook:<kind>/<name>/<webhook>`).
 * The daemon's store appends these to the history that `cert-rotation-overdue` reads next time.
 */
export function observeCertificates(evidence: Evidence): ScanObservations['certificates'] {
  const out: ScanObservations['certificates'] = {};
  for (const e of certificateInventory(evidence).entries) {
    out[e.identity] = {
      serial: e.cert.serial,
      notBefore: e.cert.notBefore.toISOString(),
      notAfter: e.cert.notAfter.toISOString(),
    };
  }
  return out;
}
