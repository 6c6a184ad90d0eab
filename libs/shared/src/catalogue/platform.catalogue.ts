import type { CheckDefinition } from './types.js';

const SKEW = {
  title: 'Kubernetes: version skew policy',
  url: 'https://kubernetes.io/releases/version-skew-policy/',
};

/** Catalogue entries of the `platform` area, in display order. */
export const PLATFORM_CHECKS: CheckDefinition[] = [
  {
    id: 'k8s-version-supported',
    title: 'Kubernetes version inside its platform support window',
    area: 'platform',
    defaultSeverity: 'high',
    description:
      'An unsupported minor gets no security patches and no platform support. The window depends on the platform: AKS Arc supports the three minors of its newest release (N-2, e.g. release 2510 ships 1.32, 1.31 and 1.30), AKS in Azure supports each minor for about a year after GA, upstream Kubernetes patches a minor for about 14 months. The agent judges offline from a versioned support data document (it ships one; the hub imports newer ones and hands them to agents with their acks); every message names the data version and its age, data older than its documented limit (120 days) is a warning of its own, and so is AKS Arc release data older than 180 days; warns 60 days before the end.',
    remediation:
      'Upgrade to a supported minor, one minor at a time:\n- AKS Arc: `az aksarc get-versions --custom-location <cl>` then `az aksarc upgrade -g <rg> -n <cluster> --kubernetes-version <v>` (AKS on Azure Stack HCI 22H2/Windows Server: `Update-AksHciCluster -name <cluster> -kubernetesVersion <v>`)\n- AKS: `az aks get-upgrades -g <rg> -n <cluster>` then `az aks upgrade -g <rg> -n <cluster> --kubernetes-version <v>`\n- kubeadm: `kubeadm upgrade plan` then `kubeadm upgrade apply v<x.y.z>` on the first control-plane node.',
    references: [
      {
        title: 'AKS Arc: supported Kubernetes versions',
        url: 'https://learn.microsoft.com/azure/aks/aksarc/supported-kubernetes-versions',
      },
      {
        title: 'AKS: supported Kubernetes versions',
        url: 'https://learn.microsoft.com/azure/aks/supported-kubernetes-versions',
      },
      { title: 'Kubernetes releases and end-of-life dates', url: 'https://kubernetes.io/releases/' },
    ],
  },
  {
    id: 'k8s-patch-level',
    title: 'Kubernetes patch level of the control plane and node pools',
    area: 'platform',
    defaultSeverity: 'medium',
    description:
      "Patch releases are how a minor gets its CVE fixes: AKS publishes new patches for security fixes, and AKS Arc supports only the two newest patches of each minor it ships. A control plane or node pool behind the newest patch of its minor in the support data warns (higher when it is outside AKS Arc's two supported patches), with the upgrade command for its platform. The patch lists come from the versioned support data the agent holds (AKS: imported from `az aks get-versions`; AKS Arc: the patch versions of each release; upstream: the newest patch known); a minor with no patch list warns (low) naming the data to import.",
    remediation:
      'Upgrade to the newest patch of the same minor:\n- AKS: `az aks upgrade -g <rg> -n <cluster> --kubernetes-version <x.y.z> --control-plane-only`, then `az aks nodepool upgrade -g <rg> --cluster-name <cluster> -n <pool> --kubernetes-version <x.y.z>` (or let the `patch` auto-upgrade channel do it)\n- AKS Arc: `az aksarc get-versions --custom-location <cl>` then `az aksarc upgrade -g <rg> -n <cluster> --kubernetes-version <x.y.z>`\n- kubeadm: `kubeadm upgrade apply v<x.y.z>` on the first control-plane node, `kubeadm upgrade node` and the kubelet package on the others.\nRefresh the patch lists on the hub: `az aks get-versions --location <region> -o json > versions.json && watchpost-hub data import versions.json`.',
    references: [
      {
        title: 'AKS: supported Kubernetes versions (patch versions)',
        url: 'https://learn.microsoft.com/azure/aks/supported-kubernetes-versions',
      },
      {
        title: 'AKS Arc: supported Kubernetes versions (two patches per minor)',
        url: 'https://learn.microsoft.com/azure/aks/aksarc/supported-kubernetes-versions',
      },
      { title: 'Kubernetes: patch releases', url: 'https://kubernetes.io/releases/patch-releases/' },
    ],
  },
  {
    id: 'kubelet-version-skew',
    title: 'Kubelet / control-plane version skew',
    area: 'platform',
    defaultSeverity: 'medium',
    description:
      'A kubelet newer than kube-apiserver, or more than three minors older (two before 1.28), is outside the supported skew: API calls it relies on may be missing, and such nodes usually also miss security fixes. A node exactly at the limit warns, because the next control-plane upgrade breaks it.',
    remediation:
      'Upgrade the node pool or node to the control-plane minor: AKS `az aks nodepool upgrade -g <rg> --cluster-name <cluster> -n <pool> --kubernetes-version <v>`; AKS Arc `az aksarc nodepool upgrade ...` follows the cluster upgrade; kubeadm `kubeadm upgrade node`, then upgrade the kubelet package and `systemctl restart kubelet` on each drained node.',
    references: [
      SKEW,
      { title: 'AKS: upgrade a node pool', url: 'https://learn.microsoft.com/azure/aks/upgrade-aks-cluster' },
    ],
  },
  {
    id: 'node-reboot-required',
    title: 'Pending reboot after OS patches',
    area: 'platform',
    defaultSeverity: 'medium',
    description:
      "Kernel and library patches take effect only after a reboot. The agent reads the reboot-required flag on its host (`/var/run/reboot-required`, plus kured's configured sentinel) and, where kured is installed, its node lock and reboot-in-progress annotations; a reboot kured has held for more than two hours is reported as stuck. With neither host files nor kured it cannot tell and says so.",
    remediation:
      'Let kured reboot nodes safely (`helm install kured kubereboot/kured -n kube-system --set configuration.annotateNodes=true`), or drain and reboot by hand: `kubectl drain <node> --ignore-daemonsets --delete-emptydir-data && sudo systemctl reboot`, then `kubectl uncordon <node>`. On AKS, the `NodeImage` or `SecurityPatch` node OS upgrade channel patches without in-place reboots.',
    references: [
      {
        title: 'AKS: apply security and kernel updates to Linux nodes (kured)',
        url: 'https://learn.microsoft.com/azure/aks/node-updates-kured',
      },
      { title: 'kured configuration', url: 'https://kured.dev/docs/configuration/' },
    ],
  },
  {
    id: 'node-image-age',
    title: 'Node image age',
    area: 'platform',
    defaultSeverity: 'medium',
    description:
      'On AKS the node image carries the OS and its patches; an image older than the limit (`nodeImageMaxAgeDays`, default 90) means weeks of missed fixes unless nodes patch themselves in place. The age is read from the build date in the `kubernetes.azure.com/node-image-version` node label; nodes without such a label (AKS hybrid, kubeadm) are not applicable.',
    remediation:
      'Upgrade node images: `az aks nodepool upgrade -g <rg> --cluster-name <cluster> -n <pool> --node-image-only`, or set an automatic channel: `az aks update -g <rg> -n <cluster> --node-os-upgrade-channel NodeImage`.',
    references: [
      { title: 'AKS: upgrade node images', url: 'https://learn.microsoft.com/azure/aks/node-image-upgrade' },
      {
        title: 'AKS: auto-upgrade node OS images',
        url: 'https://learn.microsoft.com/azure/aks/auto-upgrade-node-os-image',
      },
    ],
  },
  {
    id: 'fleet-hub-no-workloads',
    title: 'No workloads on a Fleet hub cluster',
    area: 'platform',
    defaultSeverity: 'high',
    appliesTo: { roles: ['hub'] },
    description:
      'A Fleet Manager hub cluster holds the placement definitions for every member cluster; a workload running on it shares the control point of the whole fleet. Workload objects on the hub are templates for ClusterResourcePlacements and are fine; running pods outside the platform namespaces are not.',
    remediation:
      "Delete the pods' owners from the hub (`kubectl -n <ns> delete deployment <name>`) and deploy them to members with a `ClusterResourcePlacement` that selects the namespace.",
    references: [
      {
        title: 'Azure Kubernetes Fleet Manager: hub cluster',
        url: 'https://learn.microsoft.com/azure/kubernetes-fleet/concepts-choosing-fleet',
      },
      {
        title: 'Fleet: resource propagation',
        url: 'https://learn.microsoft.com/azure/kubernetes-fleet/concepts-resource-propagation',
      },
    ],
  },
  // Azure resource evidence (azure/*.json): issue 13
  {
    id: 'aks-auto-upgrade',
    title: 'AKS automatic upgrade channels',
    area: 'platform',
    defaultSeverity: 'medium',
    appliesTo: { platforms: ['aks'] },
    description:
      'AKS ships Kubernetes patch releases for CVEs and weekly node images with OS fixes; the auto-upgrade channels apply them without anyone remembering. Passes when `autoUpgradeProfile.upgradeChannel` (patch, stable, rapid, node-image) and `nodeOSUpgradeChannel` (NodeImage, SecurityPatch) are both set to something other than none / Unmanaged; otherwise warns and says what keeps nodes patched instead (a kured DaemonSet, whose reboots node-reboot-required judges).',
    remediation:
      '`az aks update -g <resource-group> -n <cluster> --auto-upgrade-channel patch --node-os-upgrade-channel NodeImage`, and a planned maintenance window: `az aks maintenanceconfiguration add -g <resource-group> --cluster-name <cluster> -n aksManagedAutoUpgradeSchedule --schedule-type Weekly --day-of-week Sunday --start-time 01:00 --duration 4`.',
    references: [
      {
        title: 'AKS: automatically upgrade a cluster',
        url: 'https://learn.microsoft.com/azure/aks/auto-upgrade-cluster',
      },
      {
        title: 'AKS: auto-upgrade node OS images',
        url: 'https://learn.microsoft.com/azure/aks/auto-upgrade-node-os-image',
      },
    ],
  },
  {
    id: 'defender-for-containers',
    title: 'Microsoft Defender for Containers enabled and running',
    area: 'platform',
    defaultSeverity: 'high',
    appliesTo: { platforms: ['aks', 'aks-hci', 'arc'] },
    description:
      'Defender for Containers detects runtime threats (crypto miners, reverse shells, access to the instance metadata endpoint) on the nodes. It needs both halves: enabled on the Azure resource (AKS `securityProfile.defender.securityMonitoring.enabled`; AKS hybrid and Arc: the `microsoft.azuredefender.kubernetes` extension provisioned) and its sensor DaemonSet (`microsoft-defender-collector-ds`) ready on every Linux node. Disabled fails; enabled but not running everywhere fails naming the nodes without a ready sensor.',
    remediation:
      "AKS: `az aks update -g <resource-group> -n <cluster> --enable-defender` (with the Defender for Containers plan on the subscription: `az security pricing create -n Containers --tier standard`). AKS hybrid / Arc: `az k8s-extension create -g <rg> -c <cluster> -t connectedClusters -n microsoft.azuredefender.kubernetes --extension-type microsoft.azuredefender.kubernetes`. Sensor not ready: `kubectl -n kube-system get ds microsoft-defender-collector-ds` (Arc: namespace mdc) and its pods' events.",
    references: [
      {
        title: 'Microsoft Defender for Containers: enable',
        url: 'https://learn.microsoft.com/azure/defender-for-cloud/defender-for-containers-enable',
      },
      {
        title: 'Defender for Containers architecture (sensor DaemonSet)',
        url: 'https://learn.microsoft.com/azure/defender-for-cloud/defender-for-containers-architecture',
      },
    ],
  },
  {
    id: 'fleet-hub-run-command-disabled',
    title: 'Fleet hub: run command disabled',
    area: 'platform',
    defaultSeverity: 'high',
    appliesTo: { platforms: ['aks'], roles: ['hub'] },
    description:
      '`az aks command invoke` runs kubectl inside a cluster for anyone with the ARM action, around API server network limits. The Fleet Manager hub holds the placements for every member cluster, so run command must be off there (`apiServerAccessProfile.disableRunCommand: true`).',
    remediation: '`az aks update -g <resource-group> -n <hub-cluster> --disable-run-command`.',
    references: [
      {
        title: 'AKS: use command invoke (and disable it)',
        url: 'https://learn.microsoft.com/azure/aks/access-private-cluster',
      },
      {
        title: 'Azure Kubernetes Fleet Manager: hub cluster',
        url: 'https://learn.microsoft.com/azure/kubernetes-fleet/concepts-choosing-fleet',
      },
    ],
  },
  {
    id: 'fleet-hub-azure-linux-nodes',
    title: 'Fleet hub: Azure Linux node pools',
    area: 'platform',
    defaultSeverity: 'medium',
    appliesTo: { platforms: ['aks'], roles: ['hub'] },
    description:
      "Fleet hub node pools should run Azure Linux (`osSKU: AzureLinux`, formerly CBLMariner): a minimal image maintained by Microsoft with fewer packages to patch. One result per agent pool from the managed cluster's `agentPoolProfiles`.",
    remediation:
      'Add an Azure Linux pool and remove the old one: `az aks nodepool add -g <resource-group> --cluster-name <hub-cluster> -n <pool> --os-sku AzureLinux`, then `az aks nodepool delete -g <resource-group> --cluster-name <hub-cluster> -n <old-pool>` (or migrate in place: `az aks nodepool update ... --os-sku AzureLinux` where supported).',
    references: [
      {
        title: 'Azure Linux container host for AKS',
        url: 'https://learn.microsoft.com/azure/azure-linux/intro-azure-linux',
      },
    ],
  },
  {
    id: 'fleet-hub-local-accounts-disabled',
    title: 'Fleet hub: local accounts disabled',
    area: 'platform',
    defaultSeverity: 'critical',
    appliesTo: { platforms: ['aks'], roles: ['hub'] },
    description:
      'A static admin credential on the Fleet hub reaches every member cluster through its placements. The same rule as aks-local-accounts-disabled (`disableLocalAccounts: true` only), at hub severity.',
    remediation: '`az aks update -g <resource-group> -n <hub-cluster> --disable-local-accounts`.',
    references: [
      {
        title: 'AKS: manage local accounts with Microsoft Entra integration',
        url: 'https://learn.microsoft.com/azure/aks/manage-local-accounts-managed-azure-ad',
      },
    ],
  },
];
