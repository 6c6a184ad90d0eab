import {
  catalogueEntry,
  exemptableByAnnotation,
  kubeItems,
  type CollectorError,
  type Evidence,
  type ResourceRef,
} from '@watchpost/shared';
import { podSpecs, topLevelPodSpecs, type PodSpecSource } from '../checks/lib/pod-specs.js';

/** The annotation naming the check ids a workload or namespace owner accepts (comma-separated). */
export const EXEMPT_ANNOTATION = 'watchpost.io/exempt';
/** Why (required: without it nothing is exempted). */
export const EXEMPT_REASON_ANNOTATION = 'watchpost.io/exempt-reason';
/** Optional ISO time after which the exemption no longer applies. */
export const EXEMPT_UNTIL_ANNOTATION = 'watchpost.io/exempt-until';
/** Longest reason the wire contract carries. */
const MAX_REASON = 1024;

/** What one object's annotations validly exempt. */
export interface AnnotationGrant {
  checkIds: ReadonlySet<string>;
  reason: string;
  /** `Deployment default/legacy-app`, `Deployment default/legacy-app (pod template)`, `Namespace legacy`. */
  ref: string;
  expiresAt?: string;
}

/** One annotated object (or pod template) and what its annotations say. */
interface AnnotatedGroup {
  grant?: AnnotationGrant;
  problems: string[];
  /** Collector-error source naming the object: `annotation/Deployment/default/legacy-app[/template]`. */
  source: string;
}

/**
 * Reads one object's `watchpost.io/exempt*` annotations at `now`. Nothing is applied silently wrong: a missing or
 * empty reason, an unreadable or past `exempt-until`, unknown check ids and checks an annotation may not exempt
 * (ANNOTATION_EXEMPTABLE_CHECKS) are each a problem (reported as a collector error naming the object), and only
 * the valid, exemptable ids of an annotation with a reason are granted.
 */
export function readAnnotationGroup(
  annotations: Record<string, string> | undefined,
  ref: string,
  source: string,
  now: Date,
): AnnotatedGroup | undefined {
  // Bundles are untrusted JSON: an annotation value that is not a string reads as empty, never throws.
  if (!hasExempt(annotations)) return undefined;
  const text = (k: string): string | undefined => {
    const v: unknown = (annotations as Record<string, unknown>)[k];
    return v === undefined ? undefined : typeof v === 'string' ? v : '';
  };
  const raw = text(EXEMPT_ANNOTATION);
  if (raw === undefined) return undefined;
  const problems: string[] = [];
  const ids = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const reason = text(EXEMPT_REASON_ANNOTATION)?.trim() ?? '';
  const until = text(EXEMPT_UNTIL_ANNOTATION)?.trim();
  const notApplied = `${EXEMPT_ANNOTATION} "${raw.slice(0, 200)}" on ${ref} is not applied`;
  if (ids.length === 0) problems.push(`${notApplied}: it names no check id`);
  if (!reason) {
    problems.push(
      `${notApplied}: it has no ${EXEMPT_REASON_ANNOTATION}; add one saying why the risk is accepted`,
    );
  } else if (reason.length > MAX_REASON) {
    problems.push(`${notApplied}: ${EXEMPT_REASON_ANNOTATION} is longer than ${MAX_REASON} characters`);
  }
  let expiresAt: string | undefined;
  if (until !== undefined) {
    const t = Date.parse(until);
    if (Number.isNaN(t))
      problems.push(
        `${notApplied}: ${EXEMPT_UNTIL_ANNOTATION} "${until.slice(0, 64)}" is not an ISO time such as 2027-03-31T00:00:00Z`,
      );
    else if (t <= now.getTime())
      problems.push(
        `${notApplied}: it expired at ${new Date(t).toISOString()} (${EXEMPT_UNTIL_ANNOTATION}); the findings are open again, renew or remove the annotations`,
      );
    else expiresAt = new Date(t).toISOString();
  }
  const unknown = ids.filter((id) => !catalogueEntry(id));
  const refused = ids.filter((id) => catalogueEntry(id) && !exemptableByAnnotation(id));
  if (unknown.length)
    problems.push(
      `${EXEMPT_ANNOTATION} on ${ref} names unknown check id ${unknown.map((id) => `"${id}"`).join(', ')} (see \`watchpost-agent checks\`): not applied for ${unknown.length > 1 ? 'them' : 'it'}`,
    );
  if (refused.length)
    problems.push(
      `${EXEMPT_ANNOTATION} on ${ref} names ${refused.join(', ')}, which an annotation cannot exempt (docs/checks.md, column annotation): the findings stay open; the cluster operator can exempt ${refused.length > 1 ? 'them' : 'it'} in the agent config or on the hub`,
    );
  const granted = ids.filter((id) => catalogueEntry(id) && exemptableByAnnotation(id));
  const usable = reason && reason.length <= MAX_REASON && (until === undefined || expiresAt !== undefined);
  const group: AnnotatedGroup = { problems, source };
  if (usable && granted.length)
    group.grant = {
      checkIds: new Set(granted),
      reason,
      ref,
      ...(expiresAt ? { expiresAt } : {}),
    };
  return group;
}

const WORKLOAD_KINDS = new Set([
  'Pod',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'CronJob',
]);

