import { kubeItems } from '@watchpost/shared';
import type { Check, CheckContext, CheckFinding } from '../check.js';
import { podSpecs, topLevelPodSpecs, type PodSpecSource } from '../lib/pod-specs.js';
import { exempt, type Verdict, type WorkloadItem } from './common.js';
import { describeMode, namespacePolicy, type NamespacePolicy } from './pss/namespace-policy.js';
import {
  LATEST_POLICY_MINOR,
  PssEvaluator,
  type ControlViolation,
  type PssLevel,
  type PssVerdicts,
} from './pss/policy.js';
import { isSystemNamespace } from './system-namespaces.js';

const key = (kind: string, ns: string, name: string): string => `${kind}/${ns}/${name}`;
const srcKey = (s: PodSpecSource): string => key(s.kind, s.namespace, s.name);
const ref = (s: PodSpecSource): string => `${s.kind}/${s.name}`;

/** `enforces restricted:latest`, or `has no enforce label (admission default privileged:latest)`. */
function enforceText(policy: NamespacePolicy): string {
  return policy.enforce.labelled
    ? `enforces ${describeMode(policy.enforce)}`
    : `has no enforce label (admission default ${describeMode(policy.enforce)})`;
}

function describeControls(controls: readonly ControlViolation[]): string {
  return controls.map((c) => `${c.id} (${c.reason}: ${c.detail})`).join('; ');
}

/**
 * The top-level collected object a pod or ReplicaSet/Job folds into, following the same owner rules as
 * topLevelPodSpecs (controlling owner, Deployment through its ReplicaSet or the pod-template-hash name,
 * CronJob through its Job or the `<cronjob>-<digits>` name).
 */
function topOwner(
  s: PodSpecSource,
  top: ReadonlyMap<string, PodSpecSource>,
  all: ReadonlyMap<string, PodSpecSource>,
): string | undefined {
  let current: PodSpecSource | undefined = s;
  for (let hops = 0; current?.ownedBy && hops < 3; hops++) {
    const slash = current.ownedBy.indexOf('/');
    const kind = current.ownedBy.slice(0, slash);
    const name = current.ownedBy.slice(slash + 1);
    const k = key(kind, s.namespace, name);
    if (top.has(k)) return k;
    const hash = current.labels['pod-template-hash'];
    if (kind === 'ReplicaSet' && hash && name.endsWith(`-${hash}`)) {
      const d = key('Deployment', s.namespace, name.slice(0, -(hash.length + 1)));
      if (top.has(d)) return d;
    }
    const m = kind === 'Job' ? /^(.+)-\d+$/.exec(name) : null;
    if (m?.[1] !== undefined && top.has(key('CronJob', s.namespace, m[1])))
      return key('CronJob', s.namespace, m[1]);
    current = all.get(k);
  }
  return undefined;
}

interface Judged {
  src: PodSpecSource;
  level: PssLevel;
  controls: ControlViolation[];
  /**
   * A failure or warning; undefined for a pass, which only its namespace's summary names (most workloads: no
   * message or evidence is built for them).
   */
  verdict?: Verdict;
}

const outcomeOf = (j: Judged): Verdict['outcome'] => j.verdict?.outcome ?? 'pass';

/** The evidence's `controls` list, built once per distinct pod spec (results share it; nothing mutates it). */
const controlsEvidence = new WeakMap<readonly ControlViolation[], Record<string, string>[]>();

function controlsList(controls: readonly ControlViolation[]): Record<string, string>[] {
  let list = controlsEvidence.get(controls);
  if (!list) {
    list = controls.map((c) => ({ id: c.id, level: c.level, reason: c.reason, detail: c.detail }));
    controlsEvidence.set(controls, list);
  }
  return list;
}

/**
 * What `passesPolicy` reads of a policy, as text: namespaces whose policies print the same pass and fail the
 * same pod specs (a cluster has hundreds of namespaces and a handful of distinct policies).
 */
function passKey(policy: NamespacePolicy): string {
  const { enforce, warn, audit } = policy;
  return `${enforce.level} ${enforce.version} ${enforce.labelled} ${warn.level} ${warn.version} ${audit.level} ${audit.version}`;
}

