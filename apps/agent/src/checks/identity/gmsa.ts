import { X509Certificate } from 'node:crypto';
import { kubeItems, type Evidence, type KubeObject } from '@watchpost/shared';
import type { CheckFinding } from '../check.js';
import { podSpecs, type ContainerSpec, type PodSpec, type PodSpecSource } from '../lib/pod-specs.js';

/**
 * Shared reading of gMSA evidence (kubernetes-sigs/windows-gmsa): Windows nodes, the CRD, the
 * credential specs, the webhook configurations and the pods that name a credential spec.
 */

/** Full resource names the identity checks read. */
export const GMSA_RESOURCES = {
  credSpecs: 'gmsacredentialspecs.windows.k8s.io',
  crds: 'customresourcedefinitions.apiextensions.k8s.io',
  mutating: 'mutatingwebhookconfigurations.admissionregistration.k8s.io',
  validating: 'validatingwebhookconfigurations.admissionregistration.k8s.io',
  endpointSlices: 'endpointslices.discovery.k8s.io',
} as const;

/** The CRD's name, as `kubectl get crd` shows it. */
export const GMSA_CRD = 'gmsacredentialspecs.windows.k8s.io';

/** Node OS labels: the GA one and the deprecated beta one older AKS-hybrid nodes still carry. */
const OS_LABELS = ['kubernetes.io/os', 'beta.kubernetes.io/os'];

