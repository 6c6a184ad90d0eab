import { kubeItems, type Evidence, type KubeObject } from '@watchpost/shared';

/** Workload kinds whose pod template checks evaluate, with the resource name and template path. */
export const WORKLOAD_SOURCES = [
  { resource: 'pods', kind: 'Pod' },
  { resource: 'deployments.apps', kind: 'Deployment' },
  { resource: 'statefulsets.apps', kind: 'StatefulSet' },
  { resource: 'daemonsets.apps', kind: 'DaemonSet' },
  { resource: 'replicasets.apps', kind: 'ReplicaSet' },
  { resource: 'jobs.batch', kind: 'Job' },
  { resource: 'cronjobs.batch', kind: 'CronJob' },
] as const;

/** The parts of a PodSpec checks read (kept loose: real objects carry many more fields). */
export interface PodSpec {
  nodeName?: string;
  serviceAccountName?: string;
  serviceAccount?: string;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  nodeSelector?: Record<string, string>;
  affinity?: Record<string, unknown>;
  securityContext?: Record<string, unknown>;
  containers?: ContainerSpec[];
  initContainers?: ContainerSpec[];
  ephemeralContainers?: ContainerSpec[];
  volumes?: Record<string, unknown>[];
  [key: string]: unknown;
}

/** The parts of a container checks read. */
export interface ContainerSpec {
  name: string;
  image?: string;
  securityContext?: Record<string, unknown>;
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  [key: string]: unknown;
}

/** A pod spec with where it came from: a pod, or the template of a workload. */
export interface PodSpecSource {
  kind: string;
  namespace: string;
  name: string;
  /** Labels of the pod (template labels for workloads). */
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: PodSpec;
  /** For pods: the controlling owner (`ReplicaSet/web-5d8f`), so checks can skip duplicates of templates. */
  ownedBy?: string;
  object: KubeObject;
}

function template(
  obj: KubeObject,
  kind: string,
): { metadata?: KubeObject['metadata']; spec?: PodSpec } | undefined {
  const spec = obj['spec'] as Record<string, unknown> | undefined;
  if (!spec) return undefined;
  // A pod is its own template (metadata and spec): no object made per pod to say so.
  if (kind === 'Pod') return obj;
  if (kind === 'CronJob') {
    const jobTemplate = spec['jobTemplate'] as
      { spec?: { template?: { metadata?: KubeObject['metadata']; spec?: PodSpec } } } | undefined;
    return jobTemplate?.spec?.template;
  }
  return spec['template'] as { metadata?: KubeObject['metadata']; spec?: PodSpec } | undefined;
}

/**
 * Every pod spec in the evidence: pods and the templates of Deployments, StatefulSets, DaemonSets,
 * ReplicaSets, Jobs and CronJobs. `missing` lists the workload resources that were not available
 * (so a check can report `error` instead of passing on nothing).
 */
export function podSpecs(evidence: Evidence): {
  sources: readonly PodSpecSource[];
  missing: readonly string[];
} {
  // A dozen checks (workload and gMSA) ask for the same list: build it once per scan; it is read-only.
  let cached = podSpecsCache.get(evidence);
  if (!cached) podSpecsCache.set(evidence, (cached = computePodSpecs(evidence)));
  return cached;
}

const podSpecsCache = new WeakMap<
  Evidence,
  { sources: readonly PodSpecSource[]; missing: readonly string[] }
>();

/**
 * What a pod spec without labels or annotations gets: one frozen object for all of them, not an empty object
 * each (10,000 pods without annotations kept 10,000 of them for the whole scan). Nothing writes to them.
 */
const NONE: Record<string, string> = Object.freeze({});