/** Whether a pod spec with these verdicts passes in a namespace with this policy (see `judge`). */
function passesPolicy(verdicts: PssVerdicts, policy: NamespacePolicy): boolean {
  return (
    !verdicts.violations(policy.enforce.level, policy.enforce.version).length &&
    !verdicts.violations(policy.warn.level, policy.warn.version).length &&
    !verdicts.violations(policy.audit.level, policy.audit.version).length &&
    (policy.enforce.labelled || verdicts.level !== 'privileged')
  );
}

function judge(src: PodSpecSource, policy: NamespacePolicy, nsKnown: boolean, verdicts: PssVerdicts): Judged {
  const { level, controls } = verdicts;
  const enforced = verdicts.violations(policy.enforce.level, policy.enforce.version);
  let warned: { mode: 'warn' | 'audit'; violated: readonly ControlViolation[] } | undefined;
  if (!enforced.length)
    for (const mode of ['warn', 'audit'] as const) {
      const violated = verdicts.violations(policy[mode].level, policy[mode].version);
      if (violated.length) {
        warned = { mode, violated };
        break;
      }
    }
  const unguarded = !policy.enforce.labelled && level === 'privileged';
  // A pass: only its namespace's summary names it, so no message or evidence is built for it.
  if (!enforced.length && !warned && !unguarded) return { src, level, controls };

  const evidence: Record<string, unknown> = {
    level,
    policyVersion: `v1.${LATEST_POLICY_MINOR}`,
    controls: controlsList(controls),
    namespacePolicy: {
      enforce: describeMode(policy.enforce),
      warn: describeMode(policy.warn),
      audit: describeMode(policy.audit),
    },
  };
  const what = `${ref(src)} satisfies Pod Security "${level}"`;
  const invalid = [policy.enforce, policy.warn, policy.audit].flatMap((p) => (p.invalid ? [p.invalid] : []));
  const labelNote = invalid.length ? ` (namespace labels: ${invalid.join('; ')})` : '';
  const nsNote = nsKnown
    ? ''
    : ` (namespace ${src.namespace} not in the namespace list: admission defaults assumed)`;

  if (enforced.length) {
    return {
      src,
      level,
      controls,
      verdict: {
        outcome: 'fail',
        message: `${what}, but namespace ${src.namespace} enforces ${describeMode(policy.enforce)}: the API server would reject ${src.kind === 'Pod' ? 'it' : 'its pods'}; failing: ${describeControls(enforced)}${labelNote}${nsNote}`,
        evidence,
      },
    };
  }
  if (warned) {
    const { mode, violated } = warned;
    return {
      src,
      level,
      controls,
      verdict: {
        outcome: 'warn',
        severity: 'medium',
        message: `${what}; namespace ${src.namespace} asks for ${describeMode(policy[mode])} in ${mode} mode (${mode === 'warn' ? 'users are warned' : 'the audit log records it'}, nothing is refused): ${describeControls(violated)}${labelNote}${nsNote}`,
        evidence,
      },
    };
  }
  return {
    src,
    level,
    controls,
    verdict: {
      outcome: 'warn',
      message: `${what} only, and namespace ${src.namespace} has no pod-security.kubernetes.io/enforce label, so nothing would stop it: ${describeControls(controls.filter((c) => c.level === 'baseline'))}${nsNote}`,
      evidence,
    },
  };
}

/** The passing pod specs of one namespace, for its summary: two lists, not an object per pod. */
interface PassList {
  srcs: PodSpecSource[];
  levels: PssLevel[];
}

function addPass(passes: Map<string, PassList>, src: PodSpecSource, level: PssLevel): void {
  const list = passes.get(src.namespace);
  if (list) {
    list.srcs.push(src);
    list.levels.push(level);
  } else passes.set(src.namespace, { srcs: [src], levels: [level] });
}

