import { closeSync, existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, join, posix, relative, sep } from 'node:path';
import {
  CLUSTER_ROLES,
  PLATFORMS,
  type ClusterInfo,
  type ClusterRole,
  type HostFile,
  type CollectorError,
  type Evidence,
  type KubeObject,
  type KubeResource,
  type ObservationHistory,
  type Platform,
} from '@watchpost/shared';
import { readHostFile } from './host-file.js';
import { eachListItem } from './list-items.js';
import {
  jsonDepthExceeds,
  openFileSafely,
  READ_LIMIT_ENV,
  readFileSafely,
  readLimitsFromEnv,
  releaseBytes,
  utf8Text,
  type ReadLimits,
  type SafeRead,
} from './safe-read.js';
import { PodSharing, sanitiseObject } from './sanitise.js';
import { readAzureBundle } from './azure/azure-bundle.js';

/** Thrown when the bundle folder itself is unusable (not when one file in it is bad). */
export class BundleError extends Error {}

/** How one bundle is read: its real root (links must stay inside it) and the limits. */
interface BundleContext {
  root: string;
  limits: ReadLimits;
}

const KUBECTL_HINT = 'fix or re-export it with kubectl get -o json';

/** Reads and parses one JSON file of the bundle, or says why not (`hint`: how to make the file again). */
function jsonFile(
  file: string,
  label: string,
  ctx: BundleContext,
  kind: 'kube' | 'other',
  hint: string,
): { ok: true; value: unknown } | { ok: false; error: CollectorError } {
  const kube = kind === 'kube';
  let read: SafeRead | undefined = readFileSafely(file, {
    root: ctx.root,
    maxBytes: kube ? ctx.limits.maxKubeJsonBytes : ctx.limits.maxFileBytes,
    limitName: kube ? READ_LIMIT_ENV.maxKubeJsonBytes : READ_LIMIT_ENV.maxFileBytes,
  });
  const failed = (message: string) => ({ ok: false as const, error: { source: `bundle/${label}`, message } });
  if (!read.ok) return failed(`${label} ${read.error}`);
  let data: Buffer | undefined = read.data;
  read = undefined;
  if (jsonDepthExceeds(data, ctx.limits.maxJsonDepth)) {
    releaseBytes(data);
    return failed(
      `${label} nests deeper than ${ctx.limits.maxJsonDepth} levels (a JSON bomb? kubectl output nests about 20); not read (${READ_LIMIT_ENV.maxJsonDepth} raises the limit)`,
    );
  }
  // Only the text from here on: the bytes (15 MB for 10,000 pods) go while it is parsed.
  const text = utf8Text(data);
  releaseBytes(data);
  data = undefined;
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    // V8's message quotes the text around the error: keep only where it is, never the bytes themselves.
    const where = /position (\d+)/.exec((err as Error).message)?.[1];
    return failed(`${label} is not valid JSON${where ? ` (error at byte ${where})` : ''}; ${hint}`);
  }
}

