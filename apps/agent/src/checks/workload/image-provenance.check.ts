import type { Evidence } from '@watchpost/shared';
import type { Check } from '../check.js';
import { forEachContainer, podSpecs, type ContainerSpec, type PodSpec } from '../lib/pod-specs.js';
import { perWorkload, type Verdict, workloadCheck } from './common.js';

/** Microsoft's own registry: AKS add-ons and base images come from it. */
export const MICROSOFT_REGISTRY = 'mcr.microsoft.com';

/** An image reference's registry host and repository path, and whether it is pinned by digest. */
export interface ImageRef {
  registry: string;
  repository: string;
  digest: boolean;
}

/** Registry host and path of an image reference, as the container runtime resolves it (Docker Hub by default). */
export function imageRegistry(image: string): ImageRef {
  const digest = pinned(image);
  const name = beforeDigest(image);
  const slash = name.indexOf('/');
  const first = slash > 0 ? name.slice(0, slash) : '';
  const explicit = first.includes('.') || first.includes(':') || first === 'localhost';
  const registry = explicit ? first.toLowerCase() : 'docker.io';
  const rest = explicit ? name.slice(slash + 1) : name;
  // Without the tag: from the last colon, unless a slash follows it (a registry port, not a tag).
  const colon = rest.lastIndexOf(':');
  const repository = colon >= 0 && rest.indexOf('/', colon + 1) < 0 ? rest.slice(0, colon) : rest;
  return {
    registry,
    repository: explicit || rest.includes('/') ? repository : `library/${repository}`,
    digest,
  };
}

// The reference's parts found by position, not by regular expressions: asked of every distinct image of the
// cluster (5,786 at 10,000 pods), where the three replacements were most of the check's own time.

/** Whether the reference ends in `@sha256:` and 64 lower-case hex digits. */
function pinned(image: string): boolean {
  const at = image.length - 72;
  if (at < 0 || image.charCodeAt(at) !== 64 /* @ */ || !image.startsWith('sha256:', at + 1)) return false;
  for (let i = at + 8; i < image.length; i++) {
    const c = image.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/**
 * The reference up to its first `@` that only the end of the text follows on the same line (as
 * `replace(/@.*$/, '')` cuts it): references have no line breaks, but the evidence is not trusted to be sane.
 */
function beforeDigest(image: string): string {
  for (let at = image.indexOf('@'); at >= 0; at = image.indexOf('@', at + 1))
    if (!LINE_BREAK.test(image.slice(at + 1))) return image.slice(0, at);
  return image;
}

const LINE_BREAK = /[\n\r\u2028\u2029]/;

/** Whether `registry/repository` is covered by an allow-list entry (`host`, `*.domain`, `host/path-prefix`). */
export function allowed(entries: readonly string[], registry: string, repository: string): boolean {
  return allowedBy(allowRules(entries), registry, repository);
}

function allowedBy(rules: readonly AllowRule[], registry: string, repository: string): boolean {
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i];
    if (r.suffix !== undefined) {
      if (registry.endsWith(r.suffix)) return true;
    } else if (r.host === registry && (r.prefix === undefined || `${repository}/`.startsWith(r.prefix)))
      return true;
  }
  return false;
}

/** An allow-list entry, read: `*.domain` (a registry suffix), or a host with an optional path prefix. */
interface AllowRule {
  /** `.domain` of a `*.domain` entry. */
  suffix?: string;
  host?: string;
  /** `path/` of a `host/path` entry. */
  prefix?: string;
}

function allowRules(entries: readonly string[]): AllowRule[] {
  const rules: AllowRule[] = [];
  for (const raw of entries) {
    const e = raw.trim().toLowerCase().replace(/\/+$/, '');
    if (!e) continue;
    if (e.startsWith('*.')) {
      rules.push({ suffix: e.slice(1) });
      continue;
    }
    const [host, ...path] = e.split('/');
    rules.push(path.length ? { host, prefix: `${path.join('/')}/` } : { host });
  }
  return rules;
}

