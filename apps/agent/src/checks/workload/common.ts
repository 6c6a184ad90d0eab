import { kubeItems, type KubeObject, type ResourceRef } from '@watchpost/shared';
import type { Check, CheckContext, CheckFinding, FindingSink, Verdict } from '../check.js';
import {
  forEachContainer,
  topLevelPodSpecs,
  type ContainerSpec,
  type PodSpecSource,
} from '../lib/pod-specs.js';
import {
  effectiveSecurityContext,
  effectiveSecurityContextKey,
  noProfileAnnotation,
  podOs,
  type EffectiveSecurityContext,
  type PodOs,
} from '../lib/security-context.js';
import { isSystemNamespace } from './system-namespaces.js';

/** One pod spec in scope of the workload checks, with what every check needs to know about it. */
export interface WorkloadItem {
  src: PodSpecSource;
  resource: ResourceRef;
  os: PodOs;
  /** True when the namespace is platform-managed (see system-namespaces.ts). */
  system: boolean;
}

/** One container of a workload with its effective security context. */
export interface ContainerItem extends WorkloadItem {
  container: ContainerSpec;
  role: 'init' | 'container' | 'ephemeral';
  sc: EffectiveSecurityContext;
  /** `container "nginx"`, `init container "setup"`: how messages name it. */
  label: string;
}

/** What a per-workload or per-container evaluation returns; the resource is filled in by the helper. */
export type { Verdict };

/**
 * Workloads to evaluate (each pod spec once, at its top-most collected owner), plus an `error` finding per
 * workload resource that could not be read, so a check never passes on evidence it did not have.
 */
export function workloads(ctx: CheckContext): { items: WorkloadItem[]; errors: CheckFinding[] } {
  // Ten checks ask the same question of the same evidence: answer it once per scan (results are read-only).
  // Keyed by the platform namespace list too: which items are `system` depends on it.
  const cached = workloadCache.get(ctx.evidence);
  if (cached && cached.platformNamespaces === ctx.platformNamespaces) return cached.value;
  const computed = computeWorkloads(ctx);
  workloadCache.set(ctx.evidence, { platformNamespaces: ctx.platformNamespaces, value: computed });
  return computed;
}

const workloadCache = new WeakMap<
  CheckContext['evidence'],
  {
    platformNamespaces: readonly string[] | undefined;
    value: { items: WorkloadItem[]; errors: CheckFinding[] };
  }
>();
const containerCache = new WeakMap<readonly WorkloadItem[], ContainerItem[]>();

function computeWorkloads(ctx: CheckContext): { items: WorkloadItem[]; errors: CheckFinding[] } {
  const { sources, missing } = topLevelPodSpecs(ctx.evidence);
  const nodes = new Map<string, KubeObject>();
  const nodeList = kubeItems(ctx.evidence, 'nodes');
  if (nodeList.ok) for (const n of nodeList.items) nodes.set(n.metadata.name, n);
  const errors: CheckFinding[] = missing.map((reason) => ({
    outcome: 'error',
    resource: { kind: 'Cluster', name: ctx.evidence.cluster.name },
    message: `cannot evaluate all workloads: ${reason}`,
  }));
  const items = sources.map((src) => ({
    src,
    resource: { kind: src.kind, namespace: src.namespace, name: src.name },
    os: podOs(src, nodes),
    system: isSystemNamespace(src.namespace, ctx.platformNamespaces),
  }));
  return { items, errors };
}

/**
 * Every container (init, regular, ephemeral) of every workload. Containers with equal security inputs share
 * one effective context object (replicas of a template do: a 10,000-pod cluster has a few dozen), and
 * containers of one role and name share their label, so the view costs little more than the list itself.
 */
export function containers(items: readonly WorkloadItem[]): ContainerItem[] {
  const cached = containerCache.get(items);
  if (cached) return cached;
  const out: ContainerItem[] = [];
  const contexts = new Map<string, EffectiveSecurityContext>();
  // The context of a container whose pod names no profile for it in annotations, by its securityContext object
  // with its pod's: the bundle reader keeps one copy of the security contexts replicas hold alike, so replicas
  // find theirs without a key text each. A different pod object with the same container object takes the text.
  const byObject = new Map<unknown, { pod: unknown; sc: EffectiveSecurityContext }>();
  const labels = {
    init: new Map<string, string>(),
    container: new Map<string, string>(),
    ephemeral: new Map<string, string>(),
  };
  // The order of allContainers: init, regular, ephemeral.
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const { spec, annotations } = item.src;
    forEachContainer(spec, (container, role) => {
      const plain = noProfileAnnotation(annotations, container);
      const known = plain ? byObject.get(container.securityContext) : undefined;
      let sc = known && known.pod === spec.securityContext ? known.sc : undefined;
      if (!sc) {
        const key = effectiveSecurityContextKey(spec, annotations, container);
        sc = contexts.get(key);
        if (!sc) contexts.set(key, (sc = effectiveSecurityContext(spec, annotations, container)));
        if (plain && !known) byObject.set(container.securityContext, { pod: spec.securityContext, sc });
      }
      let label = labels[role].get(container.name);
      if (label === undefined) {
        const prefix = role === 'container' ? 'container' : `${role} container`;
        labels[role].set(container.name, (label = `${prefix} "${container.name}"`));
      }
      // Written out, not spread from the item: one object of one shape per container.
      out.push({
        src: item.src,
        resource: item.resource,
        os: item.os,
        system: item.system,
        container,
        role,
        sc,
        label,
      });
    });
  }
  // Kept only when complete: on evidence it cannot walk, every check that asks says so, not only the first.
  containerCache.set(items, out);
  return out;
}

