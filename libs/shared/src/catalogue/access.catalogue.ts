import type { CheckDefinition } from './types.js';

const RBAC_GOOD_PRACTICES = {
  title: 'Kubernetes: Role Based Access Control good practices',
  url: 'https://kubernetes.io/docs/concepts/security/rbac-good-practices/',
};
const AKS_IDENTITY = {
  title: 'AKS: best practices for authentication and authorization',
  url: 'https://learn.microsoft.com/azure/aks/operator-best-practices-identity',
};

/** Catalogue entries of the `access` area, in display order. */
export const ACCESS_CHECKS: CheckDefinition[] = [
  {
    id: 'rbac-anonymous-binding',
    title: 'No RBAC rights for anonymous or unauthenticated requests',
    area: 'access',
    defaultSeverity: 'critical',
    description:
      "A binding whose subject is the user system:anonymous or the group system:unauthenticated gives its rights to anyone who can reach the API server, without a credential. Only the upstream public-info endpoints (/healthz, /livez, /readyz, /version) and kubeadm's cluster-info ConfigMap in kube-public are meant to be public.",
    remediation:
      'kubectl get clusterrolebindings,rolebindings -A -o json | jq -r \'.items[] | select(any(.subjects[]?; .name=="system:anonymous" or .name=="system:unauthenticated")) | "\\(.kind) \\(.metadata.namespace // "") \\(.metadata.name)"\'\n# then remove the subject, e.g.\nkubectl delete clusterrolebinding <name>',
    references: [
      { title: 'CIS Kubernetes Benchmark 5.1.x: minimise access (anonymous bindings)', cis: '5.1' },
      {
        title: 'Kubernetes: anonymous requests',
        url: 'https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests',
      },
      RBAC_GOOD_PRACTICES,
    ],
  },
  {
    id: 'rbac-cluster-admin-binding',
    title: 'cluster-admin held only by system subjects',
    area: 'access',
    defaultSeverity: 'high',
    description:
      "cluster-admin (or any role granting every verb on every resource) is full control of the cluster, its secrets and its nodes. It should be held only by the control plane's own identities (system:masters, kubeadm:cluster-admins) and platform-managed break-glass accounts; people get it through a small admin group, never as individual users, and workloads' service accounts should never hold it.",
    remediation:
      'kubectl get clusterrolebindings -o json | jq -r \'.items[] | select(.roleRef.name=="cluster-admin") | .metadata.name\'\n# replace user / service-account subjects with a narrower role, or with an admin group:\nkubectl create clusterrolebinding <name> --clusterrole=<narrower-role> --group=<admin-group>\nkubectl delete clusterrolebinding <old-binding>',
    references: [
      {
        title:
          'CIS Kubernetes Benchmark 5.1.1: Ensure that the cluster-admin role is only used where required',
        cis: '5.1.1',
      },
      RBAC_GOOD_PRACTICES,
      AKS_IDENTITY,
    ],
  },
  {
    id: 'rbac-wildcard-rules',
    title: 'No wildcard verbs or resources in Roles and ClusterRoles',
    area: 'access',
    defaultSeverity: 'medium',
    description:
      'A rule with "*" in verbs or resources grants everything that exists today and everything added later (new CRDs, subresources, verbs such as escalate, bind and impersonate). Roles should list what they need. Upstream default roles (label kubernetes.io/bootstrapping=rbac-defaults) are not flagged; their bindings are judged by the other access checks.',
    remediation:
      'kubectl get clusterroles,roles -A -o json | jq -r \'.items[] | select(any(.rules[]?; (.verbs // [] | index("*")) or (.resources // [] | index("*")))) | "\\(.kind) \\(.metadata.namespace // "") \\(.metadata.name)"\'\n# then replace "*" with the explicit verbs/resources, e.g. verbs: [get, list, watch]',
    references: [
      {
        title: 'CIS Kubernetes Benchmark 5.1.3: Minimize wildcard use in Roles and ClusterRoles',
        cis: '5.1.3',
      },
      RBAC_GOOD_PRACTICES,
    ],
  },
  {
    id: 'rbac-user-subjects',
    title: 'Bindings name groups, not individual users',
    area: 'access',
    defaultSeverity: 'medium',
    description:
      "A binding to an individual User outlives that person's role: leavers keep rights until someone edits every binding, and nobody can see who has access from the identity provider. Bind Groups (Microsoft Entra ID / Active Directory groups) and manage membership there. System users (system:*) and platform-managed bindings are not flagged.",
    remediation:
      'kubectl get clusterrolebindings,rolebindings -A -o json | jq -r \'.items[] | select(any(.subjects[]?; .kind=="User" and (.name | startswith("system:") | not))) | "\\(.kind) \\(.metadata.namespace // "") \\(.metadata.name)"\'\n# re-create each with a group subject, e.g.\nkubectl create rolebinding <name> -n <ns> --clusterrole=<role> --group=<entra-or-ad-group-object-id>',
    references: [
      AKS_IDENTITY,
      {
        title: 'AKS: Kubernetes RBAC with Microsoft Entra groups',
        url: 'https://learn.microsoft.com/azure/aks/azure-ad-rbac',
      },
      RBAC_GOOD_PRACTICES,
    ],
  },
  // Azure resource evidence (azure/*.json): issue 13
  {
    id: 'aks-local-accounts-disabled',
    title: 'AKS local accounts disabled',
    area: 'access',
    defaultSeverity: 'high',
    appliesTo: { platforms: ['aks'] },
    description:
      'Local accounts (the clusterAdmin kubeconfig from `az aks get-credentials --admin`) are a static credential that bypasses Microsoft Entra ID: it cannot be revoked per person, conditional access does not apply, and audit logs do not name the human. Passes only when the managed cluster has `disableLocalAccounts: true`. Source: the managed cluster resource (ARM or `az aks show`).',
    remediation:
      'Integrate Entra ID first, then: `az aks update -g <resource-group> -n <cluster> --disable-local-accounts`. Check: `az aks show -g <resource-group> -n <cluster> --query disableLocalAccounts`.',
    references: [
      {
        title: 'AKS: manage local accounts with Microsoft Entra integration',
        url: 'https://learn.microsoft.com/azure/aks/manage-local-accounts-managed-azure-ad',
      },
      {
        title: 'AKS: security best practices for cluster security and upgrades',
        url: 'https://learn.microsoft.com/azure/aks/operator-best-practices-cluster-security',
      },
    ],
  },
  {
    id: 'aks-entra-id-integration',
    title: 'Microsoft Entra ID sign-in for the API server',
    area: 'access',
    defaultSeverity: 'high',
    appliesTo: { platforms: ['aks', 'aks-hci'] },
    description:
      "People should reach the API server with their Entra ID (Azure AD) identity and groups, so access follows joiners and leavers and conditional access applies. AKS: `aadProfile.managed: true` with Kubernetes RBAC on passes; the legacy integration with its own app registrations warns (deprecated); none fails. AKS hybrid workload clusters: the Active Directory sign-in the platform offers is recognised from the API server's `--authentication-token-webhook-config-file` in its static pod manifest or mirror pod.",
    remediation:
      'AKS: `az aks update -g <resource-group> -n <cluster> --enable-aad --aad-admin-group-object-ids <group-object-id>` (also migrates legacy integration); optionally `--enable-azure-rbac`. AKS Arc: create or update the cluster with `--enable-azure-rbac` and Entra admin groups (`az aksarc update -g <rg> -n <cluster> --aad-admin-group-object-ids <id>`). AKS on Azure Stack HCI 22H2: `Install-AksHciAdAuth -name <cluster> -keytab <file> -SPN <spn> -adminUser <user>`.',
    references: [
      {
        title: 'AKS-managed Microsoft Entra integration',
        url: 'https://learn.microsoft.com/azure/aks/enable-authentication-microsoft-entra-id',
      },
      {
        title: 'AKS hybrid: Active Directory single sign-on',
        url: 'https://learn.microsoft.com/azure/aks/hybrid/ad-sso',
      },
      { title: 'CIS Kubernetes Benchmark: use an external identity provider', cis: '3.1.1' },
    ],
  },
];
