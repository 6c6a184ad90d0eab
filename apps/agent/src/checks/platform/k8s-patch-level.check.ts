import {
  comparePatch,
  kubeItems,
  minorOfPatch,
  type KubernetesSupportDocument,
  type Platform,
} from '@watchpost/shared';
import type { Check, CheckFinding } from '../check.js';
import {
  SUPPORT_DATA_REFRESH,
  describeSupportData,
  supportDataEvidence,
  supportDataOf,
} from './support-data.js';
import { controlPlaneVersion, parseKubeVersion, type KubeVersion } from './version.js';

/** Node labels that name a node's pool: AKS, older AKS, AKS Arc. Nodes without one are judged one by one. */
export const NODE_POOL_LABELS = [
  'kubernetes.azure.com/agentpool',
  'agentpool',
  'msft.microsoft/nodepool-name',
];

/** The patches the support data lists for a minor on a platform, newest first, and where that list comes from. */
interface PatchFacts {
  /** Newest first. */
  patches: string[];
  /** How many of the newest are supported (AKS Arc: two); undefined when the platform supports every listed one. */
  supportedCount?: number;
  source: string;
}

function patchFacts(
  platform: Platform,
  minor: string,
  now: Date,
  data: KubernetesSupportDocument,
): PatchFacts | undefined {
  switch (platform) {
    case 'aks': {
      const e = data.aks.find((x) => x.minor === minor);
      return e?.patches?.length
        ? { patches: [...e.patches].sort(comparePatch).reverse(), source: 'AKS' }
        : undefined;
    }
    case 'aks-hci': {
      // The newest release (not in the future) that ships this minor with its patch list.
      const releases = data.aksArc
        .filter(
          (r) =>
            `${r.month}-01` <= now.toISOString().slice(0, 10) &&
            r.versions?.some((v) => minorOfPatch(v) === minor),
        )
        .sort((a, b) => a.month.localeCompare(b.month));
      const r = releases[releases.length - 1];
      if (!r) return undefined;
      const patches = (r.versions ?? [])
        .filter((v) => minorOfPatch(v) === minor)
        .sort(comparePatch)
        .reverse();
      return { patches, supportedCount: 2, source: `AKS Arc release ${r.release}` };
    }
    case 'arc':
    case 'other': {
      const e = data.upstream.find((x) => x.minor === minor);
      return e?.latestPatch ? { patches: [e.latestPatch], source: 'upstream Kubernetes' } : undefined;
    }
  }
}

function upgradeCommand(platform: Platform, cluster: string, target: string, pool?: string): string {
  switch (platform) {
    case 'aks':
      return pool
        ? `az aks nodepool upgrade --resource-group <resource-group> --cluster-name ${cluster} --name ${pool} --kubernetes-version ${target}`
        : `az aks upgrade --resource-group <resource-group> --name ${cluster} --kubernetes-version ${target} --control-plane-only`;
    case 'aks-hci':
      return `az aksarc upgrade --resource-group <resource-group> --name ${cluster} --kubernetes-version ${target} (AKS Arc upgrades the node pools with the cluster)`;
    case 'arc':
    case 'other':
      return pool
        ? `on each node: \`kubeadm upgrade node\`, then upgrade the kubelet package to ${target} and restart it`
        : `\`kubeadm upgrade plan\` then \`kubeadm upgrade apply v${target}\` on the first control-plane node`;
  }
}

const at = (v: KubeVersion): string => `${v.major}.${v.minor}.${v.patch ?? 0}`;

/**
 * Patch releases carry the CVE fixes of a minor: a control plane or node pool behind the newest patch of its
 * minor in the support data warns, with the upgrade command of its platform. AKS Arc supports only the two
 * newest patches of a minor, so falling out of those two is said (and rated higher).
 */
