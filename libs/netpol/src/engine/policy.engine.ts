/**
 * The policy engine: builds Calico's view of a cluster (workload endpoints with Calico's labels, network
 * sets, Kubernetes and Calico policies in tiers) and answers one question exactly: may traffic go from A to B
 * on port/protocol, with A's egress and B's ingress both applied, and which rules decided.
 *
 * Calico's evaluation, per direction and endpoint: tiers in order; a tier whose policies do not select the
 * endpoint (for that direction) is skipped; inside a tier, policies in order and their rules in order;
 * Log continues, Allow and Deny end evaluation, Pass jumps to the next tier; a tier with selecting policies
 * but no matching rule drops the traffic (this end-of-tier drop is what makes a policy a default deny).
 * After the last tier (or when nothing selects the endpoint) the namespace profile allows.
 *
 * Indexes: pods by namespace and by label term, so a policy's selector is evaluated only against candidate
 * pods, and each evaluation is memoised per interned label set: no pods x policies loop.
 */
import type { KubeObject } from '@watchpost/shared';
import { LabelInterner, type LabelSet, type Selector } from '../selector/selector.js';
import { parseCidr, parseIp, type Cidr, type IpAddress } from '../model/cidr.js';
import {
  CALICO_NAME_LABEL,
  CALICO_NAMESPACE_LABEL,
  CALICO_ORCHESTRATOR_LABEL,
  CALICO_SERVICEACCOUNT_LABEL,
  type Connection,
  type IpEndpoint,
  type NamedPort,
  type NamespaceInfo,
  type NetworkSetEndpoint,
  type Peer,
  type PodEndpoint,
} from '../model/endpoint.js';
import {
  DEFAULT_TIER,
  fromCalicoPolicy,
  fromKubernetesPolicy,
  normaliseProtocol,
  type Direction,
  type Policy,
  type PolicyRef,
  type Rule,
  type RuleContext,
} from '../model/policy.js';

/** The cluster objects the engine reads (items of `kubectl get -A -o json` lists). */
export interface EngineInput {
  pods: readonly KubeObject[];
  namespaces: readonly KubeObject[];
  nodes?: readonly KubeObject[];
  serviceAccounts?: readonly KubeObject[];
  networkPolicies?: readonly KubeObject[];
  calicoNetworkPolicies?: readonly KubeObject[];
  globalNetworkPolicies?: readonly KubeObject[];
  networkSets?: readonly KubeObject[];
  globalNetworkSets?: readonly KubeObject[];
  tiers?: readonly KubeObject[];
  /** Calico enforces policy on Linux pods only (AKS Arc / AKS on Azure Local): Windows pods are unenforced. */
  linuxOnly?: boolean;
}

/** Order Calico gives the default tier when the tier list does not say (Calico 3.26+). */
export const DEFAULT_TIER_ORDER = 1_000_000;

/** What decided one direction. */
export interface Decider {
  policy: PolicyRef;
  policyId: string;
  /** Rule index within the policy's rules for the direction; absent for an end-of-tier drop. */
  rule?: number;
  ruleText?: string;
  action: 'Allow' | 'Deny' | 'Pass' | 'Log' | 'end-of-tier deny';
  /** For an end-of-tier deny: the policies of that tier that selected the endpoint. */
  tierPolicies?: string[];
}

/** Verdict of one direction at one endpoint. */
export interface DirectionVerdict {
  direction: Direction;
  /** The endpoint whose policy was evaluated (`ns/pod`). */
  endpoint: string;
  allowed: boolean;
  /** False when Calico does not enforce policy on this endpoint (Windows pod on AKS Arc, host network). */
  enforced: boolean;
  reason: string;
  /** The rule (or end-of-tier drop) that decided; absent when no policy applied. */
  decidedBy?: Decider;
  /** Rules that passed to a later tier or only logged, in evaluation order. */
  path: Decider[];
  /** Ids of the policies that select the endpoint for this direction, in evaluation order. */
  policies: string[];
}

/** Verdict of a whole connection. */
export interface ReachVerdict {
  from: string;
  to: string;
  protocol: string;
  port?: number;
  allowed: boolean;
  /** Egress at the source (null when the source is an address outside any pod). */
  egress: DirectionVerdict | null;
  /** Ingress at the destination (null when the destination is an address outside any pod). */
  ingress: DirectionVerdict | null;
  reason: string;
}

/** Isolation of a pod per direction, with the selecting policies. */
export interface Isolation {
  ingress: boolean;
  egress: boolean;
  ingressPolicies: string[];
  egressPolicies: string[];
}

/** The policies applying to a label set for one direction, in evaluation order, and their ids. */
interface DirectionPolicies {
  policies: Policy[];
  /** Their ids, made when a verdict first lists them (most label sets are only asked yes/no questions). */
  ids: string[] | undefined;
  /**
   * No rule of these policies reads the endpoint's own side (addresses, named ports; see `Rule.reads`): the
   * evaluation depends on the endpoint only through its label set, so it can be shared by all endpoints of it.
   */
  labelsOnly: boolean;
}

/** Shared by every label set that no policy selects for a direction: never written to. */
const NO_POLICIES: DirectionPolicies = Object.freeze({
  policies: Object.freeze([]) as unknown as Policy[],
  ids: Object.freeze([]) as unknown as string[],
  labelsOnly: true,
});

/**
 * What the engine keeps per interned label set: its pods and the policies selecting it, per direction (the
 * split the questions ask for, filled as policies are matched: no list of all selecting policies is kept
 * for the common case). One lookup per pod and question instead of one per index.
 */
interface SetInfo {
  set: LabelSet;
  /** Pods with this label set (all in one namespace, with one service account); empty for a synthetic set. */
  pods: PodEndpoint[];
  ingress: DirectionPolicies | undefined;
  egress: DirectionPolicies | undefined;
  /** Selecting policies that apply to neither direction (`policyTypes` of unknown types only): rare. */
  neither: Policy[] | undefined;
  /** All selecting policies in evaluation order, merged from the above when first asked (CLI, tests). */
  applying: Policy[] | undefined;
}

/** `selectingBits`: the policy applies to ingress (egress); a rule of its ingress (egress) reads the endpoint. */
const INGRESS = 1;
const EGRESS = 2;
const INGRESS_READS_SELF = 4;
const EGRESS_READS_SELF = 8;

