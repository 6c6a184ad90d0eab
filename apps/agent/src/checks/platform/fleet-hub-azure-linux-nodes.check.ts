import type { Check, CheckFinding } from '../check.js';
import { managedClusterRef, readManagedCluster } from '../lib/azure.js';

/** `CBLMariner` is the former name of Azure Linux and still what older clusters report. */
const AZURE_LINUX = new Set(['azurelinux', 'cblmariner', 'mariner']);

/**
 * Fleet hub node pools run on Azure Linux (`osSKU: AzureLinux`), the minimal, Microsoft-maintained image with
 * the smaller attack surface the Fleet hub guidance asks for. One result per agent pool.
 */
export const fleetHubAzureLinuxNodes: Check = {
  id: 'fleet-hub-azure-linux-nodes',
  run: (ctx) => {
    const mc = readManagedCluster(ctx.evidence);
    if (!mc.ok) return mc.findings;
    const cluster = managedClusterRef(ctx.evidence, mc.facts);
    if (!mc.facts.agentPools.length)
      return [
        {
          outcome: 'error',
          resource: cluster,
          message: 'the managed cluster document lists no agentPoolProfiles: cannot tell the node OS',
        },
      ];
    return mc.facts.agentPools.map((p): CheckFinding => {
      const resource = { kind: 'AgentPool', name: `${cluster.name}/${p.name}` };
      const sku = p.osSku ?? (p.osType === 'Windows' ? 'Windows' : 'Ubuntu (default)');
      if (p.osSku && AZURE_LINUX.has(p.osSku.toLowerCase()))
        return {
          outcome: 'pass',
          resource,
          message: `node pool ${p.name} runs Azure Linux (osSKU ${p.osSku})`,
          evidence: { osSKU: p.osSku },
        };
      return {
        outcome: 'fail',
        resource,
        message: `node pool ${p.name} runs ${sku}, not Azure Linux: add an Azure Linux pool and remove this one, \`az aks nodepool add -g <resource-group> --cluster-name ${ctx.evidence.cluster.name} -n <pool> --os-sku AzureLinux\` then \`az aks nodepool delete -g <resource-group> --cluster-name ${ctx.evidence.cluster.name} -n ${p.name}\``,
        evidence: { osSKU: p.osSku ?? null },
      };
    });
  },
};