/** The finding of a workload that fails or warns, naming the pods folded into it. */
function failure(j: Judged, verdict: Verdict, folded: readonly Judged[], ctx: CheckContext): CheckFinding {
  const item: WorkloadItem = {
    src: j.src,
    resource: { kind: j.src.kind, namespace: j.src.namespace, name: j.src.name },
    os: { os: 'linux', reason: 'default' },
    system: isSystemNamespace(j.src.namespace, ctx.platformNamespaces),
  };
  const v = exempt(item, verdict);
  const evidence = {
    ...v.evidence,
    ...(folded.length
      ? { pods: folded.map((f) => ({ name: f.src.name, kind: f.src.kind, level: f.level })) }
      : {}),
  };
  const also = folded.length ? ` (also: ${folded.map((f) => ref(f.src)).join(', ')})` : '';
  return { resource: item.resource, ...v, message: `${v.message}${also}`, evidence };
}

/**
 * The highest Pod Security Standards level of every pod and pod template, as Pod Security Admission v1.35
 * decides it, compared with what its namespace's labels enforce (fail), warn or audit about (warn), or with
 * nothing enforced at all for a privileged-only workload (warn). Failures and warnings are one finding per
 * top-level workload (the pods it owns are named in its evidence, or get their own finding when they differ);
 * passes are one finding per namespace naming every pod and template with its level.
 */
