import type { Check } from '../check.js';
import { aksHciOfflineCertificates } from './aks-hci-offline-certificates.check.js';
import { certCaExpiry } from './cert-ca-expiry.check.js';
import { certChainInvalid } from './cert-chain-invalid.check.js';
import { certExpiry } from './cert-expiry.check.js';
import { certKeyFilePermissions } from './cert-key-file-permissions.check.js';
import { certKeyMismatch } from './cert-key-mismatch.check.js';
import { certOutlivesIssuer } from './cert-outlives-issuer.check.js';
import { certRotationOverdue } from './cert-rotation-overdue.check.js';
import { certSha1Signature } from './cert-sha1-signature.check.js';
import { certWeakKey } from './cert-weak-key.check.js';
import { csrPendingOrDenied } from './csr-pending-or-denied.check.js';
import { kubeletCertRotation } from './kubelet-cert-rotation.check.js';

/** Implementations of the `certificates` area, in catalogue order. */
export const CERTIFICATES_IMPLEMENTATIONS: Check[] = [
  certExpiry,
  certCaExpiry,
  certOutlivesIssuer,
  certChainInvalid,
  certWeakKey,
  certSha1Signature,
  certKeyMismatch,
  certKeyFilePermissions,
  kubeletCertRotation,
  csrPendingOrDenied,
  certRotationOverdue,
  aksHciOfflineCertificates,
];