/** The default allow-list: every `*.azurecr.io` registry the cluster's pods and pod templates name, plus MCR. */
export function defaultAllowList(
  evidence: Evidence,
  /** Filled with every distinct image, parsed (the check judges the same images next). */
  parsed: Map<string, ImageRef> = new Map(),
): string[] {
  const acrs = new Set<string>();
  // One callback for every pod, not one made per pod.
  const visit = (container: ContainerSpec): void => {
    if (!container.image || parsed.has(container.image)) return;
    const r = imageRegistry(container.image);
    parsed.set(container.image, r);
    if (r.registry.endsWith('.azurecr.io')) acrs.add(r.registry);
  };
  const sources = podSpecs(evidence).sources;
  for (let i = 0; i < sources.length; i++) forEachContainer(sources[i].spec, visit);
  return [...[...acrs].sort(), MICROSOFT_REGISTRY];
}

/** A node of the verdicts' tree: children by the next name or image, and the verdict of the list ending here. */
interface VerdictNode {
  /** Made with the first child: most nodes are the last image of a list and never get one. */
  next: Map<unknown, VerdictNode> | undefined;
  verdict: Verdict | undefined;
}

function step(node: VerdictNode, key: unknown): VerdictNode {
  let child = node.next?.get(key);
  if (!child) (node.next ??= new Map()).set(key, (child = { next: undefined, verdict: undefined }));
  return child;
}

/**
 * Image provenance per workload: images from registries outside the allow-list fail (anyone who can push
 * there can run code in the cluster), images referenced by tag rather than digest warn (the tag can be moved
 * to other content). The allow-list is agent configuration (`imageProvenance.allowedRegistries`).
 */
export const imageProvenance: Check = workloadCheck('image-provenance', (ctx, sink) => {
  const configured = ctx.options.allowedRegistries;
  // The default list parses every image to find the cluster's registries: judging reads those parses again.
  const parsed = new Map<string, ImageRef>();
  const list = configured?.length ? configured : defaultAllowList(ctx.evidence, parsed);
  // The list's entries read once, not once per distinct image.
  const rules = allowRules(list);
  const listNote = configured?.length
    ? 'the configured allow-list'
    : `the default allow-list (${list.join(', ')})`;
  // Replicas name the same few images: each is parsed and judged once per scan.
  const judged = new Map<string, { allowed: boolean; digest: boolean }>();
  // Replicas also name the same containers: one verdict (message and evidence) per distinct list of
  // container names and images, shared by every workload with that list (findings are read-only).
  // Looked up through a tree keyed by each container's name and image in turn, so a pod costs a few map
  // lookups and no key text.
  const verdicts: VerdictNode = { next: undefined, verdict: undefined };
  // The walk's position, moved by one callback made once (not a closure per pod).
  let node = verdicts;
  const stepTo = (container: ContainerSpec): void => {
    // The name as messages print it: in malformed evidence a missing name and a null one print differently.
    if (container.image) node = step(step(node, String(container.name)), container.image);
  };
  return perWorkload(ctx, sink, (w) => {
    node = verdicts;
    forEachContainer(w.src.spec, stepTo);
    return (node.verdict ??= judge(w.src.spec));
  });

  /** The verdict of a spec's list of container names and images (the path it took through the tree). */
  function judge(spec: PodSpec): Verdict {
    const foreign: string[] = [];
    const unpinned: string[] = [];
    forEachContainer(spec, (container) => {
      const image = container.image;
      if (!image) return;
      let j = judged.get(image);
      if (!j) {
        const r = parsed.get(image) ?? imageRegistry(image);
        judged.set(image, (j = { allowed: allowedBy(rules, r.registry, r.repository), digest: r.digest }));
      }
      if (j.allowed && j.digest) return;
      // One text for both lists (an image can be in both).
      const entry = `${String(container.name)}=${image}`;
      if (!j.allowed) foreign.push(entry);
      if (!j.digest) unpinned.push(entry);
    });
    const evidence = { allowList: list, foreign, unpinned };
    if (foreign.length)
      return {
        outcome: 'fail',
        message: `image${foreign.length > 1 ? 's' : ''} from registries outside ${listNote}: ${foreign.join(', ')}; import them into your registry (\`az acr import -n <acr> --source <image>\`) or add the registry to imageProvenance.allowedRegistries`,
        evidence,
      };
    if (unpinned.length)
      return {
        outcome: 'warn',
        message: `image${unpinned.length > 1 ? 's' : ''} not pinned by digest: ${unpinned.join(', ')}; reference them as <image>@sha256:<digest> so what runs is what was verified`,
        evidence,
      };
    return {
      outcome: 'pass',
      message: 'every image comes from an allowed registry and is pinned by digest',
      evidence,
    };
  }
});
