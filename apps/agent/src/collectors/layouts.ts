/**
 * Where things live on each distribution is configuration, not check logic (kube-bench keeps candidate
 * paths per distribution apart from its checks). Entries are absolute paths; a last segment with `*`
 * matches within that directory; a trailing `/**` walks the directory (bounded depth).
 */
export interface HostLayout {
  distribution: 'kubeadm' | 'aks-hci';
  description: string;
  paths: string[];
}

/** Paths both layouts share (AKS hybrid nodes are kubeadm-built Mariner/Azure Linux VMs). */
const COMMON: string[] = [
  '/etc/kubernetes/pki/**',
  '/etc/kubernetes/*.conf',
  '/etc/kubernetes/manifests/*.yaml',
  // Encryption provider configs (the flag may name any path; these are the usual ones: the upstream docs'
  // /etc/kubernetes/enc/, and files directly under /etc/kubernetes). Their keys[].secret values must not be
  // kept: see redactEncryptionSecrets in checks/encryption/lib/encryption-config.ts.
  '/etc/kubernetes/enc/*',
  '/etc/kubernetes/encryption/*',
  '/etc/kubernetes/*.yaml',
  '/var/lib/kubelet/config.yaml',
  '/var/lib/kubelet/kubeconfig',
  '/var/lib/kubelet/pki/*',
  // Kubelet flags that override its config file (--rotate-certificates=false, --cert-dir, --tls-cert-file).
  '/var/lib/kubelet/kubeadm-flags.env',
  '/etc/default/kubelet',
  '/etc/sysconfig/kubelet',
  '/etc/os-release',
  '/var/run/reboot-required',
  '/var/run/reboot-required.pkgs',
];

/** Candidate host paths per distribution. */
export const LAYOUTS: HostLayout[] = [
  {
    distribution: 'kubeadm',
    description: 'kubeadm control-plane and worker nodes',
    paths: [...COMMON],
  },
  {
    distribution: 'aks-hci',
    description: 'AKS hybrid (AKS on Azure Stack HCI / Azure Local) control-plane and worker VMs',
    paths: [...COMMON],
  },
];

/** Union of candidate paths for the given distributions (default: all), without duplicates. */
export function candidatePaths(distributions?: readonly HostLayout['distribution'][]): string[] {
  const out = new Set<string>();
  for (const l of LAYOUTS)
    if (!distributions || distributions.includes(l.distribution)) l.paths.forEach((p) => out.add(p));
  return [...out];
}
