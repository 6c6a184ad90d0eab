import type { KubeObject } from '@watchpost/shared';
import type { ContainerSpec, PodSpec, PodSpecSource } from './pod-specs.js';

/**
 * The effective security context of one container: what the kubelet applies once container-level fields
 * override pod-level ones (runAsUser, runAsGroup, runAsNonRoot, seccompProfile, appArmorProfile,
 * windowsOptions) and legacy annotations fill in where no field is set. Every value remembers where it
 * came from, so messages can say "runAsUser 0 (pod securityContext)".
 */

/** Where a setting came from. */
export type SettingSource = 'container' | 'pod' | 'container-annotation' | 'pod-annotation' | 'status';

/** A value and the place it was read. */
export interface Sourced<T> {
  value: T;
  source: SettingSource;
}

/** A seccomp or AppArmor profile as the kubelet sees it. */
export interface EffectiveProfile {
  /** `RuntimeDefault`, `Localhost`, `Unconfined` (other strings are kept as written). */
  type: string;
  localhostProfile?: string;
  source: SettingSource;
}

/** Operating system a pod runs on, and how we know. */
export interface PodOs {
  os: 'linux' | 'windows';
  /** `spec.os.name`, `nodeSelector`, `node affinity`, `hostProcess`, `node label`, or `default` (nothing said otherwise). */
  reason: string;
}

