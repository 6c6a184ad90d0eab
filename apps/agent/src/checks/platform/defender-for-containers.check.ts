import { kubeItems, type KubeObject } from '@watchpost/shared';
import type { Check, CheckFinding } from '../check.js';
import {
  azAksUpdate,
  extensionState,
  managedClusterRef,
  readExtensions,
  readManagedCluster,
} from '../lib/azure.js';

/** The Defender sensor DaemonSet (AKS: kube-system; Arc extension: mdc). */
const SENSOR = /^microsoft-defender-collector-ds/;
const EXTENSION = 'microsoft.azuredefender.kubernetes';

function ready(pod: KubeObject): boolean {
  const conditions = (pod['status'] as { conditions?: { type?: string; status?: string }[] } | undefined)
    ?.conditions;
  return conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/**
 * Microsoft Defender for Containers: runtime threat detection needs both halves, the setting on the Azure
 * resource (AKS `securityProfile.defender.securityMonitoring.enabled`, or the Arc extension
 * `microsoft.azuredefender.kubernetes` on AKS hybrid) and its sensor DaemonSet ready on every Linux node.
 * Disabled fails; enabled but not running everywhere fails naming the nodes without a ready sensor.
 */
export const defenderForContainers: Check = {
  id: 'defender-for-containers',
  run: (ctx) => {
    const evidence = ctx.evidence;
    let resource = { kind: 'Cluster', name: evidence.cluster.name } as CheckFinding['resource'];
    let how: string;
    if (evidence.cluster.platform === 'aks') {
      const mc = readManagedCluster(evidence);
      if (!mc.ok) return mc.findings;
      resource = managedClusterRef(evidence, mc.facts);
      if (mc.facts.defenderEnabled !== true)
        return [
          {
            outcome: 'fail',
            resource,
            message: `Defender for Containers is not enabled on the cluster (securityProfile.defender.securityMonitoring.enabled is ${mc.facts.defenderEnabled === false ? 'false' : 'not set'}): no runtime threat detection; run \`${azAksUpdate(evidence, '--enable-defender')}\``,
          },
        ];
      how = 'enabled in the cluster resource';
    } else {
      const ext = readExtensions(evidence);
      if (!ext.ok)
        return [{ outcome: 'error', resource, message: `cannot read the cluster extensions: ${ext.reason}` }];
      const state = extensionState(ext.extensions, EXTENSION);
      if (!state.installed)
        return [
          {
            outcome: 'fail',
            resource,
            message: `the Defender extension (${EXTENSION}) is not installed on the connected cluster: run \`az k8s-extension create -g <rg> -c ${evidence.cluster.name} -t connectedClusters -n microsoft.azuredefender.kubernetes --extension-type microsoft.azuredefender.kubernetes\``,
          },
        ];
      if (!state.ok)
        return [
          {
            outcome: 'fail',
            resource,
            message: `the Defender extension ${state.ext.name} is in state ${state.ext.provisioningState ?? 'unknown'}, not Succeeded`,
          },
        ];
      how = `installed as Arc extension ${state.ext.name}${state.ext.version ? ` ${state.ext.version}` : ''}`;
    }
    const ds = kubeItems(evidence, 'daemonsets.apps');
    const nodes = kubeItems(evidence, 'nodes');
    const pods = kubeItems(evidence, 'pods');
    for (const l of [ds, nodes, pods])
      if (!l.ok)
        return [
          {
            outcome: 'error',
            resource,
            message: `Defender is ${how}, but its sensor cannot be verified: ${l.reason}`,
          },
        ];
    if (!ds.ok || !nodes.ok || !pods.ok) return [];
    const sensor = ds.items.find((d) => SENSOR.test(d.metadata.name));
    if (!sensor)
      return [
        {
          outcome: 'fail',
          resource,
          message: `Defender is ${how}, but its sensor DaemonSet (microsoft-defender-collector-ds) is not in the cluster: nothing collects runtime events`,
        },
      ];
    const linux = nodes.items
      .filter((n) => (n.metadata.labels?.['kubernetes.io/os'] ?? 'linux') === 'linux')
      .map((n) => n.metadata.name);
    const covered = new Set(
      pods.items
        .filter(
          (p) =>
            p.metadata.namespace === sensor.metadata.namespace &&
            p.metadata.ownerReferences?.some(
              (o) => o.kind === 'DaemonSet' && o.name === sensor.metadata.name,
            ) &&
            ready(p),
        )
        .map((p) => (p['spec'] as { nodeName?: string } | undefined)?.nodeName ?? ''),
    );
    const missing = linux.filter((n) => !covered.has(n));
    const name = `${sensor.metadata.namespace ?? 'default'}/${sensor.metadata.name}`;
    const ev = { sensor: name, linuxNodes: linux.length, ready: linux.length - missing.length, missing };
    if (missing.length)
      return [
        {
          outcome: 'fail',
          resource,
          message: `Defender is ${how}, but its sensor ${name} is ready on ${linux.length - missing.length} of ${linux.length} Linux nodes; not on ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`,
          evidence: ev,
        },
      ];
    return [
      {
        outcome: 'pass',
        resource,
        message: `Defender is ${how} and its sensor ${name} is ready on all ${linux.length} Linux nodes`,
        evidence: ev,
      },
    ];
  },
};
