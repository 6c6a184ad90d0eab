import type { Check } from '../check.js';
import { azAksUpdate, managedClusterRef, readManagedCluster } from '../lib/azure.js';

/**
 * `az aks command invoke` (run command) runs kubectl inside the cluster for anyone with the ARM permission,
 * bypassing network restrictions on the API server. On a Fleet hub it must be off
 * (`apiServerAccessProfile.disableRunCommand`).
 */
export const fleetHubRunCommandDisabled: Check = {
  id: 'fleet-hub-run-command-disabled',
  run: (ctx) => {
    const mc = readManagedCluster(ctx.evidence);
    if (!mc.ok) return mc.findings;
    const resource = managedClusterRef(ctx.evidence, mc.facts);
    const value = mc.facts.apiServer.disableRunCommand;
    if (value === true)
      return [
        {
          outcome: 'pass',
          resource,
          message: 'run command is disabled on the Fleet hub',
          evidence: { disableRunCommand: true },
        },
      ];
    return [
      {
        outcome: 'fail',
        resource,
        message: `run command is enabled on the Fleet hub (disableRunCommand ${value === false ? 'false' : 'not set'}): \`az aks command invoke\` reaches the hub's API server around its network limits; run \`${azAksUpdate(ctx.evidence, '--disable-run-command')}\``,
        evidence: { disableRunCommand: value ?? null },
      },
    ];
  },
};
