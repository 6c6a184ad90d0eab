import type { ClusterInfo, KubeResource } from '@watchpost/shared';

/**
 * Best-effort platform and role from what the API shows, for scans without enrollment data:
 * AKS nodes carry `kubernetes.azure.com/*` labels and a `azure://` providerID; AKS hybrid nodes carry
 * `msft.microsoft/*` or `kubernetes.azure.com/...-hybrid` style labels and a `moc://` providerID.
 * Enrollment (the hub's token binds platform and role) always wins over this guess.
 */
export function detectPlatform(kube: Record<string, KubeResource>, server: string): ClusterInfo {
  const nodes = kube['nodes']?.status === 'ok' ? kube['nodes'].items : [];
  const providerIds = nodes.map((n) =>
    String((n['spec'] as { providerID?: string } | undefined)?.providerID ?? ''),
  );
  let platform: ClusterInfo['platform'] = 'other';
  if (providerIds.some((p) => p.startsWith('moc://'))) platform = 'aks-hci';
  else if (providerIds.some((p) => p.startsWith('azure://'))) platform = 'aks';
  const name = nodes[0]?.metadata.labels?.['kubernetes.azure.com/cluster'] ?? new URL(server).hostname;
  return { name, platform, role: 'workload' };
}