/** While building the selection: what policies of one selector text share. */
interface SelectionMemo {
  namespaces: readonly NamespaceInfo[];
  /** Per compiled selector, its matching label sets among a candidate list (by list identity). */
  bySelector: Map<Selector, Map<SetInfo[], SetInfo[]>>;
  /** Per namespace selector, the label sets of the namespaces it selects (namespace order). */
  byNamespaceSelector: Map<Selector, SetInfo[]>;
}
/** Candidate lists at least this long have their selector answer shared between policies of one selector. */
const SHARED_ANSWER_MIN = 32;

/** A pod's label set and its service account's labels. */
interface PodSetEntry {
  labels: LabelSet;
  saLabels: LabelSet;
}
/** A label map seen on pods of one controller (by its uid): the labels as written, namespace, account, entry. */
interface ReplicaEntry {
  raw: Obj;
  namespace: string;
  sa: string;
  entry: PodSetEntry;
}
/** Label maps remembered per controller: replicas carry one or two (a canary label on a few, a rollout). */
const REPLICA_VARIANTS = 4;

/** Postings of one label key: the label sets having it, and per value the label sets with that value. */
interface TermPostings {
  any?: SetInfo[];
  byValue?: Map<string, SetInfo[]>;
}

/** The outcome of walking the tiers for one direction, without the endpoint's name (shared per label set). */
interface Decision {
  allowed: boolean;
  decidedBy?: Decider;
  path: Decider[];
  /** The reason, when it does not name the endpoint. */
  reason?: string;
  /** An end-of-tier drop: its reason names the endpoint, so it is built per verdict. */
  endOfTier?: { namesText: string; count: number; tier: string };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The uid of the object's controller (a pod's ReplicaSet, StatefulSet, Job...), if it names one. */
function controllerUid(o: KubeObject): string | undefined {
  const refs = o.metadata.ownerReferences;
  if (!Array.isArray(refs)) return undefined;
  for (let i = 0; i < refs.length; i++) {
    const r: unknown = refs[i];
    if (isObj(r) && r['controller'] === true && typeof r['uid'] === 'string') return r['uid'];
  }
  return undefined;
}

/** Whether two label objects have the same string labels (what a label set is made of), in whatever order. */
function sameStringLabels(a: Obj, b: Obj): boolean {
  let n = 0;
  for (const k in a) {
    if (!Object.hasOwn(a, k)) continue;
    const v = a[k];
    if (typeof v !== 'string') continue;
    if (b[k] !== v || !Object.hasOwn(b, k)) return false;
    n++;
  }
  for (const k in b) if (Object.hasOwn(b, k) && typeof b[k] === 'string') n--;
  return n === 0;
}

function stringLabels(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObj(v)) for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return out;
}

/** Parses `N`, `N/PROTO` (`53/udp`) into a connection; throws with a readable message. */
export function parseConnection(text: string): Connection {
  const m = /^(\d{1,5})(?:\/([A-Za-z0-9]+))?$/.exec(text.trim());
  if (!m) throw new Error(`port "${text}" is not N or N/PROTO (e.g. 443, 53/udp)`);
  const port = Number(m[1]);
  if (port < 1 || port > 65535) throw new Error(`port ${port} is outside 1-65535`);
  const protocol = normaliseProtocol(m[2] ?? 'TCP')!;
  if (!['TCP', 'UDP', 'SCTP'].includes(protocol))
    throw new Error(`protocol "${m[2]}" has no ports; use tcp, udp or sctp`);
  return { protocol, port };
}

function sortKey(p: Policy): string {
  // Calico sorts equal orders by name; Kubernetes policies are named `knp.default.<name>` inside Calico.
  const calicoName = p.ref.kind === 'NetworkPolicy' ? `knp.default.${p.ref.name}` : p.ref.name;
  return `${p.namespace ?? ''}/${calicoName}`;
}

/** Named container ports of a pod (init containers included), for named-port rules. */
function containerPorts(p: KubeObject | undefined): NamedPort[] {
  const ports: NamedPort[] = [];
  const spec = p && isObj(p['spec']) ? p['spec'] : {};
  for (const list of [spec['containers'], spec['initContainers']]) {
    for (const c of arr(list)) {
      if (!isObj(c)) continue;
      for (const port of arr(c['ports'])) {
        if (isObj(port) && typeof port['name'] === 'string' && typeof port['containerPort'] === 'number') {
          ports.push({
            name: port['name'],
            port: port['containerPort'],
            protocol: normaliseProtocol(port['protocol']) ?? 'TCP',
          });
        }
      }
    }
  }
  return ports;
}

/**
 * A pod of the cluster as an endpoint. One shape for every pod (fields all set in the constructor), and its
 * named ports read from the pod only when a rule first asks for them: most scans never do, and 10,000 pods'
 * port lists were a fifth of the engine's memory.
 */
class PodRecord implements PodEndpoint {
  readonly kind = 'pod' as const;
  enforced = true;
  notEnforcedReason: string | undefined = undefined;
  private portList: NamedPort[] | undefined = undefined;
  private ipList: IpAddress[] | undefined = undefined;
  private keyText: string | undefined = undefined;

  constructor(
    readonly namespace: string,
    readonly name: string,
    readonly labels: LabelSet,
    readonly ns: NamespaceInfo,
    readonly serviceAccount: string,
    readonly serviceAccountLabels: LabelSet,
    readonly os: 'linux' | 'windows',
    readonly hostNetwork: boolean,
    readonly node: string | undefined,
    readonly object: KubeObject,
  ) {}

  /** `ns/name`, made when first asked (messages name the few pods they report). */
  get key(): string {
    return (this.keyText ??= `${this.namespace}/${this.name}`);
  }

  get ports(): NamedPort[] {
    return (this.portList ??= containerPorts(this.object));
  }

  /**
   * Its addresses, parsed when first asked: questions towards outside addresses never read a pod's own, and
   * 10,000 pods' parsed addresses were kept for the one lookup by address a scan makes.
   */
  get ips(): IpAddress[] {
    return (this.ipList ??= podIps(this.object));
  }

  /** Whether one of its address texts could be `text` (a cheap test before `ips` is parsed). */
  mayHaveIp(text: string): boolean {
    const status = isObj(this.object['status']) ? this.object['status'] : {};
    const list = arr(status['podIPs']);
    for (let i = 0; i < list.length; i++) {
      const e = list[i];
      if (isObj(e) && typeof e['ip'] === 'string' && e['ip'].trim() === text) return true;
    }
    const one = status['podIP'];
    return typeof one === 'string' && one.trim() === text;
  }
}