/** A Kubernetes label selector (`matchLabels` AND `matchExpressions`). */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Upstream `labels.Selector` semantics; an absent or empty selector matches everything. */
export function selectorMatches(sel: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!sel) return true;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const value = labels[e.key];
    switch (e.operator) {
      case 'In':
        if (!has || !(e.values ?? []).includes(value)) return false;
        break;
      case 'NotIn':
        // As upstream: NotIn also matches objects that do not have the key.
        if (has && (e.values ?? []).includes(value)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** `windows`, `linux` or undefined for a node. */
export function nodeOs(node: KubeObject): string | undefined {
  const labels = node.metadata.labels ?? {};
  for (const l of OS_LABELS) if (labels[l]) return labels[l];
  const info = (node['status'] as { nodeInfo?: { operatingSystem?: string } } | undefined)?.nodeInfo;
  return info?.operatingSystem;
}

/** One webhook entry of a gMSA webhook configuration. */
export interface GmsaWebhook {
  configKind: 'MutatingWebhookConfiguration' | 'ValidatingWebhookConfiguration';
  configName: string;
  name: string;
  failurePolicy?: string;
  service?: { namespace: string; name: string; port?: number; path?: string };
  url?: string;
  caBundle?: string;
  namespaceSelector?: LabelSelector;
  rules: { operations?: string[]; apiGroups?: string[]; resources?: string[] }[];
}

/** A webhook belongs to gMSA when its own or its configuration's name says so (upstream: `admission-webhook.windows-gmsa.sigs.k8s.io` in config `gmsa-webhook`). */
function isGmsa(configName: string, webhookName: string): boolean {
  return /gmsa/i.test(webhookName) || /gmsa/i.test(configName);
}

function readWebhooks(items: KubeObject[], configKind: GmsaWebhook['configKind']): GmsaWebhook[] {
  const out: GmsaWebhook[] = [];
  for (const cfg of items) {
    const hooks = Array.isArray(cfg['webhooks']) ? (cfg['webhooks'] as Record<string, unknown>[]) : [];
    for (const h of hooks) {
      const name = typeof h['name'] === 'string' ? h['name'] : '';
      if (!isGmsa(cfg.metadata.name, name)) continue;
      const cc = (h['clientConfig'] ?? {}) as Record<string, unknown>;
      const svc = cc['service'] as Record<string, unknown> | undefined;
      const hook: GmsaWebhook = {
        configKind,
        configName: cfg.metadata.name,
        name,
        rules: Array.isArray(h['rules']) ? (h['rules'] as GmsaWebhook['rules']) : [],
      };
      if (typeof h['failurePolicy'] === 'string') hook.failurePolicy = h['failurePolicy'];
      if (svc && typeof svc['name'] === 'string') {
        hook.service = {
          namespace: typeof svc['namespace'] === 'string' ? svc['namespace'] : 'default',
          name: svc['name'],
        };
        if (typeof svc['port'] === 'number') hook.service.port = svc['port'];
        if (typeof svc['path'] === 'string') hook.service.path = svc['path'];
      }
      if (typeof cc['url'] === 'string') hook.url = cc['url'];
      if (typeof cc['caBundle'] === 'string' && cc['caBundle']) hook.caBundle = cc['caBundle'];
      if (h['namespaceSelector'] && typeof h['namespaceSelector'] === 'object')
        hook.namespaceSelector = h['namespaceSelector'];
      out.push(hook);
    }
  }
  return out;
}

/** gMSA webhooks of both kinds, or why they cannot be read. */
export function gmsaWebhooks(
  evidence: Evidence,
): { ok: true; mutating: GmsaWebhook[]; validating: GmsaWebhook[] } | { ok: false; reason: string } {
  const m = kubeItems(evidence, GMSA_RESOURCES.mutating);
  const v = kubeItems(evidence, GMSA_RESOURCES.validating);
  if (!m.ok || !v.ok)
    return { ok: false, reason: [m, v].flatMap((x) => (x.ok ? [] : [x.reason])).join('; ') };
  return {
    ok: true,
    mutating: readWebhooks(m.items, 'MutatingWebhookConfiguration'),
    validating: readWebhooks(v.items, 'ValidatingWebhookConfiguration'),
  };
}

/** A credential spec name or inline contents, at pod or container level. */
export interface GmsaUse {
  source: PodSpecSource;
  /** `pod` or the container name. */
  where: string;
  name?: string;
  inline?: string;
}

/** The credential spec a `securityContext` names or inlines; undefined (nothing allocated) when it has none. */
function windowsOptions(
  sc: Record<string, unknown> | undefined,
): { name?: string; inline?: string } | undefined {
  const wo = sc?.['windowsOptions'];
  if (typeof wo !== 'object' || wo === null) return undefined;
  const name = (wo as Record<string, unknown>)['gmsaCredentialSpecName'];
  const inline = (wo as Record<string, unknown>)['gmsaCredentialSpec'];
  const hasName = typeof name === 'string' && name !== '';
  const hasInline = typeof inline === 'string' && inline !== '';
  if (!hasName && !hasInline) return undefined;
  const out: { name?: string; inline?: string } = {};
  if (hasName) out.name = name;
  if (hasInline) out.inline = inline;
  return out;
}

/**
 * Every place a pod spec names or inlines a credential spec. Container-level `windowsOptions` override
 * the pod-level ones (upstream precedence), so a container that sets its own is reported on its own and
 * the pod-level setting once for the pod.
 */
export function gmsaUsesOf(source: PodSpecSource): GmsaUse[] {
  const uses: GmsaUse[] = [];
  addGmsaUses(source, uses);
  return uses;
}

/**
 * `gmsaUsesOf`, appended to `uses`. Asked of every pod spec of the cluster, nearly all of which use no gMSA:
 * those allocate nothing (no per-pod list, option objects or copied container list; 10,000 pods allocated
 * ~3 MB here).
 */
function addGmsaUses(source: PodSpecSource, uses: GmsaUse[]): void {
  const pod = windowsOptions(source.spec.securityContext);
  if (pod) uses.push({ source, where: 'pod', ...pod });
  addContainerUses(source, source.spec.initContainers, uses);
  addContainerUses(source, source.spec.containers, uses);
}

/** One list of `addGmsaUses`: no pair of lists built per pod, and an indexed loop over an array (cold code). */
function addContainerUses(source: PodSpecSource, list: ContainerSpec[] | undefined, uses: GmsaUse[]): void {
  if (Array.isArray(list)) for (let i = 0; i < list.length; i++) addContainerUse(source, list[i], uses);
  // What is not an array is walked as before (and fails as it failed).
  else for (const c of list ?? []) addContainerUse(source, c, uses);
}

function addContainerUse(source: PodSpecSource, c: ContainerSpec, uses: GmsaUse[]): void {
  const own = windowsOptions(c.securityContext);
  if (own) uses.push({ source, where: `container ${c.name}`, ...own });
}

/**
 * Pod specs that use gMSA, skipping templates that another listed object already covers (a ReplicaSet
 * owned by a Deployment, a Job owned by a CronJob). Pods are kept: they carry the contents the mutating
 * webhook inlined, which templates do not.
 */
export function gmsaPodSpecs(evidence: Evidence): { uses: readonly GmsaUse[]; missing: readonly string[] } {
  // Every gMSA check asks (through gmsaScope too): once per scan, read-only.
  let cached = gmsaUsesCache.get(evidence);
  if (!cached) gmsaUsesCache.set(evidence, (cached = computeGmsaPodSpecs(evidence)));
  return cached;
}

const gmsaUsesCache = new WeakMap<Evidence, { uses: readonly GmsaUse[]; missing: readonly string[] }>();

function computeGmsaPodSpecs(evidence: Evidence): { uses: GmsaUse[]; missing: readonly string[] } {
  const { sources, missing } = podSpecs(evidence);
  const uses: GmsaUse[] = [];
  for (let i = 0; i < sources.length; i++) {
    const s = sources[i];
    if ((s.kind === 'ReplicaSet' || s.kind === 'Job') && s.ownedBy) continue;
    addGmsaUses(s, uses);
  }
  return { uses, missing };
}

/** `Pod web/x`, `Deployment web/y`: how results name a pod spec source. */
export function sourceRef(s: PodSpecSource): { kind: string; namespace: string; name: string } {
  return { kind: s.kind, namespace: s.namespace, name: s.name };
}

/**
 * The OS a pod spec is pinned to by its node selector, required node affinity, or node name; undefined
 * when it is not pinned. Required affinity terms are ORed, so a spec is pinned only if every term pins it.
 */
export function pinnedOs(spec: PodSpec, nodes: KubeObject[]): string | undefined {
  for (const l of OS_LABELS) {
    const v = spec.nodeSelector?.[l];
    if (v) return v;
  }
  const terms = (
    (spec.affinity?.['nodeAffinity'] as Record<string, unknown> | undefined)?.[
      'requiredDuringSchedulingIgnoredDuringExecution'
    ] as
      | {
          nodeSelectorTerms?: { matchExpressions?: { key: string; operator: string; values?: string[] }[] }[];
        }
      | undefined
  )?.nodeSelectorTerms;
  if (terms?.length) {
    const perTerm = terms.map((t) => {
      for (const e of t.matchExpressions ?? []) {
        if (!OS_LABELS.includes(e.key)) continue;
        if (e.operator === 'In' && e.values?.length === 1) return e.values[0];
        if (e.operator === 'NotIn' && e.values?.includes('windows')) return 'linux';
        if (e.operator === 'NotIn' && e.values?.includes('linux')) return 'windows';
      }
      return undefined;
    });
    if (perTerm.every((o) => o && o === perTerm[0])) return perTerm[0];
  }
  if (spec.nodeName) {
    const node = nodes.find((n) => n.metadata.name === spec.nodeName);
    if (node) return nodeOs(node);
  }
  return undefined;
}

/** Scope of the identity area on this cluster. */
export type GmsaScope =
  | {
      applicable: true;
      windowsNodes: string[];
      nodes: KubeObject[];
      credSpecs: KubeObject[] | undefined;
      why: string;
    }
  | { applicable: false; findings: CheckFinding[] };

/**
 * gMSA matters when the cluster has Windows nodes or any gMSA object (credential specs, gMSA webhooks,
 * pods naming a credential spec). Otherwise every identity check is `not_applicable`. Without the node
 * list the question cannot be answered: `error`.
 */
export function gmsaScope(evidence: Evidence): GmsaScope {
  const cluster = { kind: 'Cluster', name: evidence.cluster.name };
  const nodes = kubeItems(evidence, 'nodes');
  if (!nodes.ok)
    return {
      applicable: false,
      findings: [
        { outcome: 'error', resource: cluster, message: `cannot tell whether gMSA applies: ${nodes.reason}` },
      ],
    };
  const windowsNodes = nodes.items.filter((n) => nodeOs(n) === 'windows').map((n) => n.metadata.name);
  const specs = kubeItems(evidence, GMSA_RESOURCES.credSpecs);
  const credSpecs = specs.ok ? specs.items : undefined;
  const hooks = gmsaWebhooks(evidence);
  const hookCount = hooks.ok ? hooks.mutating.length + hooks.validating.length : 0;
  const podUses = gmsaPodSpecs(evidence).uses.length;
  const why = [
    windowsNodes.length ? `${windowsNodes.length} Windows node(s)` : '',
    credSpecs?.length ? `${credSpecs.length} credential spec(s)` : '',
    hookCount ? `${hookCount} gMSA webhook(s)` : '',
    podUses ? `${podUses} pod spec(s) naming a credential spec` : '',
  ].filter(Boolean);
  if (!why.length) {
    return {
      applicable: false,
      findings: [
        {
          outcome: 'not_applicable',
          resource: cluster,
          message: 'no Windows nodes and no gMSA objects on this cluster',
        },
      ],
    };
  }
  return { applicable: true, windowsNodes, nodes: nodes.items, credSpecs, why: why.join(', ') };
}

/** Certificates in a PEM bundle (webhook `caBundle` is base64 of PEM), or the parse problem. */
export function parsePemBundle(pem: string): { certs: X509Certificate[]; error?: string } {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (!blocks.length) return { certs: [], error: 'no PEM certificate in it' };
  const certs: X509Certificate[] = [];
  for (const [i, b] of blocks.entries()) {
    try {
      certs.push(new X509Certificate(b));
    } catch (err) {
      return { certs, error: `certificate ${i + 1} does not parse: ${(err as Error).message}` };
    }
  }
  return { certs };
}

/** Base64-decodes a Kubernetes `[]byte` field. */
export function fromBase64(b64: string): string {
  return Buffer.from(b64, 'base64').toString('utf8');
}

/** Structural equality of two JSON values, independent of key order (the webhook compares parsed JSON). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b as object).sort();
  return (
    ka.length === kb.length &&
    ka.every(
      (k, i) =>
        k === kb[i] && jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
    )
  );
}

/**
 * What the webhook checks start with: the cluster is in gMSA scope and its webhook configurations are readable.
 * Otherwise `findings` is what the check returns (not applicable, or `error` naming what could not be read).
 */
export function gmsaWebhooksInScope(evidence: Evidence):
  | {
      ok: true;
      scope: Extract<GmsaScope, { applicable: true }>;
      mutating: GmsaWebhook[];
      validating: GmsaWebhook[];
    }
  | { ok: false; findings: CheckFinding[] } {
  const scope = gmsaScope(evidence);
  if (!scope.applicable) return { ok: false, findings: scope.findings };
  const hooks = gmsaWebhooks(evidence);
  if (!hooks.ok)
    return {
      ok: false,
      findings: [
        {
          outcome: 'error',
          resource: { kind: 'Cluster', name: evidence.cluster.name },
          message: `cannot read admission webhook configurations: ${hooks.reason}`,
        },
      ],
    };
  return { ok: true, scope, mutating: hooks.mutating, validating: hooks.validating };
}
