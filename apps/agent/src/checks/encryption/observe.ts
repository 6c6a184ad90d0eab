import { type Evidence, readProbe } from '@watchpost/shared';
import type { ScanObservations } from '../../history/observations.js';
import { currentKeyId } from './kms-key-rotation.check.js';

/**
 * KMS key ids seen in this evidence, by provider name: v2 `Status.key_id`, or the provider name for v1
 * (v1 rotates by adding a provider under a new name). Providers that did not answer are left out, so an
 * outage never looks like a rotation.
 */
export function observeKmsKeys(evidence: Evidence): ScanObservations['kmsKeys'] {
  const probe = readProbe(evidence, 'kms');
  if (!probe.ok) return {};
  const out: ScanObservations['kmsKeys'] = {};
  for (const p of probe.value.providers) {
    if (p.error) continue;
    const keyId = currentKeyId(p);
    if (keyId) out[p.name] = keyId;
  }
  return out;
}