/** A pod's addresses: `status.podIPs` (valid, distinct), else `status.podIP`. */
function podIps(p: KubeObject): IpAddress[] {
  const status = isObj(p['status']) ? p['status'] : {};
  const ips: IpAddress[] = [];
  for (const e of arr(status['podIPs'])) {
    const ip = isObj(e) && typeof e['ip'] === 'string' ? parseIp(e['ip']) : undefined;
    if (ip && !ips.some((x) => x.text === ip.text)) ips.push(ip);
  }
  if (!ips.length && typeof status['podIP'] === 'string') {
    const ip = parseIp(status['podIP']);
    if (ip) ips.push(ip);
  }
  // A pushed-to array keeps room for 17 entries: addresses kept exactly.
  return ips.length === 1 ? [ips[0]] : ips.slice();
}

/** The engine over one snapshot of a cluster. Build once, query many times. */
export class PolicyEngine {
  readonly pods: PodEndpoint[] = [];
  readonly namespaces = new Map<string, NamespaceInfo>();
  readonly policies: Policy[] = [];
  readonly networkSets: NetworkSetEndpoint[] = [];
  readonly linuxOnly: boolean;
  private readonly interner = new LabelInterner();
  // Built on the first lookup by name (the CLI's, not the checks'): 10,000 key texts hashed for nothing otherwise.
  private podsByKey: Map<string, PodEndpoint> | undefined;
  private readonly podsByNs = new Map<string, PodEndpoint[]>();
  // The pod at an address, per address asked (null: none); found by a walk of the pods' address texts, not an
  // index of every address: a scan asks about one or two.
  private readonly podAtIp = new Map<string, PodEndpoint | null>();
  private readonly records: PodRecord[] = [];
  // Selection depends only on an endpoint's interned label set (it carries namespace and service account),
  // so indexes and verdicts are kept per label set: ten replicas cost one evaluation.
  private readonly setsByNs = new Map<string, SetInfo[]>();
  private readonly allSets: SetInfo[] = [];
  // Pod label sets, and synthetic ones once asked about.
  private readonly sets = new Map<LabelSet, SetInfo>();
  // Postings only for the terms some policy selector requires (a few dozen of the thousands of label pairs a
  // large cluster has), without a key text per pair.
  private readonly termIndex = new Map<string, TermPostings>();
  private readonly tierOrder = new Map<string, number>();
  private readonly policiesByNs = new Map<string, Policy[]>();
  private readonly globalPolicies: Policy[] = [];
  // Position of each policy in evaluation order, and the global policies by one label key their selector
  // requires (those requiring none apart): a synthetic endpoint tests only the global policies that can select
  // it, not all of them once per namespace.
  private readonly rank = new Map<Policy, number>();
  private readonly globalByKey = new Map<string, Policy[]>();
  private readonly globalAnyLabels: Policy[] = [];
  // Policies selecting at least one pod (which pods: each label set's lists say).
  private readonly selecting = new Set<Policy>();
  // Per policy, its directions and whether its rules read the endpoint it applies to (`selectingBits`).
  private readonly bits = new Map<Policy, number>();
  private readonly sortKeys = new Map<Policy, string>();
  // Decisions for endpoints whose applying rules read only their label set, towards outside addresses
  // (IMDS, the API server): one walk of the tiers per label set instead of one per pod.
  // Keyed by the peer object, then direction and connection, then label set: no per-call key text.
  private readonly decisions = new WeakMap<Peer, Map<string, Map<LabelSet, Decision>>>();
  // The last (peer, direction, connection) asked and its decisions: a check asks one question of every pod,
  // so most calls skip the key text and two lookups.
  private lastDecisions:
    { peer: Peer; direction: Direction; conn: Connection; bySet: Map<LabelSet, Decision> } | undefined;
  private readonly saLabels = new Map<string, LabelSet>();
  // The plain new pod (no labels, the default account) per namespace: the checks ask for it per namespace
  // in every network check and per GlobalNetworkPolicy, and each one cost a label text and two lookups.
  private readonly plainSynthetic = new Map<string, PodEndpoint>();
  // While building: per pod label set (which holds the namespace and account), it and its account's labels.
  private podSets: Map<LabelSet, PodSetEntry> | undefined = new Map();
  // While building: per controller uid, the label maps of its pods and their entries. Replicas of a controller
  // carry one label map or a few, so most pods are matched here by comparing their labels with an earlier
  // pod's, with no label map built and interned for each.
  private byController: Map<string, ReplicaEntry[]> | undefined = new Map();
  private readonly nodeOs = new Map<string, string>();
  private readonly emptyLabels: LabelSet;

