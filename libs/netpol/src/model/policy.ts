/**
 * Kubernetes NetworkPolicy and Calico (Global)NetworkPolicy normalised into one shape the engine evaluates:
 * an endpoint selector, the directions it applies to, and ordered rules whose matchers are precompiled.
 * Kubernetes policies become what Calico makes of them: tier `default`, order 1000, Allow rules only.
 */
import type { KubeObject } from '@watchpost/shared';
import { selector, Selector, type LabelSet } from '../selector/selector.js';
import { canonicalSelector, type SelectorNode } from '../selector/selector.parser.js';
import { SelectorSyntaxError } from '../selector/selector.tokenizer.js';
import { cidrContains, parseCidr, type Cidr } from './cidr.js';
import { peerAddress, type Connection, type Peer, type PodEndpoint } from './endpoint.js';

/** Traffic direction relative to the endpoint a policy applies to. */
export type Direction = 'ingress' | 'egress';
/** Calico rule actions. */
export type Action = 'Allow' | 'Deny' | 'Pass' | 'Log';
/** Which kind of object a policy came from. */
export type PolicyKind = 'NetworkPolicy' | 'CalicoNetworkPolicy' | 'GlobalNetworkPolicy';

/** Order Calico gives Kubernetes NetworkPolicies (in the default tier). */
export const K8S_POLICY_ORDER = 1000;
/** Name of Calico's default tier. */
export const DEFAULT_TIER = 'default';

/** How a policy is named in verdicts. */
export interface PolicyRef {
  kind: PolicyKind;
  apiVersion: string;
  namespace?: string;
  name: string;
  tier: string;
  /** Undefined = unset (evaluated last in its tier). */
  order?: number;
}

/** Who a rule side is matched against, as the rule sees it. */
export interface RuleContext {
  src: Peer;
  dst: Peer;
  conn: Connection;
  family: 4 | 6;
}

/** One precompiled rule. */
export interface Rule {
  index: number;
  action: Action;
  /** Short description for explanations (`allow from podSelector app=web on TCP/8080`). */
  text: string;
  matches(ctx: RuleContext): boolean;
  /**
   * Whether matching reads the source or destination endpoint beyond its labels, namespace and service account
   * (its addresses, its named ports). The engine reuses one endpoint's verdict for every endpoint with the same
   * label set only when no applying rule reads that endpoint's side: a rule that starts reading more of an
   * endpoint must say so here.
   */
  reads: { src: boolean; dst: boolean };
}

