import type { CheckDefinition } from './types.js';

const K8S_GMSA = {
  title: 'Kubernetes: Configure GMSA for Windows Pods and containers',
  url: 'https://kubernetes.io/docs/tasks/configure-pod-container/configure-gmsa/',
};
const WINDOWS_GMSA = {
  title: 'kubernetes-sigs/windows-gmsa (CRD and admission webhook)',
  url: 'https://github.com/kubernetes-sigs/windows-gmsa',
};
const AKS_HYBRID_GMSA = {
  title: 'AKS enabled by Azure Arc: gMSA for Windows containers',
  url: 'https://learn.microsoft.com/azure/aks/aksarc/prepare-windows-nodes-gmsa',
};
const CCG = {
  title: 'Windows containers: gMSA on non-domain-joined hosts (Container Credential Guard)',
  url: 'https://learn.microsoft.com/virtualization/windowscontainers/manage-containers/manage-serviceaccounts',
};

/** Catalogue entries of the `identity` area, in display order. */
export const IDENTITY_CHECKS: CheckDefinition[] = [
  {
    id: 'gmsa-crd-installed',
    title: 'GMSACredentialSpec CRD installed where Windows nodes run',
    area: 'identity',
    defaultSeverity: 'high',
    description:
      'Windows pods reach Active Directory through a group Managed Service Account named in a GMSACredentialSpec (windows.k8s.io). Without the CRD no credential spec can exist, so Windows workloads either run without their domain identity or someone inlines credential specs by hand, bypassing the review the gMSA webhook does.',
    remediation:
      '# AKS hybrid (PowerShell, on a management machine):\nInstall-AksHciGmsaWebhook -Name <workload-cluster>\n# any cluster, upstream chart:\nhelm repo add windows-gmsa https://kubernetes-sigs.github.io/windows-gmsa/charts/repo\nhelm install gmsa windows-gmsa/gmsa --namespace gmsa-webhook --create-namespace\nkubectl get crd gmsacredentialspecs.windows.k8s.io',
    references: [K8S_GMSA, WINDOWS_GMSA, AKS_HYBRID_GMSA],
  },
  {
    id: 'gmsa-webhook-config',
    title: 'gMSA mutating and validating webhooks present and failing closed',
    area: 'identity',
    defaultSeverity: 'critical',
    description:
      "The validating webhook is what checks that a pod's service account may use the credential spec it names and that inline contents match it; the mutating webhook fills the contents in. With failurePolicy Ignore, an unreachable webhook silently lets any pod claim any gMSA identity, and without the validating webhook anyone who can create a pod can impersonate any service account in the domain.",
    remediation:
      'kubectl get mutatingwebhookconfigurations,validatingwebhookconfigurations -o json | jq \'.items[] | select(.metadata.name | test("gmsa")) | {name: .metadata.name, hooks: [.webhooks[] | {name, failurePolicy}]}\'\n# re-deploy the webhook (Install-AksHciGmsaWebhook on AKS hybrid, or the windows-gmsa Helm chart) and keep failurePolicy: Fail:\nkubectl patch validatingwebhookconfiguration <name> --type=json -p \'[{"op":"replace","path":"/webhooks/0/failurePolicy","value":"Fail"}]\'',
    references: [
      WINDOWS_GMSA,
      K8S_GMSA,
      {
        title: 'Kubernetes: admission webhook failure policy',
        url: 'https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/#failure-policy',
      },
    ],
  },
  {
    id: 'gmsa-webhook-endpoints',
    title: 'gMSA webhook service backed by ready endpoints',
    area: 'identity',
    defaultSeverity: 'high',
    description:
      'With failurePolicy Fail, a gMSA webhook whose service has no ready endpoint rejects every pod create and update in the namespaces it covers, Linux pods included: an outage, not only a Windows problem.',
    remediation:
      'kubectl -n <webhook-namespace> get svc,endpointslices,pods -l app=gmsa-webhook\nkubectl -n <webhook-namespace> describe pods -l app=gmsa-webhook\n# the webhook runs on Linux nodes; fix the deployment, then:\nkubectl -n <webhook-namespace> rollout restart deployment/<webhook-deployment>',
    references: [WINDOWS_GMSA],
  },
  {
    id: 'gmsa-webhook-certificate',
    title: 'gMSA webhook CA bundle and serving certificate valid',
    area: 'identity',
    defaultSeverity: 'high',
    description:
      "The API server calls the gMSA webhook over TLS and trusts only the caBundle in the webhook configuration. An expired CA or serving certificate, a serving certificate not issued by that CA, or one without the service's DNS name makes every call fail, which with failurePolicy Fail blocks pod admission.",
    remediation:
      '# upstream deploy script regenerates the certificate and caBundle:\n./deploy-gmsa-webhook.sh --file gmsa-webhook.yml --name gmsa-webhook --namespace gmsa-webhook --overwrite\n# Helm chart with cert-manager: check the Certificate renews\nkubectl -n <webhook-namespace> get certificate,secret\n# AKS hybrid: Uninstall-AksHciGmsaWebhook / Install-AksHciGmsaWebhook -Name <workload-cluster>',
    references: [
      WINDOWS_GMSA,
      {
        title: 'Kubernetes: contacting the webhook (service reference, caBundle)',
        url: 'https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/#contacting-the-webhook',
      },
    ],
  },
  {
    id: 'gmsa-namespace-opt-out',
    title: 'Namespaces excluded from the gMSA webhooks',
    area: 'identity',
    defaultSeverity: 'high',
    description:
      "The gMSA webhooks skip namespaces their namespaceSelector excludes (upstream: label gmsa-webhook=disabled). In such a namespace no one checks that a pod may use the credential spec it names or inlines, so a pod there can run as any gMSA whose credential spec contents are known. Only the webhook's own namespace should be excluded.",
    remediation:
      'kubectl get ns -L gmsa-webhook\n# remove the opt-out from namespaces that do not host the webhook itself:\nkubectl label namespace <ns> gmsa-webhook-',
    references: [WINDOWS_GMSA, K8S_GMSA],
  },
  {
    id: 'gmsa-credspec-valid',
    title: 'gMSA credential specs well-formed',
    area: 'identity',
    defaultSeverity: 'high',
    description:
      'A credential spec needs the DomainJoinConfig of the domain (DnsName, NetBiosName, DnsTreeName, Guid, Sid, MachineAccountName) and at least one GroupManagedServiceAccounts entry; on non-domain-joined Windows nodes also a HostAccountConfig (PortableCcgVersion, PluginGUID, PluginInput) whose plugin finds the domain account in a Kubernetes secret that must exist. AKS hybrid needs the domain as a full DNS name: a NetBIOS name makes Kerberos fall back to NTLM silently.',
    remediation:
      '# regenerate the credential spec on a domain-joined machine:\nNew-CredentialSpec -AccountName <gmsa> -Path .\\credspec.json [-AdditionalAccounts ...]\n# AKS hybrid, non-domain-joined hosts (DNS domain name, secret with the domain user):\nAdd-AksHciGMSACredentialSpec -Name <cluster> -credSpecFilePath .\\credspec.json -credSpecName <name> -secretName <secret> -secretNamespace <ns> -serviceAccount <sa> -clusterRoleName <role>\nkubectl get gmsacredentialspecs <name> -o yaml',
    references: [K8S_GMSA, CCG, AKS_HYBRID_GMSA],
  },
  {
    id: 'gmsa-pod-credspec',
    title: 'Pods name existing credential specs and run on Windows nodes',
    area: 'identity',
    defaultSeverity: 'high',
    description:
      'A pod or template that names a credential spec which does not exist (names are case-sensitive) is rejected by the webhook or starts without its domain identity; inline gmsaCredentialSpec contents must match the named spec, contents without a name are refused; and a gMSA pod pinned to Linux nodes can never get its identity.',
    remediation:
      'kubectl get gmsacredentialspecs\n# in the pod template:\nspec:\n  securityContext:\n    windowsOptions:\n      gmsaCredentialSpecName: <exact-credspec-name>\n  nodeSelector:\n    kubernetes.io/os: windows\n# and drop hand-written gmsaCredentialSpec contents: the mutating webhook fills them in',
    references: [K8S_GMSA, WINDOWS_GMSA],
  },
  {
    id: 'gmsa-pod-rbac-use',
    title: "Pods' service accounts may use their credential spec",
    area: 'identity',
    defaultSeverity: 'high',
    description:
      'The gMSA validating webhook admits a pod only if its service account is allowed the verb use on the named GMSACredentialSpec (resource gmsacredentialspecs, group windows.k8s.io, resourceNames). Without that grant the pod is rejected at the next rollout or reschedule; the grant should name the spec in resourceNames, not all specs.',
    remediation:
      'kubectl create clusterrole <spec>-user --verb=use --resource=gmsacredentialspecs.windows.k8s.io --resource-name=<spec>\nkubectl create rolebinding allow-<sa>-use-<spec> -n <ns> --clusterrole=<spec>-user --serviceaccount=<ns>:<sa>\nkubectl auth can-i use gmsacredentialspecs.windows.k8s.io/<spec> -n <ns> --as=system:serviceaccount:<ns>:<sa>',
    references: [K8S_GMSA, WINDOWS_GMSA],
  },
];