  constructor(input: EngineInput) {
    this.linuxOnly = input.linuxOnly ?? false;
    this.emptyLabels = this.interner.intern({});
    for (const n of input.namespaces) this.namespace(n.metadata.name, stringLabels(n.metadata.labels), true);
    for (const sa of input.serviceAccounts ?? []) {
      this.saLabels.set(
        `${sa.metadata.namespace ?? 'default'}/${sa.metadata.name}`,
        this.interner.intern(stringLabels(sa.metadata.labels)),
      );
    }
    for (const node of input.nodes ?? []) {
      const labels = stringLabels(node.metadata.labels);
      const info =
        isObj(node['status']) && isObj(node['status']['nodeInfo']) ? node['status']['nodeInfo'] : {};
      const os =
        labels['kubernetes.io/os'] ??
        (typeof info['operatingSystem'] === 'string' ? info['operatingSystem'] : '');
      if (os) this.nodeOs.set(node.metadata.name, os);
    }
    for (const t of input.tiers ?? []) {
      const spec = isObj(t['spec']) ? t['spec'] : {};
      this.tierOrder.set(
        t.metadata.name,
        typeof spec['order'] === 'number' ? spec['order'] : Number.POSITIVE_INFINITY,
      );
    }
    if (!this.tierOrder.has(DEFAULT_TIER)) this.tierOrder.set(DEFAULT_TIER, DEFAULT_TIER_ORDER);

    // Policies first: their selectors name the few label terms worth indexing.
    for (const o of input.networkPolicies ?? []) this.policies.push(fromKubernetesPolicy(o));
    for (const o of input.calicoNetworkPolicies ?? []) this.policies.push(fromCalicoPolicy(o, false));
    for (const o of input.globalNetworkPolicies ?? []) this.policies.push(fromCalicoPolicy(o, true));
    for (const p of this.policies) {
      if (p.inert) continue;
      for (const t of p.selector.terms) {
        let entry = this.termIndex.get(t.key);
        if (!entry) this.termIndex.set(t.key, (entry = {}));
        if (t.value === undefined) entry.any ??= [];
        else {
          entry.byValue ??= new Map();
          if (!entry.byValue.has(t.value)) entry.byValue.set(t.value, []);
        }
      }
    }

    // Indexed loops on the per-pod and per-pair paths: this code runs once per scan, mostly before the optimising
    // compiler gets to it, and there a for-of allocates an iterator result per step.
    const inputPods = input.pods;
    for (let n = 0; n < inputPods.length; n++) {
      const ep = this.podEndpoint(inputPods[n]);
      if (!ep) continue;
      this.pods.push(ep);
      this.records.push(ep);
      let list = this.podsByNs.get(ep.namespace);
      if (!list) this.podsByNs.set(ep.namespace, (list = []));
      list.push(ep);
      const same = this.sets.get(ep.labels);
      if (same) {
        same.pods.push(ep);
        continue;
      }
      const info: SetInfo = {
        set: ep.labels,
        pods: [ep],
        ingress: undefined,
        egress: undefined,
        neither: undefined,
        applying: undefined,
      };
      this.sets.set(ep.labels, info);
      this.allSets.push(info);
      let nsSets = this.setsByNs.get(ep.namespace);
      if (!nsSets) this.setsByNs.set(ep.namespace, (nsSets = []));
      nsSets.push(info);
      // forEach, not for-of: the entries iterator allocates a pair per label.
      if (this.termIndex.size)
        ep.labels.labels.forEach((v, k) => {
          const entry = this.termIndex.get(k);
          if (!entry) return;
          entry.any?.push(info);
          entry.byValue?.get(v)?.push(info);
        });
    }

    this.podSets = undefined;
    this.byController = undefined;

    for (const s of input.networkSets ?? []) this.networkSets.push(this.networkSet(s, false));
    for (const s of input.globalNetworkSets ?? []) this.networkSets.push(this.networkSet(s, true));

    this.policies.sort((a, b) => this.comparePolicies(a, b));
    for (let i = 0; i < this.policies.length; i++) this.rank.set(this.policies[i], i);
    for (const p of this.policies) {
      if (p.namespace === undefined) {
        this.globalPolicies.push(p);
        const key = p.selector.terms[0]?.key;
        if (key === undefined) this.globalAnyLabels.push(p);
        else {
          let list = this.globalByKey.get(key);
          if (!list) this.globalByKey.set(key, (list = []));
          list.push(p);
        }
      } else {
        let list = this.policiesByNs.get(p.namespace);
        if (!list) this.policiesByNs.set(p.namespace, (list = []));
        list.push(p);
      }
    }
    // Invert policy -> selected label sets into label set -> policies (already in evaluation order).
    const namespaces = [...this.namespaces.values()];
    const memo: SelectionMemo = { namespaces, bySelector: new Map(), byNamespaceSelector: new Map() };
    for (const p of this.policies) {
      const sets = this.computeSelected(p, memo);
      if (!sets.length) continue;
      this.selecting.add(p);
      const how = this.selectingBits(p);
      for (let i = 0; i < sets.length; i++) this.addSelecting(sets[i], p, how);
    }
  }

  // ------------------------------------------------------------------------------------------- building

  private namespace(name: string, labels: Record<string, string>, listed: boolean): NamespaceInfo {
    const existing = this.namespaces.get(name);
    if (existing) return existing;
    const info: NamespaceInfo = {
      name,
      // The API server always sets kubernetes.io/metadata.name; Calico adds projectcalico.org/name.
      labels: this.interner.intern({
        'kubernetes.io/metadata.name': name,
        ...labels,
        [CALICO_NAME_LABEL]: name,
      }),
      listed,
    };
    this.namespaces.set(name, info);
    return info;
  }

  private podEndpoint(p: KubeObject): PodRecord | undefined {
    const spec = isObj(p['spec']) ? p['spec'] : {};
    const status = isObj(p['status']) ? p['status'] : {};
    const phase = status['phase'];
    // Finished pods have no endpoint any more.
    if (phase === 'Succeeded' || phase === 'Failed') return undefined;
    const namespace = p.metadata.namespace ?? 'default';
    const name = p.metadata.name;
    const sa =
      typeof spec['serviceAccountName'] === 'string'
        ? spec['serviceAccountName']
        : typeof spec['serviceAccount'] === 'string'
          ? spec['serviceAccount']
          : 'default';
    const { labels, saLabels } = this.podLabels(p, namespace, sa);
    const node = typeof spec['nodeName'] === 'string' ? spec['nodeName'] : undefined;
    const osField = isObj(spec['os']) ? spec['os']['name'] : undefined;
    const selectorOs = isObj(spec['nodeSelector']) ? spec['nodeSelector']['kubernetes.io/os'] : undefined;
    const os =
      (typeof osField === 'string' ? osField : undefined) ??
      (node ? this.nodeOs.get(node) : undefined) ??
      (typeof selectorOs === 'string' ? selectorOs : undefined) ??
      'linux';
    const ep = new PodRecord(
      namespace,
      name,
      labels,
      this.namespaces.get(namespace) ?? this.namespace(namespace, {}, false),
      sa,
      saLabels,
      os === 'windows' ? 'windows' : 'linux',
      spec['hostNetwork'] === true,
      node,
      p,
    );
    this.setEnforcement(ep);
    return ep;
  }

  /**
   * The pod's label set as Calico sees it (its own string labels, overridden by the Calico-added namespace,
   * orchestrator and service account labels) and its service account's labels.
   */
  private podLabels(p: KubeObject, namespace: string, sa: string): PodSetEntry {
    const raw: unknown = p.metadata.labels;
    const controller = isObj(raw) ? controllerUid(p) : undefined;
    if (controller === undefined || !isObj(raw)) return this.podSetEntry(raw, namespace, sa);
    const byController = (this.byController ??= new Map<string, ReplicaEntry[]>());
    let seen = byController.get(controller);
    if (seen)
      for (let i = 0; i < seen.length; i++) {
        const r = seen[i];
        if (r.namespace === namespace && r.sa === sa && sameStringLabels(r.raw, raw)) return r.entry;
      }
    else byController.set(controller, (seen = []));
    const entry = this.podSetEntry(raw, namespace, sa);
    if (seen.length < REPLICA_VARIANTS) seen.push({ raw, namespace, sa, entry });
    return entry;
  }