/** A policy in the engine's shape. */
export interface Policy {
  ref: PolicyRef;
  /** `NetworkPolicy ns/name`, `CalicoNetworkPolicy ns/name`, `GlobalNetworkPolicy name`. */
  id: string;
  namespace?: string;
  /** Endpoint selector (Kubernetes podSelector converted to the Calico form). */
  selector: Selector;
  namespaceSelector?: Selector;
  serviceAccountSelector?: Selector;
  types: ReadonlySet<Direction>;
  ingress: Rule[];
  egress: Rule[];
  /** Problems met while reading it (invalid selector, unknown field value). */
  problems: string[];
  /** Set when the policy can never apply to a pod (invalid, host-endpoint-only): why. */
  inert?: string;
  /** Notes about constructs evaluated approximately (HTTP match, services). */
  caveats: string[];
  object: KubeObject;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

const PROTOCOL_NUMBERS: Record<string, string> = {
  '1': 'ICMP',
  '6': 'TCP',
  '17': 'UDP',
  '58': 'ICMPV6',
  '132': 'SCTP',
  '136': 'UDPLITE',
};

/** Normalises a protocol as written in a policy (`tcp`, `TCP`, `6`) to the engine's upper-case name. */
export function normaliseProtocol(p: unknown): string | undefined {
  if (typeof p === 'number') return PROTOCOL_NUMBERS[String(p)] ?? String(p);
  if (typeof p !== 'string' || p === '') return undefined;
  return PROTOCOL_NUMBERS[p] ?? p.toUpperCase();
}

// ---------------------------------------------------------------------------------------------------------
// Kubernetes LabelSelector -> Calico selector tree (one evaluator, one memo for both).

const labelSelectors = new Map<string, Selector>();

/** Converts a Kubernetes LabelSelector (`matchLabels`, `matchExpressions`) to a compiled Calico selector. */
export function labelSelectorToSelector(ls: unknown, where: string, problems: string[]): Selector {
  if (!isObj(ls)) return new Selector('', { op: 'all' });
  const parts: SelectorNode[] = [];
  const ml = ls['matchLabels'];
  if (isObj(ml)) for (const [k, v] of Object.entries(ml)) parts.push({ op: 'eq', key: k, value: String(v) });
  for (const [i, e] of arr(ls['matchExpressions']).entries()) {
    if (!isObj(e) || typeof e['key'] !== 'string') {
      problems.push(`${where}.matchExpressions[${i}] has no key`);
      parts.push({ op: 'not', operand: { op: 'all' } });
      continue;
    }
    const key = e['key'];
    const values = [...new Set(arr(e['values']).map(String))].sort();
    switch (e['operator']) {
      case 'In':
        parts.push({ op: 'in', key, values });
        break;
      case 'NotIn':
        parts.push({ op: 'notin', key, values });
        break;
      case 'Exists':
        parts.push({ op: 'has', key });
        break;
      case 'DoesNotExist':
        parts.push({ op: 'not', operand: { op: 'has', key } });
        break;
      default:
        // The API server rejects unknown operators; a bundle could still hold one. Match nothing.
        problems.push(
          `${where}.matchExpressions[${i}] has unknown operator ${JSON.stringify(e['operator'])}`,
        );
        parts.push({ op: 'not', operand: { op: 'all' } });
    }
  }
  const node: SelectorNode =
    parts.length === 0 ? { op: 'all' } : parts.length === 1 ? parts[0] : { op: 'and', operands: parts };
  // One compiled selector per tree (as `selector()` does per Calico text): a cluster's policies repeat a few pod
  // selectors thousands of times, and one selector's answers are shared (see the engine). Keyed by the tree's
  // JSON, which cannot be ambiguous whatever a bundle's values hold.
  const tree = JSON.stringify(node);
  let s = labelSelectors.get(tree);
  if (!s) {
    // Bounded: a long-running agent sees the same few thousand selectors scan after scan.
    if (labelSelectors.size > 50_000) labelSelectors.clear();
    labelSelectors.set(tree, (s = new Selector(canonicalSelector(node), node)));
  }
  return s;
}

function calicoSelector(text: unknown, where: string, problems: string[]): Selector | undefined {
  if (text === undefined || text === null) return undefined;
  if (typeof text !== 'string') {
    problems.push(`${where} is not a string`);
    return undefined;
  }
  try {
    return selector(text);
  } catch (err) {
    if (err instanceof SelectorSyntaxError) {
      problems.push(`${where} ${JSON.stringify(text)}: ${err.message}`);
      return undefined;
    }
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Ports

interface PortMatcher {
  text: string;
  /** A port name, resolved on the destination endpoint's container ports. */
  named: boolean;
  /** Whether the destination port (resolved on the destination endpoint for named ports) matches. */
  matches(conn: Connection, dst: Peer): boolean;
}

function namedPortMatches(name: string, protocol: string | undefined, conn: Connection, dst: Peer): boolean {
  if (dst.kind !== 'pod' || conn.port === undefined) return false;
  return dst.ports.some(
    (p) =>
      p.name === name &&
      p.port === conn.port &&
      (protocol === undefined || p.protocol === protocol) &&
      p.protocol === conn.protocol,
  );
}

function calicoPort(
  p: unknown,
  protocol: string | undefined,
  where: string,
  problems: string[],
): PortMatcher | undefined {
  if (typeof p === 'number' && Number.isInteger(p))
    return { text: String(p), named: false, matches: (c) => c.port === p };
  if (typeof p === 'string') {
    const range = /^(\d+):(\d+)$/.exec(p);
    if (range) {
      const lo = Number(range[1]);
      const hi = Number(range[2]);
      return { text: p, named: false, matches: (c) => c.port !== undefined && c.port >= lo && c.port <= hi };
    }
    if (/^\d+$/.test(p)) {
      const n = Number(p);
      return { text: p, named: false, matches: (c) => c.port === n };
    }
    return { text: p, named: true, matches: (c, dst) => namedPortMatches(p, protocol, c, dst) };
  }
  problems.push(`${where} ${JSON.stringify(p)} is not a port, a range "lo:hi" or a port name`);
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Kubernetes NetworkPolicy

function k8sPeerMatcher(
  peer: Obj,
  policyNs: string,
  where: string,
  problems: string[],
): { text: string; readsAddress: boolean; matches: (p: Peer, family: 4 | 6) => boolean } {
  const ipBlock = peer['ipBlock'];
  if (isObj(ipBlock)) {
    const cidr = parseCidr(str(ipBlock['cidr']) ?? '');
    if (!cidr) problems.push(`${where}.ipBlock.cidr ${JSON.stringify(ipBlock['cidr'])} is not a CIDR`);
    const except = arr(ipBlock['except'])
      .map((e) => parseCidr(String(e)))
      .filter((c): c is Cidr => c !== undefined);
    const text = `ipBlock ${cidr?.text ?? '?'}${except.length ? ` except ${except.map((e) => e.text).join(', ')}` : ''}`;
    return {
      text,
      readsAddress: true,
      // Calico matches ipBlock against any address, pod addresses included.
      matches: (p, family) => {
        const ip = peerAddress(p, family);
        return !!cidr && !!ip && cidrContains(cidr, ip) && !except.some((e) => cidrContains(e, ip));
      },
    };
  }
  const hasPod = isObj(peer['podSelector']);
  const hasNs = isObj(peer['namespaceSelector']);
  const podSel = hasPod
    ? labelSelectorToSelector(peer['podSelector'], `${where}.podSelector`, problems)
    : undefined;
  const nsSel = hasNs
    ? labelSelectorToSelector(peer['namespaceSelector'], `${where}.namespaceSelector`, problems)
    : undefined;
  const text = [
    nsSel ? `namespaces ${nsSel.canonical}` : `namespace ${policyNs}`,
    podSel ? `pods ${podSel.canonical}` : 'all pods',
  ].join(', ');
  if (!hasPod && !hasNs) {
    problems.push(
      `${where} has none of podSelector, namespaceSelector, ipBlock (the API server rejects this)`,
    );
    return { text: 'empty peer', readsAddress: false, matches: () => false };
  }
  return {
    text,
    readsAddress: false,
    matches: (p) => {
      // Kubernetes selectors pick pods only, never network sets or outside addresses.
      if (p.kind !== 'pod') return false;
      const nsOk = nsSel ? nsSel.matches(p.ns.labels) : p.namespace === policyNs;
      return nsOk && (!podSel || podSel.matches(p.labels));
    },
  };
}

function k8sPortMatcher(port: Obj, where: string, problems: string[]): PortMatcher {
  const protocol = normaliseProtocol(port['protocol']) ?? 'TCP';
  const p = port['port'];
  const endPort = typeof port['endPort'] === 'number' ? port['endPort'] : undefined;
  if (p === undefined || p === null)
    return { text: `${protocol}/any`, named: false, matches: (c) => c.protocol === protocol };
  if (typeof p === 'number' || (typeof p === 'string' && /^\d+$/.test(p))) {
    const lo = Number(p);
    const hi = endPort ?? lo;
    return {
      text: `${protocol}/${lo}${endPort ? `-${hi}` : ''}`,
      named: false,
      matches: (c) => c.protocol === protocol && c.port !== undefined && c.port >= lo && c.port <= hi,
    };
  }
  if (typeof p === 'string')
    return {
      text: `${protocol}/${p}`,
      named: true,
      matches: (c, dst) => c.protocol === protocol && namedPortMatches(p, protocol, c, dst),
    };
  problems.push(`${where}.port ${JSON.stringify(p)} is neither a number nor a name`);
  return { text: '?', named: false, matches: () => false };
}

function k8sRule(
  rule: unknown,
  index: number,
  direction: Direction,
  policyNs: string,
  where: string,
  problems: string[],
): Rule {
  const r = isObj(rule) ? rule : {};
  const peersKey = direction === 'ingress' ? 'from' : 'to';
  // Absent or empty `from`/`to` means every peer; absent or empty `ports` means every port and protocol.
  const peers = arr(r[peersKey]).map((p, i) =>
    k8sPeerMatcher(isObj(p) ? p : {}, policyNs, `${where}.${peersKey}[${i}]`, problems),
  );
  const ports = arr(r['ports']).map((p, i) =>
    k8sPortMatcher(isObj(p) ? p : {}, `${where}.ports[${i}]`, problems),
  );
  const peerText = peers.length
    ? peers.map((p) => p.text).join(' | ')
    : direction === 'ingress'
      ? 'any source'
      : 'any destination';
  const portText = ports.length ? ports.map((p) => p.text).join(', ') : 'any port';
  const peerAddress = peers.some((p) => p.readsAddress);
  return {
    index,
    action: 'Allow',
    text: `allow ${direction === 'ingress' ? 'from' : 'to'} ${peerText} on ${portText}`,
    // Peers are the other side (ipBlock reads its address); ports resolve names on the destination.
    reads: {
      src: direction === 'ingress' && peerAddress,
      dst: (direction === 'egress' && peerAddress) || ports.some((p) => p.named),
    },
    matches: (ctx) => {
      const other = direction === 'ingress' ? ctx.src : ctx.dst;
      if (peers.length && !peers.some((p) => p.matches(other, ctx.family))) return false;
      return !ports.length || ports.some((p) => p.matches(ctx.conn, ctx.dst));
    },
  };
}

/** A compiled Kubernetes rule and the problems compiling it reported, shared by every policy writing it. */
interface SharedK8sRule {
  rule: Rule;
  problems: string[];
}

const sharedK8sRules = new Map<string, SharedK8sRule>();

/**
 * The rules of one direction of a Kubernetes policy. A cluster's policies repeat a few rules in every
 * namespace (allow DNS, block the metadata address, metrics from monitoring): a rule is compiled once per
 * text, direction and position, and per namespace only when a peer is scoped to the policy's own namespace
 * (one without a namespaceSelector or an ipBlock). Rules are read only, so sharing them is safe; the problems a
 * rule reported name its position only, so they are repeated as they were.
 */
function k8sRules(spec: Obj, direction: Direction, ns: string, problems: string[]): Rule[] {
  const list = arr(spec[direction]);
  const rules: Rule[] = [];
  const peersKey = direction === 'ingress' ? 'from' : 'to';
  for (let i = 0; i < list.length; i++) {
    const r = list[i];
    let ownNamespace = false;
    const peers = isObj(r) ? arr(r[peersKey]) : [];
    for (let j = 0; j < peers.length; j++) {
      const peer = peers[j];
      if (isObj(peer) && !isObj(peer['ipBlock']) && !isObj(peer['namespaceSelector'])) ownNamespace = true;
    }
    // JSON texts (the namespace quoted, the rule as written): unambiguous, and equal for the copies a cluster
    // repeats.
    const key = `${direction} ${i} ${ownNamespace ? JSON.stringify(ns) : '-'} ${JSON.stringify(r) ?? ''}`;
    let shared = sharedK8sRules.get(key);
    if (!shared) {
      const own: string[] = [];
      const rule = k8sRule(r, i, direction, ns, `spec.${direction}[${i}]`, own);
      // Bounded: a long-running agent sees the same few thousand rules scan after scan.
      if (sharedK8sRules.size > 50_000) sharedK8sRules.clear();
      sharedK8sRules.set(key, (shared = { rule, problems: own }));
    }
    for (let j = 0; j < shared.problems.length; j++) problems.push(shared.problems[j]);
    rules.push(shared.rule);
  }
  return rules;
}

/** The `types` sets a policy can have (in the order written), shared read only by the policies that have them. */
const TYPES = {
  none: new Set<Direction>(),
  ingress: new Set<Direction>(['ingress']),
  egress: new Set<Direction>(['egress']),
  ingressEgress: new Set<Direction>(['ingress', 'egress']),
  egressIngress: new Set<Direction>(['egress', 'ingress']),
} as const;

/** Normalises a `networking.k8s.io/v1` NetworkPolicy as Calico evaluates it. */
export function fromKubernetesPolicy(obj: KubeObject): Policy {
  const problems: string[] = [];
  const ns = obj.metadata.namespace ?? 'default';
  const spec = isObj(obj['spec']) ? obj['spec'] : {};
  const sel = labelSelectorToSelector(spec['podSelector'] ?? {}, 'spec.podSelector', problems);
  const ingress = k8sRules(spec, 'ingress', ns, problems);
  const egress = k8sRules(spec, 'egress', ns, problems);
  let types: ReadonlySet<Direction> = TYPES.none;
  const declared = arr(spec['policyTypes']);
  if (declared.length) {
    for (const t of declared) {
      if (t === 'Ingress')
        types = types === TYPES.none ? TYPES.ingress : types === TYPES.egress ? TYPES.egressIngress : types;
      else if (t === 'Egress')
        types = types === TYPES.none ? TYPES.egress : types === TYPES.ingress ? TYPES.ingressEgress : types;
      else problems.push(`spec.policyTypes holds unknown type ${JSON.stringify(t)}`);
    }
  } else {
    // Defaulting: always Ingress, plus Egress when the policy has egress rules (an empty list is none).
    types = egress.length ? TYPES.ingressEgress : TYPES.ingress;
  }
  const ref: PolicyRef = {
    kind: 'NetworkPolicy',
    apiVersion: obj.apiVersion ?? 'networking.k8s.io/v1',
    namespace: ns,
    name: obj.metadata.name,
    tier: DEFAULT_TIER,
    order: K8S_POLICY_ORDER,
  };
  return {
    ref,
    id: `NetworkPolicy ${ns}/${obj.metadata.name}`,
    namespace: ns,
    selector: sel,
    types,
    ingress,
    egress,
    problems,
    caveats: [],
    object: obj,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Calico NetworkPolicy / GlobalNetworkPolicy (crd.projectcalico.org/v1 and projectcalico.org/v3 share the spec)

interface SideMatcher {
  text: string;
  /** Reads the endpoint's address (nets, notNets) or, on the destination side, its named ports. */
  readsEndpoint: boolean;
  matches(peer: Peer, ctx: RuleContext, isDestination: boolean): boolean;
}

function calicoEntity(
  er: unknown,
  policyNs: string | undefined,
  protocol: string | undefined,
  where: string,
  problems: string[],
  caveats: string[],
): SideMatcher {
  if (!isObj(er)) return { text: 'any', readsEndpoint: false, matches: () => true };
  const nets = arr(er['nets']).map((n) => {
    const c = parseCidr(String(n));
    if (!c) problems.push(`${where}.nets ${JSON.stringify(n)} is not a CIDR`);
    return c;
  });
  const notNets = arr(er['notNets']).map((n) => {
    const c = parseCidr(String(n));
    if (!c) problems.push(`${where}.notNets ${JSON.stringify(n)} is not a CIDR`);
    return c;
  });
  const sel = calicoSelector(er['selector'], `${where}.selector`, problems);
  const notSel = calicoSelector(er['notSelector'], `${where}.notSelector`, problems);
  const nsSel = calicoSelector(er['namespaceSelector'], `${where}.namespaceSelector`, problems);
  const badSelector =
    (er['selector'] != null && !sel) ||
    (er['notSelector'] != null && !notSel) ||
    (er['namespaceSelector'] != null && !nsSel);
  const sa = isObj(er['serviceAccounts']) ? er['serviceAccounts'] : undefined;
  const saNames = sa ? arr(sa['names']).map(String) : [];
  const saSel = sa
    ? calicoSelector(sa['selector'], `${where}.serviceAccounts.selector`, problems)
    : undefined;
  const ports = arr(er['ports'])
    .map((p, i) => calicoPort(p, protocol, `${where}.ports[${i}]`, problems))
    .filter((p): p is PortMatcher => !!p);
  const notPorts = arr(er['notPorts'])
    .map((p, i) => calicoPort(p, protocol, `${where}.notPorts[${i}]`, problems))
    .filter((p): p is PortMatcher => !!p);
  const hasServices = er['services'] !== undefined;
  if (hasServices)
    caveats.push(
      `${where}.services is not evaluated (needs Service endpoints); the rule is treated as not matching`,
    );
  const nsGlobal = nsSel?.node.op === 'global';
  // Calico scopes the selector to the policy's namespace (or to namespaceSelector) as soon as the side
  // selects endpoints at all; `notSelector` stays unscoped.
  const identityNeeded = !!(
    er['selector'] != null ||
    er['namespaceSelector'] != null ||
    sa ||
    (policyNs && er['notSelector'] != null)
  );
  const parts: string[] = [];
  if (nets.length) parts.push(`nets ${nets.map((n) => n?.text ?? '?').join(',')}`);
  if (notNets.length) parts.push(`notNets ${notNets.map((n) => n?.text ?? '?').join(',')}`);
  if (nsSel) parts.push(`namespaceSelector ${nsSel.canonical}`);
  else if (identityNeeded && policyNs) parts.push(`namespace ${policyNs}`);
  if (sel) parts.push(`selector ${sel.canonical}`);
  if (notSel) parts.push(`notSelector ${notSel.canonical}`);
  if (sa) parts.push(`serviceAccounts ${saNames.join(',')}${saSel ? ` ${saSel.canonical}` : ''}`);
  if (ports.length) parts.push(`ports ${ports.map((p) => p.text).join(',')}`);
  if (notPorts.length) parts.push(`notPorts ${notPorts.map((p) => p.text).join(',')}`);

  type Identity = {
    namespaced: boolean;
    namespace?: string;
    labels: LabelSet;
    nsLabels?: LabelSet;
    pod?: PodEndpoint;
  };
  const identities = (peer: Peer): Identity[] =>
    peer.kind === 'pod'
      ? [
          {
            namespaced: true,
            namespace: peer.namespace,
            labels: peer.labels,
            nsLabels: peer.ns.labels,
            pod: peer,
          },
        ]
      : peer.sets
          .filter((s) => {
            const ip = peer.ip;
            return s.nets.some((n) => cidrContains(n, ip));
          })
          .map((s) => {
            const id: Identity = { namespaced: s.namespace !== undefined, labels: s.labels };
            if (s.namespace !== undefined) id.namespace = s.namespace;
            if (s.ns) id.nsLabels = s.ns.labels;
            return id;
          });

  const identityMatches = (id: Identity): boolean => {
    if (nsSel) {
      if (nsGlobal) {
        if (id.namespaced) return false;
      } else if (!id.namespaced || !id.nsLabels || !nsSel.matches(id.nsLabels)) return false;
    } else if (policyNs !== undefined && id.namespace !== policyNs) return false;
    if (sel && !sel.matches(id.labels)) return false;
    if (sa) {
      if (!id.pod) return false;
      if (saNames.length && !saNames.includes(id.pod.serviceAccount)) return false;
      if (saSel && !saSel.matches(id.pod.serviceAccountLabels)) return false;
    }
    return true;
  };

  return {
    text: parts.length ? parts.join(' ') : 'any',
    // Source-side ports never match (see below), so only destination-side port names read the endpoint.
    readsEndpoint:
      nets.length > 0 || notNets.length > 0 || ports.some((p) => p.named) || notPorts.some((p) => p.named),
    matches: (peer, ctx, isDestination) => {
      if (badSelector || hasServices) return false;
      if (nets.length || notNets.length) {
        const ip = peerAddress(peer, ctx.family);
        if (nets.length && !(ip && nets.some((n) => n && cidrContains(n, ip)))) return false;
        if (notNets.length && ip && notNets.some((n) => n && cidrContains(n, ip))) return false;
      }
      if (identityNeeded || notSel) {
        const ids = identities(peer);
        if (identityNeeded && !ids.some(identityMatches)) return false;
        if (notSel && ids.some((id) => notSel.matches(id.labels))) return false;
      }
      if (isDestination) {
        if (ports.length && !ports.some((p) => p.matches(ctx.conn, ctx.dst))) return false;
        if (notPorts.length && notPorts.some((p) => p.matches(ctx.conn, ctx.dst))) return false;
      } else if (ports.length) {
        // The source port of a connection is an unknown ephemeral port: a rule that needs one cannot be
        // shown to match, and `notPorts` on the source cannot be shown to exclude it.
        return false;
      }
      return true;
    },
  };
}

function calicoRule(
  rule: unknown,
  index: number,
  policyNs: string | undefined,
  where: string,
  problems: string[],
  caveats: string[],
): Rule {
  const r = isObj(rule) ? rule : {};
  const actionRaw = str(r['action']) ?? '';
  const action = (['Allow', 'Deny', 'Pass', 'Log'] as const).find(
    (a) => a.toLowerCase() === actionRaw.toLowerCase(),
  );
  if (!action)
    problems.push(`${where}.action ${JSON.stringify(r['action'])} is not Allow, Deny, Pass or Log`);
  const protocol = normaliseProtocol(r['protocol']);
  const notProtocol = normaliseProtocol(r['notProtocol']);
  const ipVersion = r['ipVersion'] === 4 || r['ipVersion'] === 6 ? r['ipVersion'] : undefined;
  const src = calicoEntity(r['source'], policyNs, protocol, `${where}.source`, problems, caveats);
  const dst = calicoEntity(r['destination'], policyNs, protocol, `${where}.destination`, problems, caveats);
  if (r['http'] !== undefined)
    caveats.push(
      `${where}.http (application-layer match) is not evaluated; the rule is treated as matching at layer 4`,
    );
  const text = [
    (action ?? actionRaw).toLowerCase(),
    protocol ? protocol : notProtocol ? `not ${notProtocol}` : 'any protocol',
    `from ${src.text}`,
    `to ${dst.text}`,
  ].join(' ');
  return {
    index,
    action: action ?? 'Deny',
    text,
    reads: { src: src.readsEndpoint, dst: dst.readsEndpoint },
    matches: (ctx) => {
      if (!action) return false;
      if (protocol && ctx.conn.protocol !== protocol) return false;
      if (notProtocol && ctx.conn.protocol === notProtocol) return false;
      if (ipVersion && ipVersion !== ctx.family) return false;
      return src.matches(ctx.src, ctx, false) && dst.matches(ctx.dst, ctx, true);
    },
  };
}

/** Normalises a Calico NetworkPolicy or GlobalNetworkPolicy (either API group). */
export function fromCalicoPolicy(obj: KubeObject, global: boolean): Policy {
  const problems: string[] = [];
  const caveats: string[] = [];
  const spec = isObj(obj['spec']) ? obj['spec'] : {};
  const ns = global ? undefined : (obj.metadata.namespace ?? 'default');
  const sel = calicoSelector(spec['selector'] ?? '', 'spec.selector', problems);
  const nsSel = global
    ? calicoSelector(spec['namespaceSelector'], 'spec.namespaceSelector', problems)
    : undefined;
  const saSel = calicoSelector(spec['serviceAccountSelector'], 'spec.serviceAccountSelector', problems);
  const ingress = arr(spec['ingress']).map((r, i) =>
    calicoRule(r, i, ns, `spec.ingress[${i}]`, problems, caveats),
  );
  const egress = arr(spec['egress']).map((r, i) =>
    calicoRule(r, i, ns, `spec.egress[${i}]`, problems, caveats),
  );
  const types = new Set<Direction>();
  const declared = arr(spec['types']);
  if (declared.length) {
    for (const t of declared) {
      if (t === 'Ingress') types.add('ingress');
      else if (t === 'Egress') types.add('egress');
      else problems.push(`spec.types holds unknown type ${JSON.stringify(t)}`);
    }
  } else {
    // Calico's default: Ingress, plus Egress when there are egress rules; Egress only when only egress rules.
    if (egress.length) types.add('egress');
    if (ingress.length || !egress.length) types.add('ingress');
  }
  const order =
    typeof spec['order'] === 'number'
      ? spec['order']
      : typeof spec['order'] === 'string' && spec['order'] !== '' && !Number.isNaN(Number(spec['order']))
        ? Number(spec['order'])
        : undefined;
  const tier = str(spec['tier']) || DEFAULT_TIER;
  const kind: PolicyKind = global ? 'GlobalNetworkPolicy' : 'CalicoNetworkPolicy';
  const ref: PolicyRef = {
    kind,
    apiVersion: obj.apiVersion ?? 'crd.projectcalico.org/v1',
    name: obj.metadata.name,
    tier,
  };
  if (ns !== undefined) ref.namespace = ns;
  if (order !== undefined) ref.order = order;
  const policy: Policy = {
    ref,
    id: global
      ? `GlobalNetworkPolicy ${obj.metadata.name}`
      : `CalicoNetworkPolicy ${ns}/${obj.metadata.name}`,
    selector: sel ?? new Selector('', { op: 'not', operand: { op: 'all' } }),
    types,
    ingress,
    egress,
    problems,
    caveats,
    object: obj,
  };
  if (ns !== undefined) policy.namespace = ns;
  if (nsSel) policy.namespaceSelector = nsSel;
  if (saSel) policy.serviceAccountSelector = saSel;
  // Calico refuses a policy with an invalid selector; such an object (e.g. written straight to the CRD)
  // never reaches Felix, so it applies to nothing.
  if (
    !sel ||
    (spec['namespaceSelector'] != null && global && !nsSel) ||
    (spec['serviceAccountSelector'] != null && !saSel)
  ) {
    policy.inert = 'its selector does not parse, so Calico does not apply it';
  } else if (spec['doNotTrack'] === true || spec['preDNAT'] === true) {
    policy.inert = `it is a ${spec['doNotTrack'] === true ? 'doNotTrack' : 'preDNAT'} policy, which applies to host endpoints only`;
  }
  return policy;
}
