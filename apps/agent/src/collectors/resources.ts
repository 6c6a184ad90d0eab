/** One resource type a live scan LISTs: the key in `Evidence.kube` and the bundle file name. */
export interface ResourceSpec {
  /** Full resource name: `pods`, `networkpolicies.networking.k8s.io`. */
  resource: string;
  group: string;
  version: string;
  plural: string;
  /** Listed across all namespaces (`-A`) when namespaced. */
  namespaced: boolean;
  /** Served by a CRD or an aggregated API that may be absent: a 404 means "not installed", not an error. */
  optional?: boolean;
}

function r(
  group: string,
  version: string,
  plural: string,
  namespaced: boolean,
  optional = false,
): ResourceSpec {
  return { resource: group ? `${plural}.${group}` : plural, group, version, plural, namespaced, optional };
}

/** Everything the checks read. Keep in step with the areas' needs; the read-only ClusterRole in deploy/agent/base/rbac.yaml grants exactly these. */
export const RESOURCES: ResourceSpec[] = [
  r('', 'v1', 'namespaces', false),
  r('', 'v1', 'nodes', false),
  r('', 'v1', 'pods', true),
  r('', 'v1', 'services', true),
  r('', 'v1', 'endpoints', true),
  r('', 'v1', 'serviceaccounts', true),
  r('', 'v1', 'secrets', true),
  r('apps', 'v1', 'deployments', true),
  r('apps', 'v1', 'statefulsets', true),
  r('apps', 'v1', 'daemonsets', true),
  r('apps', 'v1', 'replicasets', true),
  r('batch', 'v1', 'jobs', true),
  r('batch', 'v1', 'cronjobs', true),
  r('discovery.k8s.io', 'v1', 'endpointslices', true),
  r('rbac.authorization.k8s.io', 'v1', 'roles', true),
  r('rbac.authorization.k8s.io', 'v1', 'rolebindings', true),
  r('rbac.authorization.k8s.io', 'v1', 'clusterroles', false),
  r('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', false),
  r('networking.k8s.io', 'v1', 'networkpolicies', true),
  r('admissionregistration.k8s.io', 'v1', 'mutatingwebhookconfigurations', false),
  r('admissionregistration.k8s.io', 'v1', 'validatingwebhookconfigurations', false),
  r('certificates.k8s.io', 'v1', 'certificatesigningrequests', false),
  r('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', false),
  r('windows.k8s.io', 'v1', 'gmsacredentialspecs', false, true),
  r('crd.projectcalico.org', 'v1', 'networkpolicies', true, true),
  r('crd.projectcalico.org', 'v1', 'globalnetworkpolicies', false, true),
  r('crd.projectcalico.org', 'v1', 'networksets', true, true),
  r('crd.projectcalico.org', 'v1', 'globalnetworksets', false, true),
  r('crd.projectcalico.org', 'v1', 'tiers', false, true),
  r('crd.projectcalico.org', 'v1', 'felixconfigurations', false, true),
  r('projectcalico.org', 'v3', 'networkpolicies', true, true),
  r('projectcalico.org', 'v3', 'globalnetworkpolicies', false, true),
  r('projectcalico.org', 'v3', 'networksets', true, true),
  r('projectcalico.org', 'v3', 'globalnetworksets', false, true),
  r('projectcalico.org', 'v3', 'tiers', false, true),
  // Admission policy and image signature verifiers (azure-policy-addon, image-signature-verification).
  r('templates.gatekeeper.sh', 'v1', 'constrainttemplates', false, true),
  r('kyverno.io', 'v1', 'clusterpolicies', false, true),
  r('kyverno.io', 'v1', 'policies', true, true),
  r('policy.sigstore.dev', 'v1beta1', 'clusterimagepolicies', false, true),
];

/**
 * Gatekeeper serves one constraint resource per ConstraintTemplate (`<lower-case kind>.constraints.gatekeeper.sh`),
 * so they cannot be listed up front: `constraintResources` derives them from the collected templates, and the
 * ClusterRole grants the whole group (`constraints.gatekeeper.sh/*`).
 */
export const CONSTRAINTS_GROUP = { group: 'constraints.gatekeeper.sh', version: 'v1beta1' } as const;

/** The constraint resources the collected ConstraintTemplates define. */
export function constraintResources(templates: readonly Record<string, unknown>[]): ResourceSpec[] {
  const kinds = new Set<string>();
  for (const t of templates) {
    const kind = (t['spec'] as { crd?: { spec?: { names?: { kind?: unknown } } } } | undefined)?.crd?.spec
      ?.names?.kind;
    if (typeof kind === 'string' && /^[A-Za-z0-9]+$/.test(kind)) kinds.add(kind.toLowerCase());
  }
  return [...kinds]
    .sort()
    .map((plural) => r(CONSTRAINTS_GROUP.group, CONSTRAINTS_GROUP.version, plural, false, true));
}

/** URL path of a cluster-wide LIST of the resource. */
export function listPath(spec: ResourceSpec): string {
  return spec.group
    ? `/apis/${spec.group}/${spec.version}/${spec.plural}`
    : `/api/${spec.version}/${spec.plural}`;
}
