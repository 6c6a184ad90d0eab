import type { Check } from '../check.js';
import { azAksUpdate, managedClusterRef, readManagedCluster } from '../lib/azure.js';

/**
 * Encryption at rest for AKS in Azure, where the control plane is out of reach: Azure always encrypts etcd
 * with platform-managed keys, and KMS with your own Azure Key Vault key adds a key you control, rotate and can
 * revoke. Enabled with a private key vault (`keyVaultNetworkAccess: Private`) passes; enabled with a public key
 * vault warns (the key vault is reachable from the internet); platform-managed keys only warn.
 */
export const aksKeyvaultKms: Check = {
  id: 'aks-keyvault-kms',
  run: (ctx) => {
    const mc = readManagedCluster(ctx.evidence);
    if (!mc.ok) return mc.findings;
    const kms = mc.facts.keyVaultKms;
    const resource = managedClusterRef(ctx.evidence, mc.facts);
    const evidence = { azureKeyVaultKms: kms ?? null };
    if (kms?.enabled !== true)
      return [
        {
          outcome: 'warn',
          resource,
          message: `KMS with Azure Key Vault is off: secrets in etcd are encrypted with platform-managed keys only (Azure encrypts at rest, but you cannot rotate or revoke that key); run \`${azAksUpdate(ctx.evidence, '--enable-azure-keyvault-kms --azure-keyvault-kms-key-id <key-id> --azure-keyvault-kms-key-vault-network-access Private --azure-keyvault-kms-key-vault-resource-id <key-vault-id>')}\``,
          evidence,
        },
      ];
    const keyName = kms.keyId
      ? ` (key ${kms.keyId.replace(/^https:\/\/([^.]+)\.vault\.azure\.net\/keys\//, '$1/')})`
      : '';
    if ((kms.keyVaultNetworkAccess ?? 'Public').toLowerCase() !== 'private')
      return [
        {
          outcome: 'warn',
          resource,
          message: `KMS with Azure Key Vault is on${keyName} but the key vault allows public network access: move it behind a private endpoint, \`${azAksUpdate(ctx.evidence, '--enable-azure-keyvault-kms --azure-keyvault-kms-key-id <key-id> --azure-keyvault-kms-key-vault-network-access Private --azure-keyvault-kms-key-vault-resource-id <key-vault-id>')}\``,
          evidence,
        },
      ];
    return [
      {
        outcome: 'pass',
        resource,
        message: `secrets are encrypted with KMS and your Azure Key Vault key${keyName}, key vault on private network access`,
        evidence,
      },
    ];
  },
};