/** `jsonFile`'s value, or undefined with its error recorded in `errors`. */
function readJson(
  file: string,
  label: string,
  errors: CollectorError[],
  ctx: BundleContext,
  kind: 'kube' | 'other' = 'other',
): unknown {
  const read = jsonFile(file, label, ctx, kind, KUBECTL_HINT);
  if (read.ok) return read.value;
  errors.push(read.error);
  return undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validates a parsed `kubectl get -A -o json` List into a KubeResource, or says what is wrong. */
export function kubeListFromJson(
  resource: string,
  parsed: unknown,
  label: string,
): KubeResource | CollectorError {
  if (!isRecord(parsed) || !Array.isArray(parsed['items'])) {
    return {
      source: `bundle/${label}`,
      message: `${label} is not a Kubernetes List (expected an object with "items", as printed by kubectl get ${resource} -A -o json)`,
    };
  }
  const items: KubeObject[] = [];
  const sharing = resource === 'pods' ? new PodSharing() : undefined;
  for (const [i, item] of (parsed['items'] as unknown[]).entries()) {
    const kept = kubeItem(resource, item, sharing);
    if (!kept) {
      return {
        source: `bundle/${label}`,
        message: `${label}: items[${i}] has no metadata.name; is this kubectl output?`,
      };
    }
    items.push(kept);
  }
  return { status: 'ok', items };
}

/** One listed object as Evidence keeps it (sanitised, pod parts shared), or undefined when it has no name. */
function kubeItem(resource: string, item: unknown, sharing: PodSharing | undefined): KubeObject | undefined {
  if (!isRecord(item) || !isRecord(item['metadata']) || typeof item['metadata']['name'] !== 'string')
    return undefined;
  const clean = sanitiseObject(resource, item as KubeObject);
  return sharing ? sharing.share(clean) : clean;
}

/**
 * One `kube/<resource>.json`: item by item from the file when it is a well-formed List (`eachListItem`),
 * otherwise read whole, which reports whatever is wrong with it.
 */
function readKubeList(
  file: string,
  resource: string,
  label: string,
  errors: CollectorError[],
  ctx: BundleContext,
): KubeResource {
  const streamed = streamKubeList(file, resource, ctx);
  if (streamed) return streamed;
  const parsed = readJson(file, label, errors, ctx, 'kube');
  if (parsed === undefined) return { status: 'error', error: errors[errors.length - 1] };
  const res = kubeListFromJson(resource, parsed, label);
  if ('source' in res) {
    errors.push(res);
    return { status: 'error', error: res };
  }
  return res;
}

/** The List in `file` read item by item, or undefined when it must be read whole (see `eachListItem`). */
function streamKubeList(file: string, resource: string, ctx: BundleContext): KubeResource | undefined {
  const maxBytes = ctx.limits.maxKubeJsonBytes;
  const opened = openFileSafely(file, {
    root: ctx.root,
    maxBytes,
    limitName: READ_LIMIT_ENV.maxKubeJsonBytes,
  });
  if (!opened.ok) return undefined;
  const items: KubeObject[] = [];
  const sharing = resource === 'pods' ? new PodSharing() : undefined;
  try {
    const whole = eachListItem(opened.fd, { maxBytes, maxDepth: ctx.limits.maxJsonDepth }, (item) => {
      const kept = kubeItem(resource, item, sharing);
      if (kept) items.push(kept);
      return kept !== undefined;
    });
    return whole ? { status: 'ok', items } : undefined;
  } catch {
    return undefined; // an I/O error, say: reading the file whole reports it
  } finally {
    closeSync(opened.fd);
  }
}

function clusterFrom(
  parsed: unknown,
  dir: string,
  errors: CollectorError[],
): { cluster: ClusterInfo; collectedAt?: string } {
  const fallback: ClusterInfo = { name: basename(dir), platform: 'other', role: 'workload' };
  if (parsed === undefined) return { cluster: fallback };
  if (!isRecord(parsed)) {
    errors.push({
      source: 'bundle/cluster.json',
      message: 'cluster.json must be an object with name, platform and role',
    });
    return { cluster: fallback };
  }
  const cluster: ClusterInfo = { ...fallback };
  if (typeof parsed['name'] === 'string' && parsed['name']) cluster.name = parsed['name'];
  const platform = parsed['platform'];
  if (PLATFORMS.includes(platform as Platform)) cluster.platform = platform as Platform;
  else if (platform !== undefined)
    errors.push({
      source: 'bundle/cluster.json',
      message: `cluster.json: platform ${JSON.stringify(platform)} is not one of ${PLATFORMS.join(', ')}; using "other"`,
    });
  const role = parsed['role'];
  if (CLUSTER_ROLES.includes(role as ClusterRole)) cluster.role = role as ClusterRole;
  else if (role !== undefined)
    errors.push({
      source: 'bundle/cluster.json',
      message: `cluster.json: role ${JSON.stringify(role)} is not one of ${CLUSTER_ROLES.join(', ')}; using "workload"`,
    });
  if (typeof parsed['location'] === 'string') cluster.location = parsed['location'];
  if (typeof parsed['kubernetesVersion'] === 'string')
    cluster.kubernetesVersion = parsed['kubernetesVersion'];
  const collectedAt =
    typeof parsed['collectedAt'] === 'string' && !Number.isNaN(Date.parse(parsed['collectedAt']))
      ? new Date(parsed['collectedAt']).toISOString()
      : undefined;
  return collectedAt ? { cluster, collectedAt } : { cluster };
}

/**
 * Every file under `dir`, sorted. Symbolic links and special files are listed (the reader refuses them with a
 * reason) but never descended into, so a link cannot lead the walk out of the bundle or round in a loop.
 */
function listFiles(dir: string, ctx: BundleContext, errors: CollectorError[], label: string): string[] {
  const out: string[] = [];
  let truncated = false;
  function walk(d: string): void {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (out.length >= ctx.limits.maxBundleFiles) {
        truncated = true;
        return;
      }
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  }
  walk(dir);
  if (truncated) {
    errors.push({
      source: `bundle/${label}`,
      message: `${label}/ holds more than ${ctx.limits.maxBundleFiles} files; the rest is not read (${READ_LIMIT_ENV.maxBundleFiles} raises the limit)`,
    });
  }
  return out.sort();
}

/**
 * Reads a bundle folder (DESIGN.md section 5) into Evidence: the same Evidence a live scan produces, so the
 * same checks run on it. A malformed file becomes a collector error naming it; the rest still loads.
 */
export async function readBundle(folder: string, opts: { limits?: ReadLimits } = {}): Promise<Evidence> {
  let st;
  let dir: string;
  try {
    st = statSync(folder);
    // Resolved once: a bundle replaced behind a symlink while it is read (the demo refreshes its bundles this
    // way) is read whole from one version, never half from each.
    dir = realpathSync.native(folder);
  } catch {
    throw new BundleError(`bundle folder ${folder} does not exist`);
  }
  if (!st.isDirectory())
    throw new BundleError(`bundle ${folder} is not a folder (expected kube/, host/, probes/, cluster.json)`);
  let limits: ReadLimits;
  try {
    limits = opts.limits ?? readLimitsFromEnv();
  } catch (err) {
    throw new BundleError((err as Error).message);
  }
  const ctx: BundleContext = { root: dir, limits };
  const errors: CollectorError[] = [];

  const clusterJson = join(dir, 'cluster.json');
  let clusterParsed: unknown;
  // Something is there (what it is, `readFileSafely` decides).
  if (existsSync(clusterJson)) clusterParsed = readJson(clusterJson, 'cluster.json', errors, ctx);
  else
    errors.push({
      source: 'bundle/cluster.json',
      message:
        'cluster.json is missing: platform and role unknown ("other"/"workload"); add it to get platform-specific verdicts',
    });
  const { cluster, collectedAt } = clusterFrom(clusterParsed, dir, errors);

  const kube: Record<string, KubeResource> = {};
  for (const file of listFiles(join(dir, 'kube'), ctx, errors, 'kube')) {
    const name = relative(join(dir, 'kube'), file).split(sep).join('/');
    if (!name.endsWith('.json') || name.includes('/')) {
      errors.push({
        source: `bundle/kube/${name}`,
        message: `kube/${name} ignored: expected kube/<resource>.json files only`,
      });
      continue;
    }
    const resource = name.slice(0, -'.json'.length);
    kube[resource] = readKubeList(file, resource, `kube/${name}`, errors, ctx);
  }

  const host: Evidence['host'] = {};
  const hostDir = join(dir, 'host');
  for (const file of listFiles(hostDir, ctx, errors, 'host')) {
    const path = posix.join('/', relative(hostDir, file).split(sep).join('/'));
    const hf = readHostFile(file, path, ctx);
    host[path] = hf;
    if (hf.error) errors.push({ source: `bundle/host${path}`, message: `host${path}: ${hf.error}` });
  }

  // `collect` never copies private keys; it records their facts in collection.json. Read them back so a
  // collected bundle judges key/cert pairs and key permissions like the live scan did.
  const collectionFile = join(dir, 'collection.json');
  const collection = existsSync(collectionFile)
    ? readJson(collectionFile, 'collection.json', errors, ctx)
    : undefined;
  if (isRecord(collection) && Array.isArray(collection['privateKeysOmitted'])) {
    for (const k of collection['privateKeysOmitted'] as unknown[]) {
      if (!isRecord(k) || typeof k['path'] !== 'string' || host[k['path']]?.privateKey) continue;
      const facts: HostFile['privateKey'] = {};
      if (typeof k['type'] === 'string') facts.type = k['type'];
      if (typeof k['publicKeySha256'] === 'string') facts.publicKeySha256 = k['publicKeySha256'];
      if (typeof k['error'] === 'string') facts.error = k['error'];
      // A file that held key and certificate was written with its certificate blocks only: join them again.
      const entry: HostFile = { ...(host[k['path']] ?? { path: k['path'] }), privateKey: facts };
      if (typeof k['mode'] === 'number') entry.mode = k['mode'];
      host[k['path']] = entry;
    }
  }

  const probes: Record<string, unknown> = {};
  for (const file of listFiles(join(dir, 'probes'), ctx, errors, 'probes')) {
    const name = basename(file);
    if (!name.endsWith('.json')) continue;
    const parsed = readJson(file, `probes/${name}`, errors, ctx);
    if (parsed !== undefined) probes[name.slice(0, -'.json'.length)] = parsed;
  }

  const evidence: Evidence = {
    schemaVersion: 1,
    collectedAt: collectedAt ?? st.mtime.toISOString(),
    cluster,
    kube,
    host,
    probes,
    collectorErrors: errors,
    source: `bundle:${folder}`,
  };
  const azure = readAzureBundle(dir, errors, (file, label, hint) =>
    jsonFile(file, label, ctx, 'other', hint),
  );
  if (azure) evidence.azure = azure;
  const historyFile = join(dir, 'history.json');
  const history = existsSync(historyFile) ? readJson(historyFile, 'history.json', errors, ctx) : undefined;
  if (isRecord(history) && isRecord(history['certificates']) && isRecord(history['kmsKeys']))
    evidence.history = history as unknown as ObservationHistory;
  else if (history !== undefined)
    errors.push({
      source: 'bundle/history.json',
      message: 'history.json must hold { "certificates": {...}, "kmsKeys": {...} }; ignored',
    });
  if (!cluster.kubernetesVersion) {
    const v = kubernetesVersionFromNodes(kube['nodes']);
    if (v) cluster.kubernetesVersion = v;
  }
  return evidence;
}

/** Best guess of the control-plane version from nodes when `/version` is not available: the newest kubelet of a control-plane node. */
export function kubernetesVersionFromNodes(nodes: KubeResource | undefined): string | undefined {
  if (!nodes || nodes.status !== 'ok') return undefined;
  const cp = nodes.items.filter(
    (n) => n.metadata.labels?.['node-role.kubernetes.io/control-plane'] !== undefined,
  );
  const pool = cp.length ? cp : nodes.items;
  const versions = pool
    .map(
      (n) =>
        (n['status'] as { nodeInfo?: { kubeletVersion?: string } } | undefined)?.nodeInfo?.kubeletVersion,
    )
    .filter((v): v is string => typeof v === 'string');
  const minorPatch = (v: string) => (/^v?(\d+)\.(\d+)\.(\d+)/.exec(v) ?? []).slice(1, 4).map(Number);
  const cmp = (a: string, b: string) => {
    const [x, y] = [minorPatch(a), minorPatch(b)];
    return (x[0] ?? 0) - (y[0] ?? 0) || (x[1] ?? 0) - (y[1] ?? 0) || (x[2] ?? 0) - (y[2] ?? 0);
  };
  // Numeric order: as text, v1.9 would sort above v1.31.
  return versions.sort(cmp).at(-1);
}