  /** `podLabels` from the labels themselves: the label set interned, and its entry. */
  private podSetEntry(raw: unknown, namespace: string, sa: string): PodSetEntry {
    // Its string labels, overridden by the ones Calico adds.
    const labels = this.interner.internOverridden(raw, [
      CALICO_NAMESPACE_LABEL,
      namespace,
      CALICO_ORCHESTRATOR_LABEL,
      'k8s',
      CALICO_SERVICEACCOUNT_LABEL,
      sa,
    ]);
    const podSets = (this.podSets ??= new Map<LabelSet, PodSetEntry>());
    let entry = podSets.get(labels);
    if (!entry) {
      entry = { labels, saLabels: this.saLabels.get(`${namespace}/${sa}`) ?? this.emptyLabels };
      podSets.set(labels, entry);
    }
    return entry;
  }

  private setEnforcement(ep: PodEndpoint): void {
    if (ep.hostNetwork) {
      ep.enforced = false;
      ep.notEnforcedReason =
        "host-network pod: it uses the node's network namespace and is not a Calico workload endpoint, so pod network policy does not apply (only host endpoint policy could)";
    } else if (ep.os === 'windows' && this.linuxOnly) {
      ep.enforced = false;
      ep.notEnforcedReason =
        'Windows pod: on AKS Arc, Calico network policy applies to Linux pods only, so no policy restricts this pod';
    }
  }

  private networkSet(o: KubeObject, global: boolean): NetworkSetEndpoint {
    const spec = isObj(o['spec']) ? o['spec'] : {};
    const nets = arr(spec['nets'])
      .map((n) => parseCidr(String(n)))
      .filter((c): c is Cidr => c !== undefined);
    const labels = stringLabels(o.metadata.labels);
    if (global)
      return {
        kind: 'networkset',
        key: `GlobalNetworkSet ${o.metadata.name}`,
        name: o.metadata.name,
        labels: this.interner.intern(labels),
        nets,
      };
    const ns = o.metadata.namespace ?? 'default';
    return {
      kind: 'networkset',
      key: `NetworkSet ${ns}/${o.metadata.name}`,
      namespace: ns,
      name: o.metadata.name,
      labels: this.interner.intern({ ...labels, [CALICO_NAMESPACE_LABEL]: ns }),
      ns: this.namespace(ns, {}, false),
      nets,
    };
  }

  private tierRank(tier: string): number {
    return this.tierOrder.get(tier) ?? Number.POSITIVE_INFINITY;
  }

  private sortKey(p: Policy): string {
    let k = this.sortKeys.get(p);
    if (k === undefined) this.sortKeys.set(p, (k = sortKey(p)));
    return k;
  }

