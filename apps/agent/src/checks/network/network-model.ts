/**
 * The policy engine built from Evidence, once per scan (all network checks share it), with the rules for
 * missing evidence: pods, namespaces and Kubernetes NetworkPolicies are required; Calico resources that are
 * not installed mean "Calico absent"; a Calico list that was forbidden or failed makes the verdicts unknown.
 */
import { kubeItems, type Evidence, type KubeObject } from '@watchpost/shared';
import { PolicyEngine, type PodEndpoint } from '@watchpost/netpol';

/** The instance metadata endpoint checked for reachability. */
export const IMDS = { address: '169.254.169.254', connection: { protocol: 'TCP', port: 80 } } as const;

/** A shared engine plus what the checks should say about the evidence behind it. */
export interface NetworkModel {
  engine: PolicyEngine;
  /** Calico policy objects were readable (present), are not installed, or were not collected. */
  calico: 'present' | 'absent' | 'not-collected';
  /** Caveats to append to messages (missing optional lists). */
  notes: string[];
}

/** Calico kinds, each readable through the v3 API server or the v1 CRDs (the same objects seen twice). */
const CALICO_KINDS = [
  'networkpolicies',
  'globalnetworkpolicies',
  'networksets',
  'globalnetworksets',
  'tiers',
] as const;
type CalicoKind = (typeof CALICO_KINDS)[number];

const cache = new WeakMap<Evidence, { ok: true; model: NetworkModel } | { ok: false; reason: string }>();

function calicoList(
  evidence: Evidence,
  kind: CalicoKind,
): { items: KubeObject[]; state: 'present' | 'absent' | 'not-collected' } | { error: string } {
  const v3 = evidence.kube[`${kind}.projectcalico.org`];
  const v1 = evidence.kube[`${kind}.crd.projectcalico.org`];
  // Prefer the v3 API server view when it answered; the CRDs hold the same objects.
  for (const r of [v3, v1]) if (r?.status === 'ok') return { items: r.items, state: 'present' };
  const failed = [v3, v1].find((r) => r?.status === 'forbidden' || r?.status === 'error');
  if (failed && (failed.status === 'forbidden' || failed.status === 'error')) {
    return {
      error: `Calico ${kind} could not be read (${failed.error.message}); grant list on ${kind}.crd.projectcalico.org to the agent`,
    };
  }
  if (v3?.status === 'not-installed' || v1?.status === 'not-installed') return { items: [], state: 'absent' };
  if (crdAbsent(evidence, `${kind}.crd.projectcalico.org`)) return { items: [], state: 'absent' };
  return { items: [], state: 'not-collected' };
}

/**
 * True when the CRD list was collected and lacks this CRD: a bundle cannot say "not installed" for a
 * resource file it simply does not have, but the CRD list can.
 */
export function crdAbsent(evidence: Evidence, crd: string): boolean {
  const crds = evidence.kube['customresourcedefinitions.apiextensions.k8s.io'];
  return crds?.status === 'ok' && !crds.items.some((c) => c.metadata.name === crd);
}

/** Builds (or returns the scan's already built) engine; `ok: false` carries the reason for an `error` result. */
export function networkModel(
  evidence: Evidence,
): { ok: true; model: NetworkModel } | { ok: false; reason: string } {
  const hit = cache.get(evidence);
  if (hit) return hit;
  const result = build(evidence);
  cache.set(evidence, result);
  return result;
}

function build(evidence: Evidence): { ok: true; model: NetworkModel } | { ok: false; reason: string } {
  const pods = kubeItems(evidence, 'pods');
  if (!pods.ok) return { ok: false, reason: `cannot judge network policy without pods: ${pods.reason}` };
  const namespaces = kubeItems(evidence, 'namespaces');
  if (!namespaces.ok)
    return {
      ok: false,
      reason: `cannot evaluate namespace selectors without namespaces: ${namespaces.reason}`,
    };
  const knp = kubeItems(evidence, 'networkpolicies.networking.k8s.io');
  if (!knp.ok) return { ok: false, reason: `cannot read Kubernetes NetworkPolicies: ${knp.reason}` };
  const notes: string[] = [];
  const lists: Partial<Record<CalicoKind, KubeObject[]>> = {};
  let calico: NetworkModel['calico'] = 'absent';
  for (const kind of CALICO_KINDS) {
    const l = calicoList(evidence, kind);
    if ('error' in l) return { ok: false, reason: l.error };
    lists[kind] = l.items;
    if (l.state === 'present') calico = 'present';
    else if (
      l.state === 'not-collected' &&
      calico === 'absent' &&
      (kind === 'networkpolicies' || kind === 'globalnetworkpolicies')
    )
      calico = 'not-collected';
  }
  if (calico === 'not-collected')
    notes.push('Calico policies were not collected; verdicts consider Kubernetes NetworkPolicies only');
  const nodes = kubeItems(evidence, 'nodes');
  const sas = kubeItems(evidence, 'serviceaccounts');
  if (!nodes.ok)
    notes.push('nodes were not readable: Windows pods are recognised only by their nodeSelector or spec.os');
  const platform = evidence.cluster.platform;
  const engine = new PolicyEngine({
    pods: pods.items,
    namespaces: namespaces.items,
    nodes: nodes.ok ? nodes.items : [],
    serviceAccounts: sas.ok ? sas.items : [],
    networkPolicies: knp.items,
    // Calico surfaces Kubernetes policies as `knp.default.*` in some versions of its API: not twice.
    calicoNetworkPolicies: (lists.networkpolicies ?? []).filter(
      (p) => !p.metadata.name.startsWith('knp.default.'),
    ),
    globalNetworkPolicies: lists.globalnetworkpolicies ?? [],
    networkSets: lists.networksets ?? [],
    globalNetworkSets: lists.globalnetworksets ?? [],
    tiers: lists.tiers ?? [],
    linuxOnly: platform === 'aks-hci' || platform === 'arc',
  });
  return { ok: true, model: { engine, calico, notes } };
}

/** Short list of names for messages: the first few, then "and N more". */
export function nameList(names: readonly string[], max = 5): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

/** Pods whose network traffic Calico polices (not host-network); Windows pods included (they get their own wording). */
export function podNetworkPods(pods: readonly PodEndpoint[]): PodEndpoint[] {
  return pods.filter((p) => !p.hostNetwork);
}
