import {
  azureDocument,
  clusterExtensions,
  managedClusterFacts,
  type ClusterExtension,
  type Evidence,
  type ManagedClusterFacts,
  type ResourceRef,
} from '@watchpost/shared';
import type { CheckFinding } from '../check.js';

/** The Azure resource a finding is about: the managed cluster, named as ARM names it. */
export function managedClusterRef(evidence: Evidence, facts?: ManagedClusterFacts): ResourceRef {
  return { kind: 'ManagedCluster', name: facts?.name ?? evidence.cluster.name };
}

/** The managed cluster's settings, or the one `error` finding that says why they are not known. */
export function readManagedCluster(
  evidence: Evidence,
): { ok: true; facts: ManagedClusterFacts } | { ok: false; findings: CheckFinding[] } {
  const doc = azureDocument(evidence.azure, 'managedCluster');
  const r = doc.ok ? managedClusterFacts(doc.value) : doc;
  if (r.ok) return r;
  return {
    ok: false,
    findings: [
      {
        outcome: 'error',
        resource: managedClusterRef(evidence),
        message: `cannot read the AKS cluster's Azure settings: ${r.reason}`,
      },
    ],
  };
}

/** The connected cluster's extensions (AKS Arc / AKS hybrid), or why they are not known. */
export function readExtensions(
  evidence: Evidence,
): { ok: true; extensions: ClusterExtension[] } | { ok: false; reason: string } {
  const doc = azureDocument(evidence.azure, 'extensions');
  return doc.ok ? clusterExtensions(doc.value) : doc;
}

/** `az aks update` with the cluster's name filled in when known. */
export function azAksUpdate(evidence: Evidence, flags: string): string {
  return `az aks update -g <resource-group> -n ${evidence.cluster.name} ${flags}`;
}

/** An extension of this type that provisioned successfully, or the one that did not. */
export function extensionState(
  extensions: readonly ClusterExtension[],
  type: string,
): { installed: false } | { installed: true; ok: boolean; ext: ClusterExtension } {
  const ext = extensions.find((e) => e.extensionType === type);
  if (!ext) return { installed: false };
  return { installed: true, ok: (ext.provisioningState ?? 'Succeeded') === 'Succeeded', ext };
}
