import { findApiServers, type Evidence } from '@watchpost/shared';
import type { Check, CheckFinding } from '../check.js';
import { azAksUpdate, managedClusterRef, readManagedCluster } from '../lib/azure.js';

const WEBHOOK_FLAG = '--authentication-token-webhook-config-file';

/**
 * AKS hybrid workload clusters offer Active Directory sign-in through a token webhook the API server calls
 * (`--authentication-token-webhook-config-file`); without it the only ways in are certificates and static
 * kubeconfigs. Judged from the kube-apiserver manifest or mirror pod.
 */
function hybrid(evidence: Evidence): CheckFinding[] {
  const resource = { kind: 'Cluster', name: evidence.cluster.name };
  const { manifests, pods, problems } = findApiServers(evidence);
  const sources = [...manifests, ...pods];
  if (!sources.length)
    return [
      {
        outcome: 'error',
        resource,
        message: `no kube-apiserver in view (no static pod manifest, no kube-system/kube-apiserver pod)${problems.length ? `: ${problems.join('; ')}` : ''}; run the agent on a control-plane node or collect the kube-system pods`,
      },
    ];
  const withWebhook = sources.find((s) => s.flags.has(WEBHOOK_FLAG));
  if (withWebhook)
    return [
      {
        outcome: 'pass',
        resource: withWebhook.ref,
        message: `the API server authenticates tokens through a webhook (${WEBHOOK_FLAG}=${withWebhook.flags.get(WEBHOOK_FLAG) ?? ''} in ${withWebhook.label}): Active Directory sign-in is set up`,
        evidence: { webhookConfig: withWebhook.flags.get(WEBHOOK_FLAG) },
      },
    ];
  return [
    {
      outcome: 'fail',
      resource: sources[0].ref,
      message: `the API server has no ${WEBHOOK_FLAG} (${sources[0].label}): users sign in with certificates or static kubeconfigs, not Active Directory; enable AD sign-in for the workload cluster (AKS Arc: \`az aksarc update -g <rg> -n ${evidence.cluster.name} --enable-azure-rbac\` with Entra ID; AKS on Azure Stack HCI 22H2: \`Install-AksHciAdAuth -name ${evidence.cluster.name} ...\`)`,
    },
  ];
}

/**
 * Microsoft Entra ID integration: API server sign-in through Entra ID groups and conditional access instead of
 * static credentials. AKS: `aadProfile.managed` with Kubernetes RBAC on passes; the legacy (non-managed, app
 * registration) integration warns, it is deprecated; none fails. AKS hybrid: the AD token webhook (above).
 */
export const aksEntraIdIntegration: Check = {
  id: 'aks-entra-id-integration',
  run: (ctx) => {
    const evidence = ctx.evidence;
    if (evidence.cluster.platform === 'aks-hci') return hybrid(evidence);
    const mc = readManagedCluster(evidence);
    if (!mc.ok) return mc.findings;
    const { aad, enableRbac } = mc.facts;
    const resource = managedClusterRef(evidence, mc.facts);
    const ev = { aadProfile: aad ?? null, enableRBAC: enableRbac ?? null };
    if (!aad)
      return [
        {
          outcome: 'fail',
          resource,
          message: `no Microsoft Entra ID integration (aadProfile is absent): API server access rests on local accounts and certificates; run \`${azAksUpdate(evidence, '--enable-aad --aad-admin-group-object-ids <group-id>')}\``,
          evidence: ev,
        },
      ];
    if (enableRbac === false)
      return [
        {
          outcome: 'fail',
          resource,
          message:
            'Entra ID is integrated but Kubernetes RBAC is off (enableRBAC false): every signed-in user is authorised for everything; RBAC cannot be turned on in place, recreate the cluster with RBAC',
          evidence: ev,
        },
      ];
    if (aad.managed !== true)
      return [
        {
          outcome: 'warn',
          resource,
          message: `legacy (non-managed) Azure AD integration with its own server and client app registrations: deprecated, migrate with \`${azAksUpdate(evidence, '--enable-aad --aad-admin-group-object-ids <group-id>')}\``,
          evidence: ev,
        },
      ];
    return [
      {
        outcome: 'pass',
        resource,
        message: `managed Microsoft Entra ID integration with Kubernetes RBAC${aad.enableAzureRbac ? ' and Azure RBAC for Kubernetes authorization' : ''}${aad.adminGroupObjectIds.length ? ` (${aad.adminGroupObjectIds.length} admin group${aad.adminGroupObjectIds.length > 1 ? 's' : ''})` : ''}`,
        evidence: ev,
      },
    ];
  },
};