export const k8sPatchLevel: Check = {
  id: 'k8s-patch-level',
  run: (ctx) => {
    const data = supportDataOf(ctx);
    const platform = ctx.evidence.cluster.platform;
    const clusterName = ctx.evidence.cluster.name;
    const clusterRef = { kind: 'Cluster', name: clusterName };
    const cp = controlPlaneVersion(ctx.evidence);
    if (!cp.ok) return [{ outcome: 'error', resource: clusterRef, message: cp.error }];
    const dataNote = `judged with ${describeSupportData(data, ctx.now)}`;
    const dataEvidence = supportDataEvidence(data, ctx.now);

    const judge = (
      resource: CheckFinding['resource'],
      what: string,
      versions: KubeVersion[],
      pool?: string,
    ): CheckFinding => {
      const oldest = [...versions].sort((a, b) => comparePatch(at(a), at(b)))[0];
      const minor = `${oldest.major}.${oldest.minor}`;
      if (oldest.patch === undefined)
        return {
          outcome: 'error',
          resource,
          message: `${what} version ${oldest.raw} has no patch number to compare`,
        };
      const facts = patchFacts(platform, minor, ctx.now, data);
      // No patch list is a gap in the data, not in the evidence: a call to import it, like stale data.
      if (!facts)
        return {
          outcome: 'warn',
          severity: 'low',
          resource,
          message: `${what} runs ${oldest.raw}, but the support data lists no ${platform === 'aks' ? 'AKS' : platform === 'aks-hci' ? 'AKS Arc' : 'upstream'} patch versions for ${minor} to compare with, so its patch level is not judged (${dataNote}); ${SUPPORT_DATA_REFRESH}`,
          evidence: dataEvidence,
        };
      const newest = facts.patches[0];
      const current = at(oldest);
      const distinct = [...new Set(versions.map((v) => v.raw))];
      const mixed = distinct.length > 1 ? ` (oldest of ${distinct.join(', ')})` : '';
      const evidence = {
        version: oldest.raw,
        minor,
        newestPatch: newest,
        patches: facts.patches,
        source: facts.source,
        ...dataEvidence,
      };
      if (comparePatch(current, newest) >= 0)
        return {
          outcome: 'pass',
          resource,
          message: `${what} runs ${oldest.raw}${mixed}, the newest ${minor} patch offered by ${facts.source}; ${dataNote}`,
          evidence,
        };
      const supported = facts.supportedCount ? facts.patches.slice(0, facts.supportedCount) : undefined;
      const outOfSupport = supported !== undefined && !supported.includes(current);
      return {
        outcome: 'warn',
        severity: outOfSupport ? 'high' : 'medium',
        resource,
        message:
          `${what} runs ${oldest.raw}${mixed}, behind the newest ${minor} patch ${newest} offered by ${facts.source}` +
          (supported
            ? outOfSupport
              ? ` and outside the two supported patches (${supported.join(', ')})`
              : ` (supported patches: ${supported.join(', ')})`
            : '') +
          `; patch releases carry the CVE fixes of a minor. Upgrade: ${upgradeCommand(platform, clusterName, newest, pool)}; ${dataNote}`,
        evidence,
      };
    };

    const out: CheckFinding[] = [judge(clusterRef, 'the control plane', [cp.version])];
    const nodes = kubeItems(ctx.evidence, 'nodes');
    if (!nodes.ok) {
      out.push({
        outcome: 'error',
        resource: clusterRef,
        message: `cannot judge node pools: ${nodes.reason}`,
      });
      return out;
    }
    const groups = new Map<
      string,
      { pool?: string; node?: string; versions: KubeVersion[]; bad: string[] }
    >();
    for (const node of nodes.items) {
      const labels = node.metadata.labels ?? {};
      const pool = NODE_POOL_LABELS.map((l) => labels[l]).find((v) => v);
      const key = pool ? `pool/${pool}` : `node/${node.metadata.name}`;
      const g =
        groups.get(key) ??
        (pool ? { pool, versions: [], bad: [] } : { node: node.metadata.name, versions: [], bad: [] });
      groups.set(key, g);
      const raw = (node['status'] as { nodeInfo?: { kubeletVersion?: unknown } } | undefined)?.nodeInfo
        ?.kubeletVersion;
      const v = typeof raw === 'string' ? parseKubeVersion(raw) : undefined;
      if (v) g.versions.push(v);
      else g.bad.push(node.metadata.name);
    }
    for (const g of groups.values()) {
      const resource = g.pool ? { kind: 'NodePool', name: g.pool } : { kind: 'Node', name: g.node! };
      const what = g.pool ? `node pool ${g.pool}` : `node ${g.node!}`;
      if (g.versions.length === 0) {
        out.push({
          outcome: 'error',
          resource,
          message: `${what}: status.nodeInfo.kubeletVersion is missing or not a Kubernetes version on ${g.bad.join(', ')}`,
        });
        continue;
      }
      out.push(judge(resource, what, g.versions, g.pool ?? g.node));
    }
    return out;
  },
};
