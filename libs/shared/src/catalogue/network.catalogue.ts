import type { CheckDefinition } from './types.js';

const K8S_NETPOL = {
  title: 'Kubernetes: Network Policies',
  url: 'https://kubernetes.io/docs/concepts/services-networking/network-policies/',
};
const CALICO_POLICY = {
  title: 'Calico: network policy',
  url: 'https://docs.tigera.io/calico/latest/reference/resources/networkpolicy',
};
const CALICO_GNP = {
  title: 'Calico: global network policy',
  url: 'https://docs.tigera.io/calico/latest/reference/resources/globalnetworkpolicy',
};
const CALICO_DEFAULT_DENY = {
  title: 'Calico: enable a default deny policy for Kubernetes pods',
  url: 'https://docs.tigera.io/calico/latest/network-policy/get-started/kubernetes-default-deny',
};
const AKS_ARC_NETPOL = {
  title: 'AKS enabled by Azure Arc: secure traffic between pods using network policies',
  url: 'https://learn.microsoft.com/azure/aks/aksarc/network-policy',
};
const CIS_NETPOL = {
  title: 'CIS Kubernetes Benchmark 5.3.2: ensure that all namespaces have Network Policies defined',
  cis: '5.3.2',
};

/** Catalogue entries of the `network` area, in display order. */
export const NETWORK_CHECKS: CheckDefinition[] = [
  {
    id: 'netpol-imds-egress',
    title: 'Pods cannot reach the instance metadata endpoint (169.254.169.254)',
    area: 'network',
    defaultSeverity: 'high',
    description:
      "The instance metadata endpoint hands out the node's identity and tokens to anything that can open TCP 80 to 169.254.169.254; a compromised pod that reaches it can act as the node. Watchpost evaluates the Calico and Kubernetes policies that apply to each pod (egress of the pod, in tier and order) and reports per namespace what a new pod gets, plus every pod whose verdict differs, naming the deciding policy. Windows pods on AKS Arc are not covered by Calico policy at all.",
    remediation:
      '# In every user namespace, allow egress except the metadata endpoint (add your other egress rules alongside):\nkubectl apply -n <namespace> -f - <<EOF\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: block-imds\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - ipBlock:\n        cidr: 0.0.0.0/0\n        except: [169.254.169.254/32]\nEOF\n# Or cluster-wide with Calico (order before other policies):\n# GlobalNetworkPolicy with order: 10, selector: all(), types: [Egress],\n# egress: [{action: Deny, destination: {nets: [169.254.169.254/32]}}, {action: Pass}]',
    references: [K8S_NETPOL, CALICO_GNP, AKS_ARC_NETPOL],
  },
  {
    id: 'netpol-namespace-default-deny-ingress',
    title: 'User namespaces deny ingress by default',
    area: 'network',
    defaultSeverity: 'medium',
    description:
      'Without a policy that selects every pod of a namespace for ingress, any pod in the cluster (and anything routed to the pod network) can connect to every port of a new pod there. Watchpost asks the engine what happens to traffic from an unrelated pod to a new, unlabelled pod in the namespace; system namespaces are left to netpol-kube-system-exposure.',
    remediation:
      'kubectl apply -n <namespace> -f - <<EOF\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny-ingress\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\nEOF\n# then allow what each workload needs with further policies',
    references: [K8S_NETPOL, CALICO_DEFAULT_DENY, CIS_NETPOL],
  },
  {
    id: 'netpol-namespace-default-deny-egress',
    title: 'User namespaces deny egress by default',
    area: 'network',
    defaultSeverity: 'medium',
    description:
      'Without a default deny for egress, a compromised pod can connect anywhere: other namespaces, the node, the metadata endpoint, the internet. Watchpost asks the engine whether a new, unlabelled pod in the namespace may open a connection to an unrelated pod and to an outside address.',
    remediation:
      'kubectl apply -n <namespace> -f - <<EOF\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny-egress\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to:   # keep DNS working\n    - namespaceSelector:\n        matchLabels: {kubernetes.io/metadata.name: kube-system}\n      podSelector:\n        matchLabels: {k8s-app: kube-dns}\n    ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]\nEOF',
    references: [K8S_NETPOL, CALICO_DEFAULT_DENY, CIS_NETPOL],
  },
  {
    id: 'netpol-pod-not-isolated',
    title: 'Pods are isolated for ingress or egress by at least one policy',
    area: 'network',
    defaultSeverity: 'medium',
    description:
      'A pod that no policy selects, in either direction, accepts and opens any connection. Each such pod in a user namespace is reported; Windows pods on AKS Arc are reported separately because Calico does not enforce policy on them at all.',
    remediation:
      '# Select the pod with a policy (a namespace-wide default deny covers every pod):\nkubectl get networkpolicy -n <namespace>\nkubectl apply -n <namespace> -f default-deny.yaml\n# Windows pods on AKS Arc: isolate them on separate node pools and networks; Calico policy does not apply to them.',
    references: [K8S_NETPOL, AKS_ARC_NETPOL],
  },
  {
    id: 'netpol-policy-selects-nothing',
    title: 'Every network policy selects at least one pod and is valid',
    area: 'network',
    defaultSeverity: 'low',
    description:
      'A policy whose selector matches no pod protects nothing, usually because of a typo in a label or a renamed workload, and gives a false sense of isolation. A Calico policy whose selector does not parse is refused by Calico and never applied.',
    remediation:
      '# Compare the policy selector with the pod labels:\nkubectl get networkpolicy <name> -n <namespace> -o jsonpath="{.spec.podSelector}"\nkubectl get pods -n <namespace> --show-labels\n# Test a Calico selector offline:\nwatchpost-agent policy match --selector "<selector>" --labels \'{"app":"web"}\'',
    references: [K8S_NETPOL, CALICO_POLICY],
  },
  {
    id: 'netpol-global-policy-all-namespaces',
    title: 'GlobalNetworkPolicies that cover every namespace are deliberate',
    area: 'network',
    defaultSeverity: 'medium',
    description:
      "A Calico GlobalNetworkPolicy without a namespace selector applies to every pod in every namespace. One that allows all traffic overrides every namespace's default deny (an Allow in an earlier tier or order is final); one that denies also cuts off kube-system and calico-system unless they are excluded, which Calico's own guidance warns against.",
    remediation:
      '# Exclude system namespaces and narrow allow rules, e.g.:\n# spec:\n#   namespaceSelector: kubernetes.io/metadata.name not in {"kube-system", "calico-system", "tigera-operator"}\nkubectl get globalnetworkpolicies.crd.projectcalico.org <name> -o yaml',
    references: [CALICO_GNP, CALICO_DEFAULT_DENY],
  },
  {
    id: 'netpol-kube-system-exposure',
    title: 'kube-system pods are not reachable from every namespace',
    area: 'network',
    defaultSeverity: 'medium',
    description:
      'Pods in kube-system (metrics, dashboards, CSI controllers, admission webhooks) hold cluster-wide privileges; if any workload can connect to them, one compromised pod can attack them directly. DNS (port 53) is expected to be reachable and is not reported.',
    remediation:
      '# Allow only what needs kube-system, deny the rest:\nkubectl apply -n kube-system -f - <<EOF\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-dns-only\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n  ingress:\n  - ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]\n  - from:\n    - namespaceSelector:\n        matchLabels: {kubernetes.io/metadata.name: kube-system}\nEOF',
    references: [K8S_NETPOL, CALICO_POLICY],
  },
  {
    id: 'netpol-felix-configuration',
    title: 'Calico FelixConfiguration does not weaken policy enforcement',
    area: 'network',
    defaultSeverity: 'high',
    description:
      "Felix settings can let traffic past policy: defaultEndpointToHostAction Accept lets every pod reach services on its node (kubelet, node exporters) whatever its egress policy says; workloadSourceSpoofing Any lets pods forge source addresses that IP-based rules trust; allowing IPIP or VXLAN packets from workloads lets pods tunnel around policy; chainInsertMode Append puts Calico's rules after other iptables rules that may accept first.",
    remediation:
      'kubectl patch felixconfiguration.crd.projectcalico.org default --type merge -p \'{"spec":{"defaultEndpointToHostAction":"Drop"}}\'\n# and remove workloadSourceSpoofing, allowIPIPPacketsFromWorkloads, allowVXLANPacketsFromWorkloads, chainInsertMode: Append\n# (calicoctl patch felixconfiguration default ... with the Calico API server)',
    references: [
      {
        title: 'Calico: Felix configuration',
        url: 'https://docs.tigera.io/calico/latest/reference/resources/felixconfig',
      },
    ],
  },
  // Azure resource evidence (azure/*.json): issue 13
  {
    id: 'aks-api-server-access',
    title: 'AKS API server not open to the internet',
    area: 'network',
    defaultSeverity: 'high',
    appliesTo: { platforms: ['aks'] },
    description:
      'A public AKS API server without limits can be reached, probed and brute-forced from anywhere. Passes when the cluster is private (`apiServerAccessProfile.enablePrivateCluster`) or authorized IP ranges are set and none of them is `0.0.0.0/0`; fails otherwise.',
    remediation:
      '`az aks update -g <resource-group> -n <cluster> --api-server-authorized-ip-ranges <cidr>,<cidr>` (your egress and admin networks), or create a private cluster (`az aks create ... --enable-private-cluster`, or `az aks update ... --enable-apiserver-vnet-integration` then `--enable-private-cluster`).',
    references: [
      {
        title: 'AKS: secure access to the API server using authorized IP ranges',
        url: 'https://learn.microsoft.com/azure/aks/api-server-authorized-ip-ranges',
      },
      {
        title: 'AKS: create a private cluster',
        url: 'https://learn.microsoft.com/azure/aks/private-clusters',
      },
    ],
  },
];