export const podSecurityLevelCheck: Check = {
  id: 'pod-security-level',
  run: (ctx) => {
    const nsList = kubeItems(ctx.evidence, 'namespaces');
    if (!nsList.ok)
      return [
        {
          outcome: 'error',
          resource: { kind: 'Cluster', name: ctx.evidence.cluster.name },
          message: `cannot compare workloads with their namespaces' Pod Security labels: ${nsList.reason}`,
        },
      ];
    const labels = new Map(nsList.items.map((n) => [n.metadata.name, n.metadata.labels ?? {}]));
    const { sources, missing } = podSpecs(ctx.evidence);
    const out: CheckFinding[] = missing.map((reason) => ({
      outcome: 'error',
      resource: { kind: 'Cluster', name: ctx.evidence.cluster.name },
      message: `cannot evaluate all workloads: ${reason}`,
    }));
    const topLevel = topLevelPodSpecs(ctx.evidence);
    const topSources = topLevel.sources;
    // When nothing folds into an owner (no owner was collected), every pod is its own top: no index by name.
    const allTop = topSources.length === sources.length;
    // One evaluation per distinct pod spec and one policy per namespace: replicas cost a lookup each.
    const pss = new PssEvaluator();
    const policies = new Map<string, NamespacePolicy>();
    // The previous pod's namespace and policy: pods come namespace by namespace, so most need no lookup.
    let lastNs: string | undefined;
    let lastPolicy: NamespacePolicy | undefined;
    const policyOf = (ns: string): NamespacePolicy => {
      if (ns === lastNs && lastPolicy) return lastPolicy;
      let policy = policies.get(ns);
      if (!policy) policies.set(ns, (policy = namespacePolicy(labels.get(ns) ?? {})));
      lastNs = ns;
      return (lastPolicy = policy);
    };
    // Whether pods of one spec shape pass a policy: asked per pod, answered once per shape and distinct policy
    // (passKey), not per namespace (three violation lookups each otherwise).
    const passingByKey = new Map<string, Map<PssVerdicts, boolean>>();
    const passing = new Map<NamespacePolicy, Map<PssVerdicts, boolean>>();
    let lastPassing: Map<PssVerdicts, boolean> | undefined;
    let lastPassingPolicy: NamespacePolicy | undefined;
    const passes = (verdicts: PssVerdicts, policy: NamespacePolicy): boolean => {
      if (policy !== lastPassingPolicy) {
        lastPassing = passing.get(policy);
        if (!lastPassing) {
          const key = passKey(policy);
          lastPassing = passingByKey.get(key);
          if (!lastPassing) passingByKey.set(key, (lastPassing = new Map<PssVerdicts, boolean>()));
          passing.set(policy, lastPassing);
        }
        lastPassingPolicy = policy;
      }
      let pass = lastPassing!.get(verdicts);
      if (pass === undefined) lastPassing!.set(verdicts, (pass = passesPolicy(verdicts, policy)));
      return pass;
    };
    const passLists = new Map<string, PassList>();

    if (allTop && topLevel.distinct) {
      // Every pod spec is its own top and named once: judged in order, with no key text or record per pod (a
      // pass is only named in its namespace's summary).
      for (let i = 0; i < sources.length; i++) {
        const s = sources[i];
        const policy = policyOf(s.namespace);
        const verdicts = pss.verdicts(s);
        if (passes(verdicts, policy)) addPass(passLists, s, verdicts.level);
        else {
          const j = judge(s, policy, labels.has(s.namespace), verdicts);
          out.push(failure(j, j.verdict!, [], ctx));
        }
      }
    } else {
      let top: Map<string, PodSpecSource> | undefined;
      // Every source by key, for owners' chains: only needed when something folds into an owner.
      let all: Map<string, PodSpecSource> | undefined;
      const judged = new Map<string, Judged>();
      // Indexed loops over the pods: cold code, where a for-of allocates per step.
      for (let i = 0; i < sources.length; i++) {
        const s = sources[i];
        judged.set(srcKey(s), judge(s, policyOf(s.namespace), labels.has(s.namespace), pss.verdicts(s)));
      }

      // Folded pods whose verdict matches their owner's are named in the owner's finding, not repeated.
      const members = new Map<string, Judged[]>();
      const own: Judged[] = [];
      judged.forEach((j, k) => {
        top ??= allTop ? undefined : new Map(topSources.map((s) => [srcKey(s), s]));
        if (!top || top.has(k)) {
          own.push(j);
          return;
        }
        all ??= new Map(sources.map((s) => [srcKey(s), s]));
        const owner = topOwner(j.src, top, all);
        const o = owner ? judged.get(owner) : undefined;
        if (o && outcomeOf(o) === outcomeOf(j) && o.level === j.level) {
          const list = members.get(owner!);
          if (list) list.push(j);
          else members.set(owner!, [j]);
        } else own.push(j);
      });

      for (let i = 0; i < own.length; i++) {
        const j = own[i];
        const folded = (members.size ? members.get(srcKey(j.src)) : undefined) ?? [];
        if (!j.verdict) {
          addPass(passLists, j.src, j.level);
          for (const f of folded) addPass(passLists, f.src, f.level);
        } else out.push(failure(j, j.verdict, folded, ctx));
      }
    }

    // localeCompare's order through one collator (the same default locale and options), not one per call.
    const compare = new Intl.Collator().compare;
    for (const [ns, { srcs, levels }] of [...passLists].sort(([a], [b]) => compare(a, b))) {
      const n = srcs.length;
      const refs: string[] = [];
      const order: number[] = [];
      let sorted = true;
      for (let i = 0; i < n; i++) {
        refs.push(ref(srcs[i]));
        order.push(i);
        if (i > 0 && sorted && compare(refs[i - 1], refs[i]) > 0) sorted = false;
      }
      // By name, stably (ties keep the pods' order). Pods are often listed by name already: then n - 1
      // comparisons say so, and the collator (the costly part) is not asked n log n times.
      if (!sorted) order.sort((a, b) => compare(refs[a], refs[b]));
      const named: string[] = [];
      const workloads: { kind: string; name: string; level: PssLevel }[] = [];
      for (let k = 0; k < n; k++) {
        const i = order[k];
        named.push(`${refs[i]} (${levels[i]})`);
        workloads.push({ kind: srcs[i].kind, name: srcs[i].name, level: levels[i] });
      }
      out.push({
        outcome: 'pass',
        // Every pod's level by name is the point of this result: the runner must not fold it further.
        summary: true,
        resource: { kind: 'Namespace', name: ns },
        message: `${n} ${n === 1 ? 'pod or template satisfies' : 'pods and templates satisfy'} the namespace's Pod Security policy (${enforceText(policyOf(ns))}): ${named.join(', ')}`,
        evidence: { policyVersion: `v1.${LATEST_POLICY_MINOR}`, workloads },
      });
    }
    if (out.length === 0)
      out.push({
        outcome: 'pass',
        resource: { kind: 'Cluster', name: ctx.evidence.cluster.name },
        message: 'no pods or workload templates in the cluster',
      });
    return out;
  },
};
