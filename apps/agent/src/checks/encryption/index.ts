import type { Check } from '../check.js';
import { etcdEncryptionAtRest } from './etcd-encryption-at-rest.check.js';
import { etcdSecretsCiphertext } from './etcd-secrets-ciphertext.check.js';
import { kmsKeyRotation } from './kms-key-rotation.check.js';
import { kmsPluginHealth } from './kms-plugin-health.check.js';
import { aksKeyvaultKms } from './aks-keyvault-kms.check.js';

/** Implementations of the `encryption` area, in catalogue order. */
export const ENCRYPTION_IMPLEMENTATIONS: Check[] = [
  etcdEncryptionAtRest,
  kmsPluginHealth,
  kmsKeyRotation,
  etcdSecretsCiphertext,
  aksKeyvaultKms,
];