/**
 * Findings in platform-managed namespaces become `not_applicable` with the finding kept in the message, so
 * the operator still sees them but posture is not blamed for what the platform ships.
 */
export function exempt(item: WorkloadItem, verdict: Verdict): Verdict {
  if (!item.system || (verdict.outcome !== 'fail' && verdict.outcome !== 'warn')) return verdict;
  const v: Verdict = {
    ...verdict,
    outcome: 'not_applicable',
    message: `exempt (platform-managed namespace ${item.src.namespace}): ${verdict.message}`,
  };
  delete v.severity;
  return v;
}

/**
 * A workload check: `runInto` hands its findings to the runner's sink (no finding object per workload), and
 * `run` collects the same findings into a list (specs and anything else that wants one).
 */
export function workloadCheck(id: string, runInto: (ctx: CheckContext, sink: FindingSink) => void): Check {
  return {
    id,
    run: (ctx) => {
      const out: CheckFinding[] = [];
      runInto(ctx, { add: (resource, v) => out.push(finding(resource, v)) });
      return out;
    },
    runInto,
  };
}

/**
 * Runs `evaluate` over each container and hands `sink` the findings: Windows containers get `not_applicable`
 * with `windowsReason` when given, system namespaces are exempted, missing evidence is reported, and a cluster
 * with no workloads at all gets one `pass` saying so (never an empty, silent result).
 */
export function perContainer(
  ctx: CheckContext,
  sink: FindingSink,
  evaluate: (c: ContainerItem) => Verdict,
  windowsReason?: string,
): void {
  const { items, errors } = workloads(ctx);
  for (let i = 0; i < errors.length; i++) sink.add(errors[i].resource, errors[i]);
  // Indexed: cold code at first, where a for-of allocates per container (every workload check walks them all).
  const list = containers(items);
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (windowsReason && c.os.os === 'windows')
      sink.add(c.resource, {
        outcome: 'not_applicable',
        message: `${c.label}: Windows pod (${c.os.reason}): ${windowsReason}`,
      });
    else sink.add(c.resource, exempt(c, evaluate(c)));
  }
  if (errors.length + list.length === 0) noWorkloads(ctx, sink);
}

/**
 * `perContainer` for checks that judge only the effective security context and the container's label: each
 * distinct pair is judged once and its verdict shared by every container that has it (findings are read-only),
 * instead of a verdict and a message built per container. `evaluate` is given nothing else, so it cannot depend
 * on anything the sharing would miss.
 */
export function perContainerContext(
  ctx: CheckContext,
  sink: FindingSink,
  evaluate: (sc: EffectiveSecurityContext, label: string) => Verdict,
  windowsReason?: string,
): void {
  const judged = new Map<EffectiveSecurityContext, Map<string, Verdict>>();
  perContainer(
    ctx,
    sink,
    (c) => {
      let byLabel = judged.get(c.sc);
      if (!byLabel) judged.set(c.sc, (byLabel = new Map<string, Verdict>()));
      let v = byLabel.get(c.label);
      if (!v) byLabel.set(c.label, (v = evaluate(c.sc, c.label)));
      return v;
    },
    windowsReason,
  );
}

/** Like `perContainer`, one result per workload (pod-level settings); `evaluate` may skip one (undefined). */
export function perWorkload(
  ctx: CheckContext,
  sink: FindingSink,
  evaluate: (w: WorkloadItem) => Verdict | undefined,
): void {
  const { items, errors } = workloads(ctx);
  for (let i = 0; i < errors.length; i++) sink.add(errors[i].resource, errors[i]);
  let added = errors.length;
  for (let i = 0; i < items.length; i++) {
    const w = items[i];
    const v = evaluate(w);
    if (v) {
      sink.add(w.resource, exempt(w, v));
      added++;
    }
  }
  if (added === 0) noWorkloads(ctx, sink);
}

/** A verdict's finding for one resource, as `run` lists it (the runner never asks for one). */
function finding(resource: ResourceRef, v: Verdict): CheckFinding {
  const f: CheckFinding = { outcome: v.outcome, resource, message: v.message };
  if (v.severity !== undefined) f.severity = v.severity;
  if (v.evidence !== undefined) f.evidence = v.evidence;
  if (v.facts !== undefined) f.facts = v.facts;
  if (v.summary !== undefined) f.summary = v.summary;
  return f;
}

const NO_WORKLOADS: Verdict = { outcome: 'pass', message: 'no pods or workload templates in the cluster' };

function noWorkloads(ctx: CheckContext, sink: FindingSink): void {
  sink.add({ kind: 'Cluster', name: ctx.evidence.cluster.name }, NO_WORKLOADS);
}
