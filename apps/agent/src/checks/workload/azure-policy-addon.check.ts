import type { Check, CheckFinding } from '../check.js';
import { extensionState, managedClusterRef, readExtensions, readManagedCluster } from '../lib/azure.js';
import { gatekeeperConstraints, gatekeeperDeployments, totalViolations } from '../lib/gatekeeper.js';

const EXTENSION = 'microsoft.policyinsights';

/**
 * Azure Policy for Kubernetes: the add-on (AKS `addonProfiles.azurepolicy`) or the Arc extension
 * (`microsoft.policyinsights`) turns Azure Policy assignments into Gatekeeper constraints. It counts only when
 * Gatekeeper (gatekeeper-system controller and audit) is running; the constraints' audit violations are
 * reported as evidence so the operator sees what the policies found.
 */
export const azurePolicyAddon: Check = {
  id: 'azure-policy-addon',
  run: (ctx) => {
    const evidence = ctx.evidence;
    let resource: CheckFinding['resource'] = { kind: 'Cluster', name: evidence.cluster.name };
    let how: string;
    if (evidence.cluster.platform === 'aks') {
      const mc = readManagedCluster(evidence);
      if (!mc.ok) return mc.findings;
      resource = managedClusterRef(evidence, mc.facts);
      if (mc.facts.addons['azurepolicy'] !== true)
        return [
          {
            outcome: 'fail',
            resource,
            message: `the Azure Policy add-on is not enabled (addonProfiles.azurepolicy): Azure Policy assignments are not enforced in the cluster; run \`az aks enable-addons -a azure-policy -g <resource-group> -n ${evidence.cluster.name}\``,
          },
        ];
      how = 'add-on enabled';
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
            message: `the Azure Policy extension (${EXTENSION}) is not installed on the connected cluster: run \`az k8s-extension create -g <rg> -c ${evidence.cluster.name} -t connectedClusters -n azurepolicy --extension-type microsoft.policyinsights\``,
          },
        ];
      if (!state.ok)
        return [
          {
            outcome: 'fail',
            resource,
            message: `the Azure Policy extension ${state.ext.name} is in state ${state.ext.provisioningState ?? 'unknown'}, not Succeeded`,
          },
        ];
      how = `installed as Arc extension ${state.ext.name}`;
    }
    const gk = gatekeeperDeployments(evidence);
    if (!gk.ok)
      return [
        {
          outcome: 'error',
          resource,
          message: `Azure Policy is on (${how}) but Gatekeeper cannot be verified: ${gk.reason}`,
        },
      ];
    const constraints = gatekeeperConstraints(evidence);
    const violations = constraints
      .map((c) => ({
        constraint: `${c.kind}/${c.object.metadata.name}`,
        totalViolations: totalViolations(c.object),
      }))
      .filter((c) => c.totalViolations !== undefined);
    const total = violations.reduce((s, c) => s + (c.totalViolations ?? 0), 0);
    const ev = {
      gatekeeper: gk.deployments,
      constraints: constraints.length,
      totalViolations: total,
      violations: violations.filter((v) => (v.totalViolations ?? 0) > 0).slice(0, 20),
    };
    const unhealthy = gk.deployments.filter((d) => d.ready < d.wanted || d.ready === 0);
    if (!gk.deployments.length || unhealthy.length)
      return [
        {
          outcome: 'fail',
          resource,
          message: `Azure Policy is on (${how}) but Gatekeeper is not healthy: ${gk.deployments.length ? unhealthy.map((d) => `gatekeeper-system/${d.name} ${d.ready}/${d.wanted} ready`).join(', ') : 'no gatekeeper Deployments in gatekeeper-system'}; policies are neither enforced nor audited`,
          evidence: ev,
        },
      ];
    return [
      {
        outcome: 'pass',
        resource,
        message: `Azure Policy is on (${how}), Gatekeeper is healthy; ${constraints.length} constraint${constraints.length === 1 ? '' : 's'}, ${total} audit violation${total === 1 ? '' : 's'}${
          ev.violations.length
            ? ` (most: ${ev.violations
                .sort((a, b) => (b.totalViolations ?? 0) - (a.totalViolations ?? 0))
                .slice(0, 3)
                .map((v) => `${v.constraint} ${v.totalViolations}`)
                .join(', ')})`
            : ''
        }`,
        evidence: ev,
      },
    ];
  },
};
