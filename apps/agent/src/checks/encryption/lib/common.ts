import {
  azureDocument,
  encryptionSetups,
  type Evidence,
  kmsProviders,
  managedClusterFacts,
} from '@watchpost/shared';
import type { CheckFinding } from '../../check.js';

/**
 * AKS in Azure runs the control plane (API server, etcd, KMS plugin) out of the customer's reach: the agent's
 * evidence there is API-only, so the encryption checks cannot see the config. With the cluster's Azure
 * resource in the evidence (`azure/managed-cluster.json` or live ARM) they judge what Azure reports instead:
 * KMS with your Key Vault key on a private key vault passes, anything less warns (etcd is still encrypted with
 * platform-managed keys), as aks-keyvault-kms does. Without it they say `not_applicable` with the command that
 * does answer, rather than a permanent `error` on every AKS cluster or a `pass` they could not prove. Any other
 * platform without an API server in view is an `error`: there the agent should see it.
 */
export function managedControlPlane(evidence: Evidence, what: string): CheckFinding | undefined {
  if (evidence.cluster.platform !== 'aks' || encryptionSetups(evidence).sawApiServer) return undefined;
  const doc = azureDocument(evidence.azure, 'managedCluster');
  const mc = doc.ok ? managedClusterFacts(doc.value) : undefined;
  if (mc?.ok) {
    const kms = mc.facts.keyVaultKms;
    const on = kms?.enabled === true;
    const privateVault = (kms?.keyVaultNetworkAccess ?? '').toLowerCase() === 'private';
    return {
      outcome: on && privateVault ? 'pass' : 'warn',
      resource: { kind: 'ManagedCluster', name: mc.facts.name ?? evidence.cluster.name },
      message:
        `AKS in Azure manages ${what}; the cluster's Azure settings say ` +
        (on
          ? `secrets are encrypted with KMS and your Azure Key Vault key${kms?.keyId ? ` ${kms.keyId}` : ''}${privateVault ? ' (private key vault)' : ', but the key vault allows public network access'}`
          : 'KMS with your own Key Vault key is off: etcd is encrypted with platform-managed keys only') +
        ' (see aks-keyvault-kms for the fix)',
      evidence: { azureKeyVaultKms: kms ?? null },
    };
  }
  return {
    outcome: 'not_applicable',
    resource: { kind: 'Cluster', name: evidence.cluster.name },
    message:
      `AKS in Azure manages the control plane, so the agent cannot see ${what} (API-only evidence). ` +
      'Azure encrypts etcd at rest with platform-managed keys; to verify KMS with your own Key Vault key run ' +
      `az aks show -g <resource-group> -n ${evidence.cluster.name} --query securityProfile.azureKeyVaultKms` +
      ' (or give the agent the cluster resource: azure/managed-cluster.json, or azure.resourceId in its config)',
  };
}

/** `reason` with a clear "could not check" wording, on the cluster. */
export function cannotCheck(evidence: Evidence, message: string): CheckFinding {
  return { outcome: 'error', resource: { kind: 'Cluster', name: evidence.cluster.name }, message };
}

/**
 * Whether the evidence proves that no KMS provider is configured (then there is nothing to call): a valid
 * config without kms, or an API server without the flag. Undefined when the config is not in view.
 */
export function configuredKms(evidence: Evidence): { none: true; why: string } | { none: false } | undefined {
  const { setups } = encryptionSetups(evidence);
  if (!setups.length) return undefined;
  if (setups.every((s) => !s.flag))
    return { none: true, why: 'kube-apiserver has no --encryption-provider-config' };
  const valid = setups.filter((s) => s.parsed?.ok);
  if (
    valid.length === setups.length &&
    valid.every((s) => s.parsed?.ok && kmsProviders(s.parsed.config).length === 0)
  ) {
    return { none: true, why: 'the encryption config has no kms provider' };
  }
  return valid.length ? { none: false } : undefined;
}
