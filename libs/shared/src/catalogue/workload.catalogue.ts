import type { CheckDefinition } from './types.js';

const PSS = {
  title: 'Kubernetes: Pod Security Standards',
  url: 'https://kubernetes.io/docs/concepts/security/pod-security-standards/',
};
const AKS_POD_SECURITY = {
  title: 'AKS: best practices for pod security',
  url: 'https://learn.microsoft.com/azure/aks/developer-best-practices-pod-security',
};
const SECURITY_CONTEXT = {
  title: 'Kubernetes: configure a security context for a pod or container',
  url: 'https://kubernetes.io/docs/tasks/configure-pod-container/security-context/',
};

/**
 * Catalogue entries of the `workload` area, in display order. Every check looks at pods and at the pod
 * templates of Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs and CronJobs, each pod spec once at
 * its top-most collected owner; findings in platform-managed namespaces are reported `not_applicable`.
 */
export const WORKLOAD_CHECKS: CheckDefinition[] = [
  {
    id: 'pod-privileged',
    title: 'Privileged containers',
    area: 'workload',
    defaultSeverity: 'critical',
    description:
      'A privileged container gets every Linux capability and all host devices, and runs without seccomp or AppArmor confinement: escaping to the node is trivial, and from the node to the cluster (kubelet credentials) one step further.',
    remediation:
      'Remove `privileged: true` from the container securityContext and grant only the capabilities it needs:\n```yaml\nsecurityContext:\n  privileged: false\n  capabilities:\n    drop: ["ALL"]\n```\nEnforce it with `kubectl label namespace <ns> pod-security.kubernetes.io/enforce=baseline`.',
    references: [
      {
        title: 'CIS Kubernetes Benchmark 5.2.2: minimize the admission of privileged containers',
        cis: '5.2.2',
      },
      PSS,
      AKS_POD_SECURITY,
    ],
  },
  {
    id: 'pod-privilege-escalation',
    title: 'Privilege escalation allowed',
    area: 'workload',
    defaultSeverity: 'medium',
    description:
      'Unless `allowPrivilegeEscalation` is false, the kernel lets a process gain more privileges than its parent (setuid binaries, file capabilities). The default is true, so a container that does not say otherwise allows it.',
    remediation:
      'Set it on every container:\n```yaml\nsecurityContext:\n  allowPrivilegeEscalation: false\n```',
    references: [
      {
        title:
          'CIS Kubernetes Benchmark 5.2.6: minimize the admission of containers with allowPrivilegeEscalation',
        cis: '5.2.6',
      },
      PSS,
      SECURITY_CONTEXT,
    ],
  },
  {
    id: 'pod-run-as-root',
    title: 'Containers running as root',
    area: 'workload',
    defaultSeverity: 'medium',
    description:
      'A process running as uid 0 is root on the node the moment anything lets it out of the container (a kernel bug, a hostPath mount, a misconfigured volume). The container setting overrides the pod setting; when neither forces a non-root user, the image decides, and many images default to root.',
    remediation:
      'Run as an unprivileged user and let the kubelet refuse root:\n```yaml\nspec:\n  securityContext:\n    runAsNonRoot: true\n    runAsUser: 10001\n```\nRemove any container-level `runAsUser: 0` that overrides it.',
    references: [
      { title: 'CIS Kubernetes Benchmark 5.2.7: minimize the admission of root containers', cis: '5.2.7' },
      PSS,
      SECURITY_CONTEXT,
    ],
  },
  {
    id: 'pod-host-namespaces',
    title: 'Host network, PID or IPC namespace shared',
    area: 'workload',
    defaultSeverity: 'high',
    description:
      'hostNetwork lets a pod bind to node ports, sniff node traffic and reach node-local services such as the kubelet and the instance metadata endpoint without any network policy applying; hostPID lets it see and signal every process on the node; hostIPC lets it read host shared memory.',
    remediation:
      'Remove `hostNetwork: true`, `hostPID: true` and `hostIPC: true` from the pod spec; expose ports through a Service instead of the host network.',
    references: [
      {
        title:
          'CIS Kubernetes Benchmark 5.2.3: minimize the admission of containers wishing to share the host PID namespace',
        cis: '5.2.3',
      },
      { title: 'CIS Kubernetes Benchmark 5.2.4: host IPC namespace', cis: '5.2.4' },
      { title: 'CIS Kubernetes Benchmark 5.2.5: host network namespace', cis: '5.2.5' },
      PSS,
    ],
  },
  {
    id: 'pod-host-path',
    title: 'hostPath volumes',
    area: 'workload',
    defaultSeverity: 'high',
    description:
      'A hostPath volume hands a piece of the node to the container: read-write mounts let it change the node, and mounts of runtime sockets, /etc/kubernetes or /var/lib/kubelet expose credentials that own the node or the cluster even read-only. Sensitive paths mounted read-write are critical; other read-only mounts only warn.',
    remediation:
      'Use an emptyDir, a ConfigMap/Secret or a PersistentVolumeClaim instead. If a node agent truly needs the host, mount the narrowest path read-only:\n```yaml\nvolumeMounts:\n  - name: logs\n    mountPath: /host/var/log\n    readOnly: true\n```',
    references: [
      { title: 'CIS Kubernetes Benchmark 5.2.12: minimize the admission of HostPath volumes', cis: '5.2.12' },
      PSS,
    ],
  },
  {
    id: 'pod-added-capabilities',
    title: 'Added Linux capabilities',
    area: 'workload',
    defaultSeverity: 'high',
    description:
      'Capabilities such as SYS_ADMIN, NET_ADMIN, NET_RAW or SYS_PTRACE give a container kernel powers it rarely needs. Adding anything outside the baseline set fails; baseline capabilities other than NET_BIND_SERVICE warn (the restricted profile forbids them).',
    remediation:
      'Drop everything and add back only what is needed:\n```yaml\nsecurityContext:\n  capabilities:\n    drop: ["ALL"]\n    add: ["NET_BIND_SERVICE"]\n```',
    references: [
      {
        title: 'CIS Kubernetes Benchmark 5.2.9: minimize the admission of containers with added capabilities',
        cis: '5.2.9',
      },
      {
        title:
          'CIS Kubernetes Benchmark 5.2.8: minimize the admission of containers with the NET_RAW capability',
        cis: '5.2.8',
      },
      PSS,
    ],
  },
  {
    id: 'pod-seccomp-profile',
    title: 'No seccomp profile',
    area: 'workload',
    defaultSeverity: 'medium',
    description:
      'Without a seccomp profile a container can make every system call the kernel offers, which is where most container escapes start. The kubelet applies RuntimeDefault by itself only when its `seccompDefault` setting is on, and never to privileged containers. Profiles set only through the deprecated `seccomp.security.alpha.kubernetes.io` annotations warn.',
    remediation:
      'Set the runtime default at pod level:\n```yaml\nspec:\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\n```',
    references: [
      {
        title:
          'CIS Kubernetes Benchmark 5.7.2: ensure that the seccomp profile is set to docker/default in your pod definitions',
        cis: '5.7.2',
      },
      {
        title: "Kubernetes: restrict a container's syscalls with seccomp",
        url: 'https://kubernetes.io/docs/tutorials/security/seccomp/',
      },
      {
        title: 'AKS: security container access to resources',
        url: 'https://learn.microsoft.com/azure/aks/secure-container-access',
      },
    ],
  },
  {
    id: 'pod-apparmor-profile',
    title: 'AppArmor unconfined',
    area: 'workload',
    defaultSeverity: 'low',
    description:
      'AppArmor limits which files, mounts and capabilities a container may use. When no profile is set the container runtime applies its default profile on AppArmor-enabled nodes (AKS Ubuntu nodes), so this check fails only where the effective profile is Unconfined: set explicitly (field or the `container.apparmor.security.beta.kubernetes.io` annotation) or because the container is privileged.',
    remediation:
      'Remove `Unconfined` and use the runtime default (or a Localhost profile loaded on every node):\n```yaml\nsecurityContext:\n  appArmorProfile:\n    type: RuntimeDefault\n```',
    references: [
      {
        title: "Kubernetes: restrict a container's access to resources with AppArmor",
        url: 'https://kubernetes.io/docs/tutorials/security/apparmor/',
      },
      {
        title: 'AKS: security container access to resources',
        url: 'https://learn.microsoft.com/azure/aks/secure-container-access',
      },
      PSS,
    ],
  },
  {
    id: 'pod-windows-hostprocess',
    title: 'Windows HostProcess containers',
    area: 'workload',
    defaultSeverity: 'high',
    description:
      'A Windows HostProcess container is not isolated at all: it runs as a process on the node (often as NT AUTHORITY\\SYSTEM) with the host network and file system. It is the Windows counterpart of a privileged container and belongs only to node agents the platform ships.',
    remediation:
      'Remove `securityContext.windowsOptions.hostProcess: true` (and `hostNetwork: true`) from the pod and run the workload as an ordinary Windows container; keep HostProcess for platform-managed node agents only.',
    references: [
      {
        title: 'CIS Kubernetes Benchmark 5.2.11: minimize the admission of Windows HostProcess containers',
        cis: '5.2.11',
      },
      {
        title: 'Kubernetes: create a Windows HostProcess pod',
        url: 'https://kubernetes.io/docs/tasks/configure-pod-container/create-hostprocess-pod/',
      },
      PSS,
    ],
  },
  {
    id: 'namespace-pod-security-labels',
    title: 'Namespaces without Pod Security Admission',
    area: 'workload',
    defaultSeverity: 'medium',
    description:
      'Pod Security Admission, built into every supported Kubernetes version, refuses pods that break the Pod Security Standards, but only in namespaces labelled to enforce a level. An unlabelled namespace (or one that only warns or audits) admits privileged pods from anyone allowed to create pods there.',
    remediation:
      'Enforce at least baseline, and warn on restricted while you get there:\n```sh\nkubectl label --overwrite namespace <ns> \\\n  pod-security.kubernetes.io/enforce=baseline \\\n  pod-security.kubernetes.io/warn=restricted\n```',
    references: [
      {
        title:
          'CIS Kubernetes Benchmark 5.2.1: ensure that the cluster has at least one active policy control mechanism in place',
        cis: '5.2.1',
      },
      {
        title: 'Kubernetes: enforce Pod Security Standards with namespace labels',
        url: 'https://kubernetes.io/docs/tasks/configure-pod-container/enforce-standards-namespace-labels/',
      },
      { title: 'AKS: use Pod Security Admission', url: 'https://learn.microsoft.com/azure/aks/use-psa' },
    ],
  },
  {
    id: 'pod-security-level',
    title: 'Pod Security Standards level of each workload',
    area: 'workload',
    defaultSeverity: 'high',
    description:
      'Answers "which workloads would a `restricted` (or `baseline`) namespace reject?": every pod and pod template gets the highest Pod Security Standards level it satisfies, decided by every control of the upstream Pod Security Admission policy v1.35 (host namespaces, privileged, capabilities, hostPath, host ports, AppArmor, SELinux, /proc mount, seccomp, sysctls, HostProcess, probe hosts; and for restricted: volume types, privilege escalation, non-root, seccomp, dropped capabilities), with the failing controls named. A workload that its namespace\'s `enforce` level would reject fails (its next rollout or restart will not start); one that breaks the `warn` or `audit` level warns; a privileged-only workload in a namespace that enforces nothing warns.',
    remediation:
      'Fix the controls named in the finding (the restricted profile in one place):\n```yaml\nspec:\n  securityContext:\n    runAsNonRoot: true\n    seccompProfile:\n      type: RuntimeDefault\n  containers:\n    - name: app\n      securityContext:\n        allowPrivilegeEscalation: false\n        capabilities:\n          drop: ["ALL"]\n```\nThen see what a stricter level would refuse before enforcing it:\n```sh\nkubectl label --dry-run=server --overwrite namespace <ns> pod-security.kubernetes.io/enforce=restricted\n```',
    references: [
      PSS,
      {
        title: 'Kubernetes: Pod Security Admission',
        url: 'https://kubernetes.io/docs/concepts/security/pod-security-admission/',
      },
      {
        title: 'k8s.io/pod-security-admission policy checks (upstream source)',
        url: 'https://github.com/kubernetes/kubernetes/tree/release-1.35/staging/src/k8s.io/pod-security-admission/policy',
      },
      { title: 'AKS: use Pod Security Admission', url: 'https://learn.microsoft.com/azure/aks/use-psa' },
    ],
  },
  // Azure resource evidence (azure/*.json): issue 13
  {
    id: 'azure-policy-addon',
    title: 'Azure Policy for Kubernetes enforced',
    area: 'workload',
    defaultSeverity: 'medium',
    appliesTo: { platforms: ['aks', 'aks-hci', 'arc'] },
    description:
      "Azure Policy for Kubernetes turns fleet-wide policy assignments (baseline pod security, allowed images, no privileged containers) into Gatekeeper constraints. It counts only when it is on (AKS `addonProfiles.azurepolicy.enabled`, or the Arc extension `microsoft.policyinsights` on AKS hybrid and Arc) AND Gatekeeper (gatekeeper-system controller and audit Deployments) is running. The constraints' audit results (`status.totalViolations`) are reported as evidence.",
    remediation:
      'AKS: `az aks enable-addons -a azure-policy -g <resource-group> -n <cluster>`. AKS hybrid / Arc: `az k8s-extension create -g <rg> -c <cluster> -t connectedClusters -n azurepolicy --extension-type microsoft.policyinsights`. Unhealthy Gatekeeper: `kubectl -n gatekeeper-system get deploy,pods` and `kubectl -n gatekeeper-system logs deploy/gatekeeper-controller`.',
    references: [
      {
        title: 'Azure Policy for Kubernetes',
        url: 'https://learn.microsoft.com/azure/governance/policy/concepts/policy-for-kubernetes',
      },
      {
        title: 'Gatekeeper: audit',
        url: 'https://open-policy-agent.github.io/gatekeeper/website/docs/audit',
      },
    ],
  },
  {
    id: 'image-signature-verification',
    title: 'Image signatures verified at admission',
    area: 'workload',
    defaultSeverity: 'medium',
    description:
      'Only images signed by your build pipeline should run. The check looks for an admission verifier and whether it enforces: Ratify with its Gatekeeper constraint (kind RatifyVerification, `enforcementAction` deny), Kyverno `verifyImages` rules (`failureAction`/`validationFailureAction` Enforce), the Sigstore policy-controller (ClusterImagePolicy `mode: enforce` in namespaces labelled `policy.sigstore.dev/include=true`) or Connaisseur (its mutating webhook, failing closed). Enforcing passes, audit or warn only warns, none fails.',
    remediation:
      "AKS: sign images with Notation and verify them with Ratify and Azure Policy (`az aks update -g <rg> -n <cluster> --enable-image-integrity` where available, or install Ratify with Gatekeeper and set the RatifyVerification constraint's `enforcementAction: deny`). Kyverno: set `failureAction: Enforce` on the `verifyImages` rules. Sigstore: `kubectl label namespace <ns> policy.sigstore.dev/include=true`.",
    references: [
      {
        title: 'AKS: verify container image signatures (Ratify, Notation)',
        url: 'https://learn.microsoft.com/azure/aks/image-integrity',
      },
      { title: 'Kyverno: verify images', url: 'https://kyverno.io/docs/writing-policies/verify-images/' },
      { title: 'Sigstore policy-controller', url: 'https://docs.sigstore.dev/policy-controller/overview/' },
    ],
  },
  {
    id: 'image-provenance',
    title: 'Images from allowed registries, pinned by digest',
    area: 'workload',
    defaultSeverity: 'medium',
    description:
      "An image from a registry you do not control runs whatever its owner pushes; a tag can be moved to new content after review. Per workload, images from registries outside the allow-list fail and images referenced by tag instead of `@sha256:` digest warn. The allow-list is agent configuration (`imageProvenance.allowedRegistries`: hosts, `*.domain`, or `host/path` prefixes); by default it is the Azure Container Registries the cluster's pods already pull from plus `mcr.microsoft.com`. Platform namespaces are reported but exempt.",
    remediation:
      'Import images into your registry: `az acr import -n <acr> --source docker.io/library/nginx:1.27 --image nginx:1.27`, deploy them by digest (`<acr>.azurecr.io/nginx@sha256:<digest>`, from `az acr repository show -n <acr> --image nginx:1.27 --query digest`), and list allowed registries in the agent config (`imageProvenance: { allowedRegistries: [<acr>.azurecr.io, mcr.microsoft.com] }`).',
    references: [
      {
        title: 'AKS: container image management and security',
        url: 'https://learn.microsoft.com/azure/aks/operator-best-practices-container-image-management',
      },
      {
        title: 'Azure Policy: Kubernetes cluster containers should only use allowed images',
        url: 'https://learn.microsoft.com/azure/governance/policy/samples/built-in-policies#kubernetes',
      },
    ],
  },
];