function computePodSpecs(evidence: Evidence): { sources: PodSpecSource[]; missing: string[] } {
  const sources: PodSpecSource[] = [];
  const missing: string[] = [];
  for (const { resource, kind } of WORKLOAD_SOURCES) {
    const list = kubeItems(evidence, resource);
    if (!list.ok) {
      if (!list.notInstalled) missing.push(list.reason);
      continue;
    }
    // Indexed: cold code, where a for-of allocates an iterator result per pod.
    const items = list.items;
    for (let i = 0; i < items.length; i++) {
      const obj = items[i];
      const t = template(obj, kind);
      if (!t?.spec) continue;
      const owner = ownerOf(obj.metadata.ownerReferences);
      const src: PodSpecSource = {
        kind,
        namespace: obj.metadata.namespace ?? 'default',
        name: obj.metadata.name,
        labels: t.metadata?.labels ?? NONE,
        annotations: t.metadata?.annotations ?? NONE,
        spec: t.spec,
        object: obj,
      };
      if (owner) src.ownedBy = `${owner.kind}/${owner.name}`;
      sources.push(src);
    }
  }
  return { sources, missing };
}

type OwnerRef = NonNullable<KubeObject['metadata']['ownerReferences']>[number];

/** The controlling owner reference, else the first (a loop: no callback made per pod). */
function ownerOf(refs: OwnerRef[] | undefined): OwnerRef | undefined {
  if (Array.isArray(refs)) {
    for (let i = 0; i < refs.length; i++) if (refs[i].controller) return refs[i];
    return refs[0];
  }
  // What is not a list is asked as before (and fails as it failed).
  const odd = refs as OwnerRef[] | undefined;
  return odd?.find((o) => o.controller) ?? odd?.[0];
}

/** All containers of a spec (init, regular, ephemeral) with their role. */
export function allContainers(
  spec: PodSpec,
): { container: ContainerSpec; role: 'init' | 'container' | 'ephemeral' }[] {
  const out: { container: ContainerSpec; role: 'init' | 'container' | 'ephemeral' }[] = [];
  for (const container of spec.initContainers ?? []) out.push({ container, role: 'init' });
  for (const container of spec.containers ?? []) out.push({ container, role: 'container' });
  for (const container of spec.ephemeralContainers ?? []) out.push({ container, role: 'ephemeral' });
  return out;
}

/**
 * Calls `f` for every container of a spec in `allContainers`' order (init, regular, ephemeral), without building
 * the list: checks walk 10,000 pods' containers, mostly in cold code, where a for-of over an array allocates an
 * iterator result per step. A list that is not an array is walked as `allContainers` walks it.
 */
export function forEachContainer(
  spec: PodSpec,
  f: (container: ContainerSpec, role: 'init' | 'container' | 'ephemeral') => void,
): void {
  // Each list read by its name (not spec[key] in a shared helper, a lookup that sees every key and shape), and
  // a missing one (most pods' init and ephemeral containers) costs nothing more.
  const init = spec.initContainers;
  if (init !== undefined) eachOf(init, 'init', f);
  const main = spec.containers;
  if (Array.isArray(main)) for (let i = 0; i < main.length; i++) f(main[i], 'container');
  else if (main !== undefined) eachOf(main, 'container', f);
  const ephemeral = spec.ephemeralContainers;
  if (ephemeral !== undefined) eachOf(ephemeral, 'ephemeral', f);
}

function eachOf(
  value: unknown,
  role: 'init' | 'container' | 'ephemeral',
  f: (container: ContainerSpec, role: 'init' | 'container' | 'ephemeral') => void,
): void {
  if (Array.isArray(value)) for (let i = 0; i < value.length; i++) f(value[i] as ContainerSpec, role);
  // What is not an array is walked as allContainers walks it (`?? []`: null is nothing; anything else that is
  // not iterable fails as it fails there).
  else if (value !== null) for (const container of value as Iterable<ContainerSpec>) f(container, role);
}

/** Whether `ownedBy` (`Kind/name`, its first slash at `slash`) names an owner of `kind`. */
function ownerKindIs(ownedBy: string, slash: number, kind: string): boolean {
  return slash === kind.length && ownedBy.startsWith(kind);
}