  private comparePolicies(a: Policy, b: Policy): number {
    const ta = this.tierRank(a.ref.tier);
    const tb = this.tierRank(b.ref.tier);
    if (ta !== tb) return ta < tb ? -1 : 1;
    if (a.ref.tier !== b.ref.tier) return a.ref.tier < b.ref.tier ? -1 : 1;
    const oa = a.ref.order ?? Number.POSITIVE_INFINITY;
    const ob = b.ref.order ?? Number.POSITIVE_INFINITY;
    if (oa !== ob) return oa < ob ? -1 : 1;
    const ka = this.sortKey(a);
    const kb = this.sortKey(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  }

  /** Whether the policy selects the pod (namespace, selector, namespaceSelector, serviceAccountSelector). */
  policySelects(p: Policy, ep: PodEndpoint): boolean {
    if (p.inert) return false;
    if (p.namespace !== undefined && p.namespace !== ep.namespace) return false;
    if (p.namespaceSelector && !p.namespaceSelector.matches(ep.ns.labels)) return false;
    if (p.serviceAccountSelector && !p.serviceAccountSelector.matches(ep.serviceAccountLabels)) return false;
    return p.selector.matches(ep.labels);
  }

  private computeSelected(
    p: Policy,
    { namespaces, bySelector, byNamespaceSelector }: SelectionMemo,
  ): SetInfo[] {
    if (p.inert) return [];
    const nsSel = p.namespaceSelector && !p.namespaceSelector.matchesAll ? p.namespaceSelector : undefined;
    // The shortest of the policy's own candidates and its selector's postings (the first such, as ever: the
    // order of the answer follows the list walked).
    let shortest: SetInfo[] | undefined;
    for (const t of p.selector.terms) {
      const entry = this.termIndex.get(t.key);
      const posting = (t.value === undefined ? entry?.any : entry?.byValue?.get(t.value)) ?? [];
      if (!shortest || posting.length < shortest.length) shortest = posting;
    }
    let candidates: SetInfo[];
    if (p.namespace !== undefined) candidates = this.setsByNs.get(p.namespace) ?? [];
    else if (nsSel) {
      // The selected namespaces' sets, once per namespace selector (policies share selectors of one text).
      let inNamespaces = byNamespaceSelector.get(nsSel);
      if (!inNamespaces) {
        inNamespaces = [];
        for (let i = 0; i < namespaces.length; i++)
          if (nsSel.matches(namespaces[i].labels))
            inNamespaces.push(...(this.setsByNs.get(namespaces[i].name) ?? []));
        byNamespaceSelector.set(nsSel, inNamespaces);
      }
      candidates = inNamespaces;
    } else candidates = this.allSets;
    if (shortest && shortest.length < candidates.length) candidates = shortest;
    // As policySelects, but the pod selector's verdict is not remembered on the set: each (policy selector,
    // label set) pair is asked once here, and 80,000 remembered pairs cost more than they ever return.
    // Policies with one selector text share one compiled selector: over a shared list (every set, a posting
    // list) its answer is worked out once and the policies' own namespace and account conditions applied to it.
    let tested = false;
    if (candidates.length >= SHARED_ANSWER_MIN) {
      let answers = bySelector.get(p.selector);
      if (!answers) bySelector.set(p.selector, (answers = new Map<SetInfo[], SetInfo[]>()));
      let matching = answers.get(candidates);
      if (!matching) {
        matching = [];
        for (let i = 0; i < candidates.length; i++)
          if (p.selector.test(candidates[i].set)) matching.push(candidates[i]);
        answers.set(candidates, matching);
      }
      candidates = matching;
      tested = true;
      // Read only by the caller: shared as it is.
      if (p.namespace === undefined && !nsSel && !p.serviceAccountSelector) return matching;
    }
    const out: SetInfo[] = [];
    const saSel = p.serviceAccountSelector;
    for (let i = 0; i < candidates.length; i++) {
      const info = candidates[i];
      const ep = info.pods[0];
      if (p.namespace !== undefined && p.namespace !== ep.namespace) continue;
      if (nsSel && !nsSel.matches(ep.ns.labels)) continue;
      if (saSel && !saSel.matches(ep.serviceAccountLabels)) continue;
      if (tested || p.selector.test(info.set)) out.push(info);
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------- queries

  /** Pod by `ns/name`. */
  pod(key: string): PodEndpoint | undefined {
    if (!this.podsByKey) {
      this.podsByKey = new Map();
      for (const ep of this.pods) this.podsByKey.set(ep.key, ep);
    }
    return this.podsByKey.get(key);
  }

  /** Pods of one namespace. */
  podsIn(namespace: string): readonly PodEndpoint[] {
    return this.podsByNs.get(namespace) ?? [];
  }

  /** Whether the policy selects at least one pod (without listing them: a global policy may select all). */
  selectsAnyPod(p: Policy): boolean {
    return this.selecting.has(p);
  }

  /**
   * Pods the policy selects (whatever directions it has), in the engine's pod order. Worked out per call from
   * the label sets' applying policies (for the CLI and tests; the checks ask `selectsAnyPod`).
   */
  selectedPods(p: Policy): readonly PodEndpoint[] {
    if (!this.selecting.has(p)) return [];
    return this.pods.filter((ep) => this.applying(this.sets.get(ep.labels)!).includes(p));
  }

  /** Policies that select the pod, in evaluation order; only those applying to `direction` when given. */
  policiesFor(ep: PodEndpoint, direction?: Direction): Policy[] {
    const info = this.setInfo(ep);
    return direction ? this.directionPolicies(ep, direction).policies.slice() : this.applying(info);
  }

  /** A label set's selecting policies in evaluation order: its per-direction lists merged (made once). */
  private applying(info: SetInfo): Policy[] {
    if (info.applying) return info.applying;
    const all = new Set<Policy>([
      ...(info.ingress?.policies ?? []),
      ...(info.egress?.policies ?? []),
      ...(info.neither ?? []),
    ]);
    return (info.applying = [...all].sort((a, b) => this.rank.get(a)! - this.rank.get(b)!));
  }

  /**
   * The directions `p` applies to and which of them have a rule reading the endpoint it applies to (bits),
   * worked out once per policy, not per label set it selects.
   */
  private selectingBits(p: Policy): number {
    let bits = this.bits.get(p);
    if (bits === undefined) {
      bits = (p.types.has('ingress') ? INGRESS : 0) | (p.types.has('egress') ? EGRESS : 0);
      for (let i = 0; i < p.ingress.length; i++) if (p.ingress[i].reads.dst) bits |= INGRESS_READS_SELF;
      for (let i = 0; i < p.egress.length; i++) if (p.egress[i].reads.src) bits |= EGRESS_READS_SELF;
      this.bits.set(p, bits);
    }
    return bits;
  }

  /**
   * Records that `p` (with its `selectingBits`) selects the label set: appended to its direction lists
   * (policies come in evaluation order).
   */
  private addSelecting(info: SetInfo, p: Policy, bits: number): void {
    if (bits & INGRESS) {
      const d = (info.ingress ??= { policies: [], ids: undefined, labelsOnly: true });
      d.policies.push(p);
      if (bits & INGRESS_READS_SELF) d.labelsOnly = false;
    }
    if (bits & EGRESS) {
      const d = (info.egress ??= { policies: [], ids: undefined, labelsOnly: true });
      d.policies.push(p);
      if (bits & EGRESS_READS_SELF) d.labelsOnly = false;
    }
    if (!(bits & (INGRESS | EGRESS))) (info.neither ??= []).push(p);
  }

  /** The label set's record; for a synthetic or foreign endpoint's set, made on first use. */
  private setInfo(ep: PodEndpoint): SetInfo {
    let info = this.sets.get(ep.labels);
    if (!info) {
      // Synthetic or foreign endpoints: evaluate the candidates directly: the namespace's policies, and the
      // global ones whose selector's required label key the endpoint has (or that require none), in
      // evaluation order.
      const local = this.policiesByNs.get(ep.namespace) ?? [];
      let global = this.globalAnyLabels;
      if (this.globalByKey.size) {
        global = global.slice();
        ep.labels.labels.forEach((_v, k) => {
          const list = this.globalByKey.get(k);
          if (list) for (let n = 0; n < list.length; n++) global.push(list[n]);
        });
        global.sort((a, b) => this.rank.get(a)! - this.rank.get(b)!);
      }
      // Valid for anything with this label set: selection depends on nothing else.
      info = {
        set: ep.labels,
        pods: [],
        ingress: undefined,
        egress: undefined,
        neither: undefined,
        applying: undefined,
      };
      let i = 0;
      let j = 0;
      while (i < local.length || j < global.length) {
        const p =
          j >= global.length || (i < local.length && this.rank.get(local[i])! < this.rank.get(global[j])!)
            ? local[i++]
            : global[j++];
        if (this.policySelects(p, ep)) this.addSelecting(info, p, this.selectingBits(p));
      }
      this.sets.set(ep.labels, info);
    }
    return info;
  }

  /** Policies for one direction; the arrays are shared between calls: read them only. */
  private directionPolicies(ep: PodEndpoint, direction: Direction): DirectionPolicies {
    return this.setInfo(ep)[direction] ?? NO_POLICIES;
  }

  /** The ids of a direction's policies, for verdicts (made once per label set and direction). */
  private static ids(dp: DirectionPolicies): string[] {
    if (!dp.ids) {
      const ids: string[] = [];
      for (let i = 0; i < dp.policies.length; i++) ids.push(dp.policies[i].id);
      dp.ids = ids;
    }
    return dp.ids;
  }

  /** `isolation(ep)[direction]` without copying the policy lists. */
  isolated(ep: PodEndpoint, direction: Direction): boolean {
    return ep.enforced && this.directionPolicies(ep, direction).policies.length > 0;
  }

  /** Isolation per direction (a pod is isolated for a direction when some policy selects it for it). */
  isolation(ep: PodEndpoint): Isolation {
    const ingress = PolicyEngine.ids(this.directionPolicies(ep, 'ingress')).slice();
    const egress = PolicyEngine.ids(this.directionPolicies(ep, 'egress')).slice();
    return {
      ingress: ep.enforced && ingress.length > 0,
      egress: ep.enforced && egress.length > 0,
      ingressPolicies: ingress,
      egressPolicies: egress,
    };
  }

  /**
   * A stand-in for "a new pod in this namespace" with the given labels (none by default) and the `default`
   * service account: what a namespace's policies do to a pod nobody wrote a special rule for. Without labels
   * and with the default account it is made once per namespace and shared: read it only.
   */
  syntheticPod(namespace: string, labels?: Record<string, string>, serviceAccount = 'default'): PodEndpoint {
    const plain = labels === undefined && serviceAccount === 'default';
    const made = plain ? this.plainSynthetic.get(namespace) : undefined;
    if (made) return made;
    // An unknown namespace stays out of `namespaces`: probes must not invent namespaces for later queries.
    const ns = this.namespaces.get(namespace) ?? {
      name: namespace,
      labels: this.interner.intern({
        'kubernetes.io/metadata.name': namespace,
        [CALICO_NAME_LABEL]: namespace,
      }),
      listed: false,
    };
    const ep: PodEndpoint = {
      kind: 'pod',
      key: `${namespace}/<new pod>`,
      namespace,
      name: '<new pod>',
      labels: this.interner.intern({
        ...labels,
        [CALICO_NAMESPACE_LABEL]: namespace,
        [CALICO_ORCHESTRATOR_LABEL]: 'k8s',
        [CALICO_SERVICEACCOUNT_LABEL]: serviceAccount,
      }),
      ns,
      serviceAccount,
      serviceAccountLabels: this.saLabels.get(`${namespace}/${serviceAccount}`) ?? this.emptyLabels,
      ips: [],
      ports: [],
      os: 'linux',
      hostNetwork: false,
      enforced: true,
      synthetic: true,
    };
    if (plain) this.plainSynthetic.set(namespace, ep);
    return ep;
  }

  /** An address as a peer: the pod that owns it, or an outside address with the network sets containing it. */
  ipPeer(text: string): Peer {
    const ip = parseIp(text);
    if (!ip) throw new Error(`"${text}" is not an IP address`);
    const pod = this.podAt(ip.text);
    if (pod) return pod;
    const sets = this.networkSets.filter((s) =>
      s.nets.some((n) => n.family === ip.family && containsIp(n, ip)),
    );
    const ep: IpEndpoint = { kind: 'ip', key: ip.text, ip, sets };
    return ep;
  }

  /**
   * The pod whose addresses include `text` (a parsed address's text), the last in pod order when several claim
   * it; host-networked pods share the node's address, which is not their own endpoint.
   */
  private podAt(text: string): PodEndpoint | undefined {
    let hit = this.podAtIp.get(text);
    if (hit === undefined) {
      hit = null;
      for (let i = 0; i < this.records.length; i++) {
        const ep = this.records[i];
        if (!ep.hostNetwork && ep.mayHaveIp(text) && ep.ips.some((x) => x.text === text)) hit = ep;
      }
      this.podAtIp.set(text, hit);
    }
    return hit ?? undefined;
  }

  /** Resolves `ns/pod` or an IP address; throws naming what was not found. */
  resolve(ref: string): Peer {
    if (parseIp(ref)) return this.ipPeer(ref);
    const slash = ref.indexOf('/');
    if (slash <= 0 || slash === ref.length - 1)
      throw new Error(`"${ref}" is neither NAMESPACE/POD nor an IP address`);
    const pod = this.pod(ref);
    if (!pod) throw new Error(`pod ${ref} not found (or it has finished) in the evidence`);
    return pod;
  }

  /** Evaluates one direction at `self` for traffic with `peer` (ingress: peer -> self; egress: self -> peer). */
  evaluate(direction: Direction, self: PodEndpoint, peer: Peer, conn: Connection): DirectionVerdict {
    const dp = this.directionPolicies(self, direction);
    const policies = dp.policies;
    const ids = PolicyEngine.ids(dp);
    const endpoint = self.key;
    if (!self.enforced)
      return {
        direction,
        endpoint,
        policies: ids.slice(),
        path: [],
        allowed: true,
        enforced: false,
        reason: self.notEnforcedReason ?? 'policy is not enforced on this endpoint',
      };
    if (!policies.length)
      return {
        direction,
        endpoint,
        policies: ids.slice(),
        path: [],
        allowed: true,
        enforced: true,
        reason: `no policy selects ${endpoint} for ${direction}: it is not isolated, so the namespace profile allows`,
      };
    const decision = this.decision(direction, self, peer, conn, dp);
    const eot = decision.endOfTier;
    const reason =
      decision.reason ??
      `denied: ${eot!.namesText} select${eot!.count === 1 ? 's' : ''} ${endpoint} for ${direction} in tier ${eot!.tier} and no rule allows it (end-of-tier default deny)`;
    // Same key order as ever: verdicts are printed as JSON.
    return decision.decidedBy
      ? {
          direction,
          endpoint,
          policies: ids.slice(),
          path: decision.path.slice(),
          allowed: decision.allowed,
          enforced: true,
          decidedBy: decision.decidedBy,
          reason,
        }
      : {
          direction,
          endpoint,
          policies: ids.slice(),
          path: decision.path.slice(),
          allowed: decision.allowed,
          enforced: true,
          reason,
        };
  }

  /** The walk of the tiers for `self` (enforced, selected), shared per label set towards outside addresses. */
  private decision(
    direction: Direction,
    self: PodEndpoint,
    peer: Peer,
    conn: Connection,
    dp: DirectionPolicies,
  ): Decision {
    const src = direction === 'ingress' ? peer : self;
    const dst = direction === 'ingress' ? self : peer;
    let decision: Decision | undefined;
    // Shared only towards outside addresses (whose family fixes the connection's): a pod peer is its own key,
    // nothing would be reused.
    let bySet: Map<LabelSet, Decision> | undefined;
    if (peer.kind === 'ip' && dp.labelsOnly) {
      const last = this.lastDecisions;
      if (last && last.peer === peer && last.direction === direction && last.conn === conn)
        bySet = last.bySet;
      else {
        let byConn = this.decisions.get(peer);
        if (!byConn) this.decisions.set(peer, (byConn = new Map<string, Map<LabelSet, Decision>>()));
        const connKey = `${direction} ${conn.protocol} ${conn.port ?? ''}`;
        bySet = byConn.get(connKey);
        if (!bySet) byConn.set(connKey, (bySet = new Map<LabelSet, Decision>()));
        this.lastDecisions = { peer, direction, conn, bySet };
      }
      decision = bySet.get(self.labels);
    }
    if (!decision) {
      decision = this.decide(direction, dp.policies, { src, dst, conn, family: familyOf(src, dst) });
      bySet?.set(self.labels, decision);
    }
    return decision;
  }

  /**
   * `canReach(from, to, conn).allowed` for a pod and an outside address, without building the verdict: checks
   * that ask it of every pod build full verdicts only for the pods whose answer they report.
   */
  reachAllowed(from: PodEndpoint, to: Peer, conn: Connection): boolean {
    if (to.kind !== 'ip') return this.canReach(from, to, conn).allowed;
    if (!from.enforced) return true;
    const dp = this.directionPolicies(from, 'egress');
    if (!dp.policies.length) return true;
    return this.decision('egress', from, to, conn, dp).allowed;
  }

  /** Walks the tiers: Log continues, Pass jumps to the next tier, Allow and Deny decide, a tier's end drops. */
  private decide(direction: Direction, policies: Policy[], ctx: RuleContext): Decision {
    const path: Decider[] = [];
    let i = 0;
    while (i < policies.length) {
      const tier = policies[i].ref.tier;
      let end = i;
      while (end < policies.length && policies[end].ref.tier === tier) end++;
      let passed = false;
      let lastPolicy = policies[i];
      tierLoop: for (let j = i; j < end; j++) {
        const p = policies[j];
        lastPolicy = p;
        const rules: Rule[] = direction === 'ingress' ? p.ingress : p.egress;
        for (const r of rules) {
          if (!r.matches(ctx)) continue;
          const d: Decider = {
            policy: p.ref,
            policyId: p.id,
            rule: r.index,
            ruleText: r.text,
            action: r.action,
          };
          if (r.action === 'Log') {
            path.push(d);
            continue;
          }
          if (r.action === 'Pass') {
            path.push(d);
            passed = true;
            break tierLoop;
          }
          const allowed = r.action === 'Allow';
          return {
            path,
            allowed,
            decidedBy: d,
            reason: `${allowed ? 'allowed' : 'denied'} by ${p.id} (tier ${tier}, order ${p.ref.order ?? 'unset'}) ${direction} rule ${r.index}: ${r.text}`,
          };
        }
      }
      if (!passed) {
        const names = policies.slice(i, end).map((p) => p.id);
        const d: Decider = {
          policy: lastPolicy.ref,
          policyId: lastPolicy.id,
          action: 'end-of-tier deny',
          tierPolicies: names,
        };
        return {
          path,
          allowed: false,
          decidedBy: d,
          endOfTier: { namesText: names.join(', '), count: names.length, tier },
        };
      }
      i = end;
    }
    return {
      path,
      allowed: true,
      reason: `every tier passed ${direction} on to the namespace profile, which allows`,
    };
  }

  private asSeenByPeer(p: Peer): Peer {
    if (p.kind !== 'pod' || !p.hostNetwork || !p.ips[0]) return p;
    const ip = p.ips[0];
    return {
      kind: 'ip',
      key: p.key,
      ip,
      sets: this.networkSets.filter((s) => s.nets.some((n) => containsIp(n, ip))),
    };
  }

  /** May traffic go from `from` to `to` on the connection, with egress at the source and ingress at the destination? */
  canReach(from: Peer | string, to: Peer | string, conn: Connection): ReachVerdict {
    const src = typeof from === 'string' ? this.resolve(from) : from;
    const dst = typeof to === 'string' ? this.resolve(to) : to;
    const head = {
      from: src.key,
      to: dst.key,
      protocol: conn.protocol,
      ...(conn.port !== undefined ? { port: conn.port } : {}),
    };
    if (src.kind === 'pod' && dst.kind === 'pod' && src.key === dst.key && !src.synthetic) {
      return {
        ...head,
        allowed: true,
        egress: null,
        ingress: null,
        reason: 'same pod: traffic to itself does not leave the pod, so policy does not apply',
      };
    }
    // A host-network pod is seen by the other end as its node's address, not as a labelled endpoint.
    const egress = src.kind === 'pod' ? this.evaluate('egress', src, this.asSeenByPeer(dst), conn) : null;
    const ingress = dst.kind === 'pod' ? this.evaluate('ingress', dst, this.asSeenByPeer(src), conn) : null;
    const allowed = (egress?.allowed ?? true) && (ingress?.allowed ?? true);
    return {
      ...head,
      allowed,
      egress,
      ingress,
      // A plain property, not a getter: an accessor in an object literal costs a runtime call per verdict,
      // far more than these few cons strings (V8 joins them lazily, nothing is copied until printed).
      reason: `${egress ? `egress at ${src.key}: ${egress.reason}` : `${src.key} is not a pod: no egress policy applies at the source`}; ${ingress ? `ingress at ${dst.key}: ${ingress.reason}` : `${dst.key} is not a pod: no ingress policy applies at the destination`}`,
    };
  }

  /** The pod-to-pod truth table for a connection (egress and ingress applied), keyed `ns/pod` -> `ns/pod`. */
  matrix(
    conn: Connection,
    pods: readonly PodEndpoint[] = this.pods,
  ): Record<string, Record<string, boolean>> {
    const out: Record<string, Record<string, boolean>> = {};
    const sorted = [...pods].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const a of sorted) {
      const row: Record<string, boolean> = {};
      for (const b of sorted) row[b.key] = this.canReach(a, b, conn).allowed;
      out[a.key] = row;
    }
    return out;
  }
}

function containsIp(c: Cidr, ip: IpAddress): boolean {
  const max = c.family === 4 ? 32 : 128;
  return ip.value >> BigInt(max - c.bits) === c.base >> BigInt(max - c.bits);
}

function familyOf(src: Peer, dst: Peer): 4 | 6 {
  if (dst.kind === 'ip') return dst.ip.family;
  if (src.kind === 'ip') return src.ip.family;
  const has = (p: PodEndpoint, f: 4 | 6): boolean => p.ips.some((i) => i.family === f);
  if ((has(src, 4) || !src.ips.length) && (has(dst, 4) || !dst.ips.length)) return 4;
  return 6;
}