/**
 * The annotation exemptions of one scan's evidence. A result on a Namespace reads that namespace's annotations;
 * a result on a pod or workload reads the annotations of the workload the workload checks evaluate it as (its
 * top-most collected owner: a pod of a Deployment reads the Deployment), on the object itself and on its pod
 * template, then its namespace's: the nearest that exempts the check wins. Pods managed by a workload are not
 * read themselves (annotate the workload or its template). Other resources (RBAC objects, certificates, network
 * policies) are never exempted by annotation.
 */
export class AnnotationExemptions {
  private readonly namespaces = new Map<string, AnnotatedGroup>();
  /** Per top-level workload `Kind/ns/name`: the object's group, then its template's. */
  private readonly workloads = new Map<string, AnnotatedGroup[]>();
  /** Every pod spec source by `Kind/ns/name`, to walk a pod up to its top-level owner. */
  private readonly sources = new Map<string, PodSpecSource>();
  private readonly top = new Set<string>();
  /** Problems found, one collector error each (in evidence order). */
  readonly problems: CollectorError[] = [];

  constructor(evidence: Evidence, now: Date) {
    const ns = kubeItems(evidence, 'namespaces');
    if (ns.ok)
      for (const n of ns.items) {
        const g = readAnnotationGroup(
          n.metadata.annotations,
          `Namespace ${n.metadata.name}`,
          `annotation/Namespace/${n.metadata.name}`,
          now,
        );
        if (g) this.add(g, () => this.namespaces.set(n.metadata.name, g));
      }
    const all = podSpecs(evidence).sources;
    // Most clusters carry no exemption annotation on any workload: find that out without building the indexes
    // (a 10,000-pod scan would otherwise pay for them on every run).
    if (!all.some((x) => hasExempt(x.object.metadata.annotations) || hasExempt(x.annotations))) return;
    for (const s of all) this.sources.set(key(s.kind, s.namespace, s.name), s);
    for (const s of topLevelPodSpecs(evidence).sources) {
      const k = key(s.kind, s.namespace, s.name);
      this.top.add(k);
      const groups: AnnotatedGroup[] = [];
      const base = `${s.kind} ${s.namespace}/${s.name}`;
      const meta = readAnnotationGroup(s.object.metadata.annotations, base, `annotation/${k}`, now);
      if (meta) this.add(meta, () => groups.push(meta));
      // A pod's template is the pod itself: read it once.
      if (s.kind !== 'Pod') {
        const tpl = readAnnotationGroup(
          s.annotations,
          `${base} (pod template)`,
          `annotation/${k}/template`,
          now,
        );
        if (tpl) this.add(tpl, () => groups.push(tpl));
      }
      if (groups.length) this.workloads.set(k, groups);
    }
  }

  private add(g: AnnotatedGroup, keep: () => void): void {
    for (const message of g.problems) this.problems.push({ source: g.source, message });
    keep();
  }

  /** True when no object carries a `watchpost.io/exempt` annotation (nothing to apply). */
  get empty(): boolean {
    return this.namespaces.size === 0 && this.workloads.size === 0;
  }

  /** The grant exempting `checkId` on `resource`, nearest first, or undefined. */
  grantFor(checkId: string, resource: ResourceRef): AnnotationGrant | undefined {
    if (resource.kind === 'Namespace')
      return resource.name ? this.match(this.namespaces.get(resource.name), checkId) : undefined;
    if (!WORKLOAD_KINDS.has(resource.kind) || !resource.namespace || !resource.name) return undefined;
    const topKey = this.topLevel(key(resource.kind, resource.namespace, resource.name));
    for (const g of (topKey && this.workloads.get(topKey)) || []) {
      const hit = this.match(g, checkId);
      if (hit) return hit;
    }
    return this.match(this.namespaces.get(resource.namespace), checkId);
  }

  private match(g: AnnotatedGroup | undefined, checkId: string): AnnotationGrant | undefined {
    return g?.grant?.checkIds.has(checkId) ? g.grant : undefined;
  }

  /** Walks owners up to the workload the checks evaluate (the same folding as `topLevelPodSpecs`). */
  private topLevel(start: string): string | undefined {
    let k = start;
    for (let i = 0; i < 4; i++) {
      if (this.top.has(k)) return k;
      const s = this.sources.get(k);
      if (!s?.ownedBy) return undefined;
      const slash = s.ownedBy.indexOf('/');
      const kind = s.ownedBy.slice(0, slash);
      const name = s.ownedBy.slice(slash + 1);
      let next = key(kind, s.namespace, name);
      if (!this.sources.has(next) && s.kind === 'Pod') {
        const hash = s.labels['pod-template-hash'];
        const job = kind === 'Job' ? /^(.+)-\d+$/.exec(name) : null;
        if (kind === 'ReplicaSet' && hash && name.endsWith(`-${hash}`))
          next = key('Deployment', s.namespace, name.slice(0, -(hash.length + 1)));
        else if (job?.[1]) next = key('CronJob', s.namespace, job[1]);
      }
      k = next;
    }
    return this.top.has(k) ? k : undefined;
  }
}

function hasExempt(annotations: unknown): boolean {
  // Bundles are untrusted JSON: annotations may be anything.
  return (
    typeof annotations === 'object' && annotations !== null && Object.hasOwn(annotations, EXEMPT_ANNOTATION)
  );
}

function key(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}
