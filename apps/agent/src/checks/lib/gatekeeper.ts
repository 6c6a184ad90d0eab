import { kubeItems, type Evidence, type KubeObject } from '@watchpost/shared';

/** Gatekeeper constraints live in one API group, one resource per ConstraintTemplate. */
export const CONSTRAINTS_GROUP = 'constraints.gatekeeper.sh';

/** Every collected Gatekeeper constraint (all kinds), with its kind. */
export function gatekeeperConstraints(evidence: Evidence): { kind: string; object: KubeObject }[] {
  const out: { kind: string; object: KubeObject }[] = [];
  for (const [resource, entry] of Object.entries(evidence.kube)) {
    if (!resource.endsWith(`.${CONSTRAINTS_GROUP}`) || entry.status !== 'ok') continue;
    for (const object of entry.items) out.push({ kind: object.kind ?? resource.split('.')[0], object });
  }
  return out;
}

/** `spec.enforcementAction` of a constraint; Gatekeeper's default is `deny`. */
export function enforcementAction(constraint: KubeObject): string {
  const spec = constraint['spec'] as { enforcementAction?: string } | undefined;
  return (spec?.enforcementAction ?? 'deny').toLowerCase();
}

/** `status.totalViolations` from Gatekeeper's audit, when it has run. */
export function totalViolations(constraint: KubeObject): number | undefined {
  const v = (constraint['status'] as { totalViolations?: unknown } | undefined)?.totalViolations;
  return typeof v === 'number' ? v : undefined;
}

/** Gatekeeper's Deployments (controller and audit) and whether each has all replicas ready. */
export function gatekeeperDeployments(
  evidence: Evidence,
):
  | { ok: true; deployments: { name: string; ready: number; wanted: number }[] }
  | { ok: false; reason: string } {
  const list = kubeItems(evidence, 'deployments.apps');
  if (!list.ok) return { ok: false, reason: list.reason };
  return {
    ok: true,
    deployments: list.items
      .filter(
        (d) => d.metadata.namespace === 'gatekeeper-system' && d.metadata.name.startsWith('gatekeeper-'),
      )
      .map((d) => {
        const spec = d['spec'] as { replicas?: number } | undefined;
        const status = d['status'] as { readyReplicas?: number } | undefined;
        return { name: d.metadata.name, ready: status?.readyReplicas ?? 0, wanted: spec?.replicas ?? 1 };
      }),
  };
}
