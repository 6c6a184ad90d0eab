/**
 * The checks a `watchpost.io/exempt` annotation on a workload or namespace may exempt (docs/exemptions.md, "In the
 * cluster"): per-pod and per-namespace hardening a workload owner may accept a risk on (a legacy HostProcess pod, a
 * vendor DaemonSet's hostPath). Every other check (certificates, encryption, RBAC, cluster-level settings, the
 * node identity behind IMDS, image provenance) only the cluster operator can exempt, in the agent's config or on
 * the hub. A list of the few that may, rather than a flag on each entry: a new check is not exemptable in-cluster
 * until someone decides it should be, and the entries keep the shape the hub serves (`GET /api/v1/checks`).
 */
export const ANNOTATION_EXEMPTABLE_CHECKS: readonly string[] = [
  'netpol-namespace-default-deny-ingress',
  'netpol-namespace-default-deny-egress',
  'netpol-pod-not-isolated',
  'gmsa-pod-credspec',
  'pod-privileged',
  'pod-privilege-escalation',
  'pod-run-as-root',
  'pod-host-namespaces',
  'pod-host-path',
  'pod-added-capabilities',
  'pod-seccomp-profile',
  'pod-apparmor-profile',
  'pod-windows-hostprocess',
  'namespace-pod-security-labels',
  'pod-security-level',
];
