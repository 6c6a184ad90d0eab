/**
 * Namespaces whose workloads are platform-managed: the distribution (kubeadm, AKS hybrid, AKS), its CNI
 * (Calico), Azure Arc agents, Fleet and Watchpost itself. Their pods legitimately run privileged, on the host
 * network, with hostPath mounts (calico-node, kube-proxy, CSI node plugins, the Watchpost DaemonSet), and an
 * operator cannot change them without leaving the supported configuration (on AKS hybrid, editing them makes
 * the cluster unsupported). Workload checks therefore report findings there as `not_applicable` with the
 * finding in the message ("exempt: ..."), so they stay visible without counting against posture.
 *
 * This is data, not logic: an entry is an exact namespace name or a prefix ending in `*`. It is the default of the
 * agent config's `platformNamespaces` (add to it, remove from it or replace it there; docs/agent.md), which the
 * runner hands to checks as `CheckContext.platformNamespaces`.
 */
export const SYSTEM_NAMESPACES: readonly string[] = [
  // Kubernetes itself
  'kube-system',
  'kube-public',
  'kube-node-lease',
  // Calico (AKS hybrid ships Calico through the Tigera operator)
  'calico-system',
  'calico-apiserver',
  'tigera-operator',
  // AKS hybrid management clusters (Cluster API providers and Microsoft operators)
  'capi-*',
  'caph-system',
  'moc-system',
  'msft-*',
  'cert-manager',
  // Azure Arc agents and extensions, AKS add-ons
  'azure-arc',
  'azure-arc-release',
  'azure-extensions-usage-system',
  'gatekeeper-system',
  'aks-command',
  'app-routing-system',
  'kube-flannel',
  // Azure Kubernetes Fleet Manager
  'fleet-system',
  'fleet-member-*',
  // Watchpost's own DaemonSet needs read-only hostPath mounts of /etc/kubernetes and /var/lib/kubelet
  'watchpost',
  'watchpost-system',
];

/** True when `namespace` is listed in `list` (exact name, or a `prefix*` entry). */
export function isSystemNamespace(namespace: string, list: readonly string[] = SYSTEM_NAMESPACES): boolean {
  let m = matchers.get(list);
  if (!m) {
    m = { exact: new Set(), prefixes: [] };
    for (const entry of list) {
      if (entry.endsWith('*')) m.prefixes.push(entry.slice(0, -1));
      else m.exact.add(entry);
    }
    matchers.set(list, m);
  }
  if (m.exact.has(namespace)) return true;
  // A loop, not prefixes.some(...): the closure was an allocation per call.
  for (const p of m.prefixes) if (namespace.startsWith(p)) return true;
  return false;
}

// Asked once per workload and check (100,000 times on a 10,000-pod cluster): each list is split once.
const matchers = new WeakMap<readonly string[], { exact: Set<string>; prefixes: string[] }>();
