import type { CheckDefinition } from './types.js';

const ENCRYPT_DATA = 'https://kubernetes.io/docs/tasks/administer-cluster/encrypt-data/';
const KMS_PROVIDER = 'https://kubernetes.io/docs/tasks/administer-cluster/kms-provider/';

/** Catalogue entries of the `encryption` area, in display order. */
export const ENCRYPTION_CHECKS: CheckDefinition[] = [
  {
    id: 'etcd-encryption-at-rest',
    title: 'Secrets are encrypted at rest in etcd with a KMS v2 provider',
    area: 'encryption',
    defaultSeverity: 'high',
    description:
      'Without an EncryptionConfiguration whose first provider for secrets encrypts, every Secret sits in etcd (and in every etcd ' +
      'backup) as plaintext. The first matching resources entry decides, and its first provider encrypts writes: identity first ' +
      'means plaintext, aescbc/aesgcm/secretbox keep the key on disk next to the data, KMS v1 is deprecated (AKS hybrid clusters ' +
      'created before release 2510 use its built-in v1 plugin), KMS v2 keeps the key in an external KMS. A config the API server ' +
      'would refuse is reported as invalid.',
    remediation:
      'Point kube-apiserver at an EncryptionConfiguration whose first resources entry for secrets starts with a KMS v2 provider:\n' +
      '  --encryption-provider-config=/etc/kubernetes/enc/encryption-config.yaml\n' +
      '  --encryption-provider-config-automatic-reload=true\n' +
      'with\n' +
      '  apiVersion: apiserver.config.k8s.io/v1\n' +
      '  kind: EncryptionConfiguration\n' +
      '  resources:\n' +
      '    - resources: [secrets]\n' +
      '      providers:\n' +
      '        - kms: {apiVersion: v2, name: <plugin>, endpoint: unix:///var/run/kmsplugin/kms.sock, timeout: 3s}\n' +
      '        - identity: {}\n' +
      'then rewrite existing secrets: kubectl get secrets -A -o json | kubectl replace -f -\n' +
      'Keep the file 0600 root. AKS hybrid: secrets encryption with the built-in KMS plugin is on by default; clusters on KMS v1 ' +
      'move to v2 by upgrading to a release that supports it (2510 or later) and following the AKS Arc KMS migration guidance.',
    references: [
      { title: 'CIS Kubernetes Benchmark: --encryption-provider-config is set', cis: '1.2.27' },
      { title: 'CIS Kubernetes Benchmark: encryption providers are appropriately configured', cis: '1.2.28' },
      { title: 'Encrypting confidential data at rest', url: ENCRYPT_DATA },
      { title: 'Using a KMS provider for data encryption', url: KMS_PROVIDER },
      { title: 'AKS hybrid documentation: secrets encryption with the built-in KMS plugin' },
    ],
  },
  {
    id: 'kms-plugin-health',
    title: 'The KMS plugin answers on its socket and reports healthy',
    area: 'encryption',
    defaultSeverity: 'high',
    description:
      'With a KMS provider first, the API server cannot write new secrets (and, once its DEK cache is cold, cannot read them) when ' +
      'the plugin is down. The agent calls the plugin over its unix socket as the API server does: KMS v2 Status (healthz must be ' +
      '"ok", version "v2", a key id present), KMS v1 Version, each with a timeout.',
    remediation:
      'Check the plugin on the control-plane node: crictl ps -a | grep -i kms; crictl logs <kms container>; ls -l <socket path>. ' +
      'Restart the plugin (its static pod manifest under /etc/kubernetes/manifests, or its systemd unit), and confirm the API ' +
      'server sees it: kubectl get --raw "/readyz?verbose" | grep kms-providers. AKS hybrid: the KMS plugin is part of the ' +
      'control plane; if it does not recover, collect logs with Get-AksHciLogs and open a support case.',
    references: [
      { title: 'Using a KMS provider for data encryption', url: KMS_PROVIDER },
      {
        title: 'KMS v2 API (k8s.io/kms)',
        url: 'https://github.com/kubernetes/kms/blob/master/apis/v2/api.proto',
      },
    ],
  },
  {
    id: 'kms-key-rotation',
    title: 'The KMS key is rotated within the configured age',
    area: 'encryption',
    defaultSeverity: 'medium',
    description:
      'A key encryption key that never changes widens the blast radius of a leak and defeats rotation policies. The agent remembers ' +
      'the key id each KMS v2 plugin reports (for v1, the provider name, which changes when you rotate by adding a new provider) ' +
      "across scans and warns when the same key has been in use longer than the configured age (default 30 days, AKS hybrid's " +
      'own rotation period).',
    remediation:
      'Rotate the key in the KMS (for KMS v2 the plugin reports a new key id and the API server re-wraps DEKs automatically), ' +
      'then rewrite secrets so old ciphertext goes: kubectl get secrets -A -o json | kubectl replace -f -\n' +
      'KMS v1: add a provider with a new name first, restart every API server, then move it to the top, restart, rewrite secrets, ' +
      'and remove the old one. Tune the threshold with the agent option kmsKeyMaxAgeDays.',
    references: [
      { title: 'Rotating a decryption key', url: `${ENCRYPT_DATA}#rotating-a-decryption-key` },
      { title: 'KMS v2 key rotation', url: KMS_PROVIDER },
    ],
  },
  {
    id: 'etcd-secrets-ciphertext',
    title: 'Secrets stored in etcd are really encrypted, under the current provider and key',
    area: 'encryption',
    defaultSeverity: 'high',
    description:
      'The config says how new writes are stored; only etcd shows what is there. Secrets written before encryption was turned on ' +
      'stay plaintext, and after a provider or key rotation old secrets stay under the old one (which must then be kept) until ' +
      "they are rewritten. The agent reads a bounded sample of /registry/secrets over mTLS with the API server's etcd client " +
      'certificate and keeps only the storage prefix of each value (k8s:enc:kms:v2:<name>:, k8s:enc:aescbc:v1:<key>:, plaintext k8s\\0).',
    remediation:
      'Rewrite every secret so it is stored with the current write provider and key:\n' +
      '  kubectl get secrets --all-namespaces -o json | kubectl replace -f -\n' +
      'then scan again; remove old keys/providers from the EncryptionConfiguration only after no secret is stored under them.',
    references: [
      { title: 'Ensure all secrets are encrypted', url: `${ENCRYPT_DATA}#ensure-all-secrets-are-encrypted` },
      { title: 'Verifying that data is encrypted', url: `${ENCRYPT_DATA}#verifying-that-data-is-encrypted` },
    ],
  },
  // Azure resource evidence (azure/*.json): issue 13
  {
    id: 'aks-keyvault-kms',
    title: 'AKS secrets encrypted with your Key Vault key (KMS)',
    area: 'encryption',
    defaultSeverity: 'medium',
    appliesTo: { platforms: ['aks'] },
    description:
      'The encryption-at-rest check for AKS in Azure, whose control plane the agent cannot see: Azure always encrypts etcd with platform-managed keys, and KMS etcd encryption adds a key in your Azure Key Vault that you can rotate and revoke. `securityProfile.azureKeyVaultKms.enabled` with `keyVaultNetworkAccess: Private` passes; enabled with a public key vault warns; platform-managed keys only warn (etcd is still encrypted). Source: the managed cluster resource.',
    remediation:
      '`az aks update -g <resource-group> -n <cluster> --enable-azure-keyvault-kms --azure-keyvault-kms-key-id <key-id> --azure-keyvault-kms-key-vault-network-access Private --azure-keyvault-kms-key-vault-resource-id <key-vault-resource-id>`, then rewrite existing secrets: `kubectl get secrets -A -o json | kubectl replace -f -`.',
    references: [
      {
        title: 'AKS: add Key Management Service etcd encryption',
        url: 'https://learn.microsoft.com/azure/aks/use-kms-etcd-encryption',
      },
      { title: 'CIS Kubernetes Benchmark: encryption providers', cis: '1.2.28' },
    ],
  },
];
