import type { Evidence } from '@watchpost/shared';

/**
 * Which AKS hybrid generation a cluster belongs to, because the documented recovery differs:
 * - `akshci`: AKS on Azure Stack HCI 22H2 / Windows Server, managed with the AksHci PowerShell module; it has
 *   a management cluster of its own (the agent can run there).
 * - `aksarc`: AKS on Azure Local (AKS Arc, 23H2 and later), managed with `az aksarc`; its management plane is
 *   the Arc Resource Bridge appliance, not a cluster the agent runs on.
 * A workload cluster looks the same in both; without a marker the remediation names both.
 */
export type AksHybridGeneration = 'akshci' | 'aksarc' | 'unknown';

/** Node labels that name the generation explicitly (set by the operator or by provisioning). */
export const GENERATION_LABEL = 'watchpost.io/aks-hybrid-generation';

export function aksHybridGeneration(evidence: Evidence): AksHybridGeneration {
  if (evidence.cluster.role === 'management') return 'akshci';
  const nodes = evidence.kube['nodes'];
  if (nodes?.status === 'ok') {
    for (const n of nodes.items) {
      const v = n.metadata.labels?.[GENERATION_LABEL];
      if (v === 'akshci' || v === 'aksarc') return v;
    }
  }
  return 'unknown';
}

/** Remediation for certificates expired after the cluster was powered off, per generation. */
export function offlineRemediation(
  generation: AksHybridGeneration,
  cluster: string,
  role: string,
  mocToo: boolean,
): string {
  const akshci =
    role === 'management'
      ? `AKS on Azure Stack HCI / Windows Server (AksHci PowerShell), management cluster: run Update-AksHciCertificates on an HCI node${mocToo ? ' (it also renews the MOC layer), then Update-AksHciClusterCertificates -name <each workload cluster> -fixKubeletCredentials and -fixCloudCredentials' : ''}`
      : mocToo
        ? `AKS on Azure Stack HCI / Windows Server (AksHci PowerShell), in this order: Update-AksHciCertificates; Update-AksHciClusterCertificates -name ${cluster} -fixKubeletCredentials; Update-AksHciClusterCertificates -name ${cluster} -fixCloudCredentials`
        : `AKS on Azure Stack HCI / Windows Server (AksHci PowerShell): Update-AksHciClusterCertificates -name ${cluster} -fixKubeletCredentials`;
  const aksarc = mocToo
    ? `AKS on Azure Local (AKS Arc, az aksarc): a cluster disconnected for more than 30 days cannot be recovered and must be redeployed (az aksarc delete, then az aksarc create)`
    : `AKS on Azure Local (AKS Arc, az aksarc): keep the cluster and the Arc Resource Bridge powered on and connected so the platform renews the certificates; if they stay expired, open a support case before the 30-day limit (after it the cluster must be redeployed)`;
  if (generation === 'akshci') return akshci;
  if (generation === 'aksarc') return aksarc;
  return `generation not detected (label nodes ${GENERATION_LABEL}=akshci|aksarc to choose): ${akshci}. ${aksarc}`;
}