/** Effective settings of one container. */
export interface EffectiveSecurityContext {
  privileged: boolean;
  /** As written on the container; undefined means "not set" (the kernel default is to allow escalation). */
  allowPrivilegeEscalation?: boolean;
  runAsUser?: Sourced<number>;
  runAsGroup?: Sourced<number>;
  runAsNonRoot?: Sourced<boolean>;
  seccomp?: EffectiveProfile;
  appArmor?: EffectiveProfile;
  capabilitiesAdd: string[];
  capabilitiesDrop: string[];
  hostProcess?: Sourced<boolean>;
  /** Windows user name (`windowsOptions.runAsUserName`), container over pod. */
  windowsRunAsUserName?: Sourced<string>;
}

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function bool(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function pick<T>(
  container: Obj | undefined,
  pod: Obj | undefined,
  read: (sc: Obj) => T | undefined,
): Sourced<T> | undefined {
  const c = container ? read(container) : undefined;
  if (c !== undefined) return { value: c, source: 'container' };
  const p = pod ? read(pod) : undefined;
  if (p !== undefined) return { value: p, source: 'pod' };
  return undefined;
}

function profileField(v: unknown, source: SettingSource): EffectiveProfile | undefined {
  const o = obj(v);
  const type = str(o?.['type']);
  if (!o || !type) return undefined;
  const p: EffectiveProfile = { type, source };
  const local = str(o['localhostProfile']);
  if (local) p.localhostProfile = local;
  return p;
}

/**
 * Legacy annotation values (`runtime/default`, `docker/default`, `localhost/<p>`, `unconfined`) mapped to
 * the field's types, so one comparison serves both.
 */
export function profileFromAnnotation(value: string, source: SettingSource): EffectiveProfile {
  if (value === 'runtime/default' || value === 'docker/default') return { type: 'RuntimeDefault', source };
  if (value === 'unconfined') return { type: 'Unconfined', source };
  if (value.startsWith('localhost/'))
    return { type: 'Localhost', localhostProfile: value.slice('localhost/'.length), source };
  return { type: value, source };
}

/** Legacy seccomp annotations (deprecated since v1.19). */
export const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
/** Per-container legacy seccomp annotation prefix. */
export const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';
/** Per-container legacy AppArmor annotation prefix (deprecated by the `appArmorProfile` field, GA in v1.30). */
export const APPARMOR_CONTAINER_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

/**
 * Effective settings of `container` in a pod with spec `spec` and annotations `annotations`.
 * Precedence, as the kubelet applies it:
 * - runAsUser / runAsGroup / runAsNonRoot / windowsOptions: container field, else pod field.
 * - seccomp: container field, pod field, container annotation, pod annotation (fields win over the
 *   deprecated annotations; the API server copied annotations into fields when both eras overlapped).
 * - AppArmor: container field, container annotation, pod field (the annotation is per container, so it is
 *   container-level and beats the pod-wide field).
 * - privileged / allowPrivilegeEscalation / capabilities exist only on containers.
 */
export function effectiveSecurityContext(
  spec: PodSpec,
  annotations: Record<string, string>,
  container: ContainerSpec,
): EffectiveSecurityContext {
  const pod = obj(spec.securityContext);
  const c = obj(container.securityContext);
  const caps = obj(c?.['capabilities']);
  const list = (v: unknown): string[] =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

  const out: EffectiveSecurityContext = {
    privileged: bool(c?.['privileged']) === true,
    capabilitiesAdd: list(caps?.['add']),
    capabilitiesDrop: list(caps?.['drop']),
  };
  const ape = bool(c?.['allowPrivilegeEscalation']);
  if (ape !== undefined) out.allowPrivilegeEscalation = ape;

  const runAsUser = pick(c, pod, (sc) => num(sc['runAsUser']));
  if (runAsUser) out.runAsUser = runAsUser;
  const runAsGroup = pick(c, pod, (sc) => num(sc['runAsGroup']));
  if (runAsGroup) out.runAsGroup = runAsGroup;
  const runAsNonRoot = pick(c, pod, (sc) => bool(sc['runAsNonRoot']));
  if (runAsNonRoot) out.runAsNonRoot = runAsNonRoot;
  const hostProcess = pick(c, pod, (sc) => bool(obj(sc['windowsOptions'])?.['hostProcess']));
  if (hostProcess) out.hostProcess = hostProcess;
  const winUser = pick(c, pod, (sc) => str(obj(sc['windowsOptions'])?.['runAsUserName']));
  if (winUser) out.windowsRunAsUserName = winUser;

  const seccomp =
    profileField(c?.['seccompProfile'], 'container') ??
    profileField(pod?.['seccompProfile'], 'pod') ??
    annotationProfile(
      annotations[SECCOMP_CONTAINER_ANNOTATION_PREFIX + container.name],
      'container-annotation',
    ) ??
    annotationProfile(annotations[SECCOMP_POD_ANNOTATION], 'pod-annotation');
  if (seccomp) out.seccomp = seccomp;

  const appArmor =
    profileField(c?.['appArmorProfile'], 'container') ??
    annotationProfile(
      annotations[APPARMOR_CONTAINER_ANNOTATION_PREFIX + container.name],
      'container-annotation',
    ) ??
    profileField(pod?.['appArmorProfile'], 'pod');
  if (appArmor) out.appArmor = appArmor;
  return out;
}

/**
 * A text that is equal for two containers exactly when `effectiveSecurityContext` reads equal inputs for them:
 * the pod and container `securityContext` and the legacy seccomp and AppArmor annotations that can name the
 * container. The container's name only selects annotations, so containers of different names share a key when
 * no annotation names them. Replicas of one template have equal keys, so a scan can compute (and keep) one
 * effective context per distinct key instead of one per container. A setting `effectiveSecurityContext` starts
 * reading must be added here.
 */
export function effectiveSecurityContextKey(
  spec: PodSpec,
  annotations: Record<string, string>,
  container: ContainerSpec,
): string {
  // Most pods carry no annotation at all: then no annotation name is built per container (and looked up).
  const annotated = anyKey(annotations);
  return JSON.stringify([
    spec.securityContext ?? null,
    container.securityContext ?? null,
    annotated ? (annotations[SECCOMP_CONTAINER_ANNOTATION_PREFIX + container.name] ?? null) : null,
    annotated ? (annotations[SECCOMP_POD_ANNOTATION] ?? null) : null,
    annotated ? (annotations[APPARMOR_CONTAINER_ANNOTATION_PREFIX + container.name] ?? null) : null,
  ]);
}

/**
 * Whether no legacy annotation `effectiveSecurityContext` reads for this container is set: then its inputs, and
 * `effectiveSecurityContextKey`, are the pod's and the container's `securityContext` alone.
 */
export function noProfileAnnotation(annotations: Record<string, string>, container: ContainerSpec): boolean {
  return (
    !anyKey(annotations) ||
    ((annotations[SECCOMP_CONTAINER_ANNOTATION_PREFIX + container.name] ?? null) === null &&
      (annotations[SECCOMP_POD_ANNOTATION] ?? null) === null &&
      (annotations[APPARMOR_CONTAINER_ANNOTATION_PREFIX + container.name] ?? null) === null)
  );
}

/** Whether a lookup by name could find anything: some enumerable key (own or inherited), as `in` would. */
function anyKey(o: object): boolean {
  for (const _k in o) return true;
  return false;
}

function annotationProfile(value: string | undefined, source: SettingSource): EffectiveProfile | undefined {
  return value ? profileFromAnnotation(value, source) : undefined;
}

const OS_LABELS = ['kubernetes.io/os', 'beta.kubernetes.io/os'];

/**
 * Which OS a pod (or template) targets. Windows when `spec.os.name` says so, when its node selector or
 * required node affinity pins it to Windows nodes, when it asks for HostProcess (Windows only), or when it is
 * already scheduled on a node labelled Windows. Everything else is Linux, the Kubernetes default.
 */
export function podOs(src: Pick<PodSpecSource, 'spec'>, nodes?: ReadonlyMap<string, KubeObject>): PodOs {
  const spec = src.spec;
  const osName = str(obj(spec['os'])?.['name']);
  if (osName === 'windows' || osName === 'linux') return { os: osName, reason: 'spec.os.name' };
  for (const label of OS_LABELS) {
    const v = spec.nodeSelector?.[label];
    if (v === 'windows' || v === 'linux') return { os: v, reason: `nodeSelector ${label}` };
  }
  const affinityOs = requiredAffinityOs(spec);
  if (affinityOs) return { os: affinityOs, reason: 'node affinity' };
  const hp = bool(obj(obj(spec.securityContext)?.['windowsOptions'])?.['hostProcess']);
  if (hp === true || anyHostProcess(spec.containers) || anyHostProcess(spec.initContainers))
    return { os: 'windows', reason: 'hostProcess' };
  if (spec.nodeName && nodes) {
    // Pods on one node share its answer (read-only): no reason text built per pod.
    let byNode = nodeOsCache.get(nodes);
    if (!byNode) nodeOsCache.set(nodes, (byNode = new Map<string, PodOs>()));
    let os = byNode.get(spec.nodeName);
    if (!os) byNode.set(spec.nodeName, (os = nodeOs(spec.nodeName, nodes)));
    return os;
  }
  return { os: 'linux', reason: 'default' };
}

const nodeOsCache = new WeakMap<ReadonlyMap<string, KubeObject>, Map<string, PodOs>>();

function nodeOs(nodeName: string, nodes: ReadonlyMap<string, KubeObject>): PodOs {
  const labels = nodes.get(nodeName)?.metadata.labels ?? {};
  for (const label of OS_LABELS) {
    const v = labels[label];
    if (v === 'windows' || v === 'linux') return { os: v, reason: `node ${nodeName} label ${label}` };
  }
  return { os: 'linux', reason: 'default' };
}

function anyHostProcess(list: readonly ContainerSpec[] | undefined): boolean {
  if (!list) return false;
  for (const c of list)
    if (bool(obj(obj(c.securityContext)?.['windowsOptions'])?.['hostProcess']) === true) return true;
  return false;
}

/** OS that every required node-affinity term pins the pod to, if they all agree on a single one. */
function requiredAffinityOs(spec: PodSpec): 'linux' | 'windows' | undefined {
  const required = obj(
    obj(obj(spec.affinity)?.['nodeAffinity'])?.['requiredDuringSchedulingIgnoredDuringExecution'],
  );
  const terms = required?.['nodeSelectorTerms'];
  if (!Array.isArray(terms) || terms.length === 0) return undefined;
  let found: 'linux' | 'windows' | undefined;
  for (const term of terms) {
    const exprs = obj(term)?.['matchExpressions'];
    if (!Array.isArray(exprs)) return undefined;
    let termOs: 'linux' | 'windows' | undefined;
    for (const e of exprs as unknown[]) {
      const ex = obj(e);
      const key = str(ex?.['key']);
      const values = ex?.['values'];
      if (!key || !OS_LABELS.includes(key) || ex?.['operator'] !== 'In' || !Array.isArray(values)) continue;
      const only: unknown = values.length === 1 ? values[0] : undefined;
      if (only === 'windows' || only === 'linux') termOs = only;
    }
    // Terms are ORed: the pod is pinned only if every term pins it to the same OS.
    if (!termOs || (found && found !== termOs)) return undefined;
    found = termOs;
  }
  return found;
}

/** Actual uid the runtime reported for a running container (`status.containerStatuses[].user.linux.uid`, v1.31+). */
export function reportedUid(pod: KubeObject, containerName: string): number | undefined {
  const status = obj(pod['status']);
  if (!status) return undefined;
  for (const key of ['initContainerStatuses', 'containerStatuses', 'ephemeralContainerStatuses']) {
    const list = status[key];
    if (!Array.isArray(list)) continue;
    for (const s of list) {
      const so = obj(s);
      if (so?.['name'] !== containerName) continue;
      const uid = num(obj(obj(so['user'])?.['linux'])?.['uid']);
      if (uid !== undefined) return uid;
    }
  }
  return undefined;
}

/** Human wording of a setting source for messages. */
export function describeSource(source: SettingSource): string {
  switch (source) {
    case 'container':
      return 'container securityContext';
    case 'pod':
      return 'pod securityContext';
    case 'container-annotation':
      return 'legacy container annotation';
    case 'pod-annotation':
      return 'legacy pod annotation';
    case 'status':
      return 'container status';
  }
}