/**
 * Like `podSpecs`, but each pod spec is reported once, at the top-most object that was collected: a pod
 * whose controlling ReplicaSet/Job/StatefulSet/DaemonSet is in the evidence is skipped (the owner's template
 * is what an operator edits), and so is a ReplicaSet owned by a collected Deployment or a Job owned by a
 * collected CronJob. When the middle object was not collected (bundles often carry deployments but not
 * replicasets), a pod still folds into its Deployment when its ReplicaSet is named `<deployment>-<its
 * pod-template-hash label>`, and into its CronJob when its Job is named `<cronjob>-<digits>`: the names the
 * controllers generate. Bare pods, static pods (owned by a Node) and pods whose owner is unknown stay.
 * `skipped` counts what was folded into an owner.
 */
export function topLevelPodSpecs(evidence: Evidence): {
  readonly sources: readonly PodSpecSource[];
  readonly missing: readonly string[];
  readonly skipped: number;
  /** True when no two pod specs (folded or not) share kind, namespace and name: nothing is named twice. */
  readonly distinct: boolean;
} {
  // Asked by the workload checks, Pod Security and the annotation exemptions of one scan: folded once (read-only).
  let cached = topLevelCache.get(evidence);
  if (!cached) topLevelCache.set(evidence, (cached = computeTopLevel(evidence)));
  return cached;
}

const topLevelCache = new WeakMap<
  Evidence,
  { sources: readonly PodSpecSource[]; missing: readonly string[]; skipped: number; distinct: boolean }
>();

function computeTopLevel(evidence: Evidence): {
  sources: PodSpecSource[];
  missing: readonly string[];
  skipped: number;
  distinct: boolean;
} {
  const { sources, missing } = podSpecs(evidence);
  // Kind -> namespace -> names: a lookup per pod without building a key text for it (nor for owners of kinds
  // that were not collected at all, as bundles without ReplicaSets).
  const collected = new Map<string, Map<string, Set<string>>>();
  let distinct = true;
  for (let i = 0; i < sources.length; i++) {
    const s = sources[i];
    let byNs = collected.get(s.kind);
    if (!byNs) collected.set(s.kind, (byNs = new Map<string, Set<string>>()));
    const names = byNs.get(s.namespace);
    if (!names) byNs.set(s.namespace, new Set([s.name]));
    else if (names.has(s.name)) distinct = false;
    else names.add(s.name);
  }
  const has = (kind: string, ns: string, name: string): boolean =>
    collected.get(kind)?.get(ns)?.has(name) === true;
  const kinds = [...collected.keys()];
  const foldedIntoOwner = (s: PodSpecSource): boolean => {
    const by = s.ownedBy;
    if (!by) return false;
    const slash = by.indexOf('/');
    // The owner's kind is compared in place and its name cut out only when a rule can use it: most owners are
    // of a kind that was not collected (the ReplicaSets of bundles without them), and each pod made two texts.
    let name: string | undefined;
    for (let i = 0; i < kinds.length; i++)
      if (ownerKindIs(by, slash, kinds[i])) {
        if (has(kinds[i], s.namespace, (name = by.slice(slash + 1)))) return true;
        break;
      }
    if (s.kind !== 'Pod') return false;
    if (ownerKindIs(by, slash, 'ReplicaSet') && collected.has('Deployment')) {
      const hash = s.labels['pod-template-hash'];
      name ??= by.slice(slash + 1);
      return (
        !!hash &&
        name.endsWith(`-${hash}`) &&
        has('Deployment', s.namespace, name.slice(0, -(hash.length + 1)))
      );
    }
    const m =
      ownerKindIs(by, slash, 'Job') && collected.has('CronJob')
        ? /^(.+)-\d+$/.exec((name ??= by.slice(slash + 1)))
        : null;
    return m?.[1] !== undefined && has('CronJob', s.namespace, m[1]);
  };
  const top = sources.filter((s) => !foldedIntoOwner(s));
  return { sources: top, missing, skipped: sources.length - top.length, distinct };
}
