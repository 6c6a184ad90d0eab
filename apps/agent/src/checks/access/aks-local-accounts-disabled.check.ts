import type { Evidence } from '@watchpost/shared';
import type { Check, CheckFinding } from '../check.js';
import { azAksUpdate, managedClusterRef, readManagedCluster } from '../lib/azure.js';

/**
 * Local accounts (`az aks get-credentials --admin`, the clusterAdmin kubeconfig) bypass Entra ID: a static
 * credential that cannot be revoked per person and is not audited as one. AKS turns them off with
 * `disableLocalAccounts`; only `true` passes (absent means the default, enabled). Shared with the Fleet hub rule.
 */
export function localAccountsVerdict(evidence: Evidence, hub = false): CheckFinding[] {
  const mc = readManagedCluster(evidence);
  if (!mc.ok) return mc.findings;
  const resource = managedClusterRef(evidence, mc.facts);
  const what = hub ? 'the Fleet hub cluster' : 'the cluster';
  if (mc.facts.disableLocalAccounts === true)
    return [
      {
        outcome: 'pass',
        resource,
        message: `local accounts are disabled on ${what}: every sign-in goes through Microsoft Entra ID`,
        evidence: { disableLocalAccounts: true },
      },
    ];
  return [
    {
      outcome: 'fail',
      resource,
      message: `local accounts are enabled on ${what} (disableLocalAccounts is ${mc.facts.disableLocalAccounts === false ? 'false' : 'not set, so enabled'}): anyone with the admin kubeconfig is cluster-admin without Entra ID; run \`${azAksUpdate(evidence, '--disable-local-accounts')}\``,
      evidence: { disableLocalAccounts: mc.facts.disableLocalAccounts ?? null },
    },
  ];
}

export const aksLocalAccountsDisabled: Check = {
  id: 'aks-local-accounts-disabled',
  run: (ctx) => localAccountsVerdict(ctx.evidence),
};
