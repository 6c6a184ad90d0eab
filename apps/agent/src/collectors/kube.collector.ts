import { request, type RequestOptions } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import type { CollectorError, KubeObject, KubeResource } from '@watchpost/shared';
import { constraintResources, listPath, RESOURCES, type ResourceSpec } from './resources.js';
import { utf8Text } from './safe-read.js';
import { PodSharing, sanitiseObject } from './sanitise.js';

/** Options of the Kubernetes API collector. */
export interface KubeCollectorOptions {
  /** Kubeconfig file; default: `KUBECONFIG`, `~/.kube/config`, or the in-cluster service account. */
  kubeconfig?: string;
  context?: string;
  resources?: readonly ResourceSpec[];
  /** Page size of LISTs (`limit`); the API server hands back a `continue` token for the rest. */
  pageSize?: number;
  timeoutMs?: number;
  concurrency?: number;
  progress?: (msg: string) => void;
}

interface HttpResult {
  status: number;
  body: string;
}

/** Loads a kubeconfig the way kubectl does; the in-cluster service account when running in a pod. */
export function loadKubeConfig(opts: Pick<KubeCollectorOptions, 'kubeconfig' | 'context'>): KubeConfig {
  const kc = new KubeConfig();
  if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
  else kc.loadFromDefault();
  if (opts.context) kc.setCurrentContext(opts.context);
  if (!kc.getCurrentCluster())
    throw new Error(
      `no cluster in kubeconfig ${opts.kubeconfig ?? '(default)'}; pass --kubeconfig FILE or --bundle DIR`,
    );
  return kc;
}

/** A GET against the API server with the kubeconfig's credentials (client-node applies TLS and auth). */
async function get(kc: KubeConfig, path: string, timeoutMs: number): Promise<HttpResult> {
  const server = new URL(kc.getCurrentCluster()!.server);
  const opts: RequestOptions = {
    method: 'GET',
    hostname: server.hostname,
    port: server.port || 443,
    path: `${server.pathname.replace(/\/$/, '')}${path}`,
    headers: { Accept: 'application/json' },
    timeout: timeoutMs,
  };
  await kc.applyToHTTPSOptions(opts);
  return new Promise((resolve, reject) => {
    const req = request(opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: utf8Text(Buffer.concat(chunks)) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${server.host} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

function statusMessage(body: string): string {
  try {
    const s = JSON.parse(body) as { message?: string };
    if (s.message) return s.message;
  } catch {
    // not a Status object
  }
  return body.slice(0, 200);
}

/** LISTs one resource across all namespaces, page by page. Never throws: failures become a KubeResource status. */
export async function listResource(
  kc: KubeConfig,
  spec: ResourceSpec,
  pageSize = 500,
  timeoutMs = 30_000,
): Promise<KubeResource> {
  const source = `kube/${spec.resource}`;
  const items: KubeObject[] = [];
  // Replicas' alike parts kept once, across pages (see PodSharing).
  const sharing = spec.resource === 'pods' ? new PodSharing() : undefined;
  let cont: string | undefined;
  let pages = 0;
  do {
    const q = new URLSearchParams({ limit: String(pageSize) });
    if (cont) q.set('continue', cont);
    let res: HttpResult;
    try {
      res = await get(kc, `${listPath(spec)}?${q.toString()}`, timeoutMs);
    } catch (err) {
      return {
        status: 'error',
        error: { source, message: `cannot list ${spec.resource}: ${(err as Error).message}` },
      };
    }
    if (res.status === 404) {
      if (spec.optional) return { status: 'not-installed' };
      return {
        status: 'error',
        error: { source, message: `the API server does not serve ${spec.resource} (404)` },
      };
    }
    if (res.status === 403) {
      const verb = `list ${spec.group ? `${spec.group}/` : ''}${spec.plural}`;
      return {
        status: 'forbidden',
        error: {
          source,
          message: `not allowed to ${verb} at cluster scope (${statusMessage(res.body)}); grant it in the agent's read-only ClusterRole (deploy/agent/base/rbac.yaml)`,
        },
      };
    }
    if (res.status === 401)
      return {
        status: 'error',
        error: {
          source,
          message: `the API server refused the credentials (401): ${statusMessage(res.body)}`,
        },
      };
    if (res.status === 410) {
      return {
        status: 'error',
        error: {
          source,
          message: `the list of ${spec.resource} changed too fast to page through (410 Gone, continue token expired); scan again`,
        },
      };
    }
    if (res.status < 200 || res.status > 299) {
      return {
        status: 'error',
        error: {
          source,
          message: `listing ${spec.resource} failed with HTTP ${res.status}: ${statusMessage(res.body)}`,
        },
      };
    }
    let page: { items?: KubeObject[]; metadata?: { continue?: string } };
    try {
      page = JSON.parse(res.body) as typeof page;
    } catch {
      return {
        status: 'error',
        error: {
          source,
          message: `the API server answered the ${spec.resource} list with something that is not JSON`,
        },
      };
    }
    for (const item of page.items ?? []) {
      const clean = sanitiseObject(spec.resource, item);
      items.push(sharing ? sharing.share(clean) : clean);
    }
    cont = page.metadata?.continue || undefined;
    pages += 1;
    if (pages > 10_000)
      return {
        status: 'error',
        error: { source, message: `gave up listing ${spec.resource} after 10000 pages` },
      };
  } while (cont);
  return { status: 'ok', items };
}

/** The API server's version (`/version` gitVersion), or undefined. */
export async function serverVersion(kc: KubeConfig, timeoutMs = 10_000): Promise<string | undefined> {
  try {
    const res = await get(kc, '/version', timeoutMs);
    if (res.status !== 200) return undefined;
    return (JSON.parse(res.body) as { gitVersion?: string }).gitVersion;
  } catch {
    return undefined;
  }
}

/** LISTs every resource the checks need, a few at a time, reporting progress. */
export async function collectKube(opts: KubeCollectorOptions = {}): Promise<{
  kube: Record<string, KubeResource>;
  errors: CollectorError[];
  version?: string;
  server: string;
}> {
  const kc = loadKubeConfig(opts);
  const specs = opts.resources ?? RESOURCES;
  const kube: Record<string, KubeResource> = {};
  const errors: CollectorError[] = [];
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < specs.length) {
      const spec = specs[next++];
      const res = await listResource(kc, spec, opts.pageSize, opts.timeoutMs);
      kube[spec.resource] = res;
      if (res.status === 'forbidden' || res.status === 'error') errors.push(res.error);
      done += 1;
      opts.progress?.(
        `listed ${spec.resource} (${done}/${specs.length})${res.status === 'ok' ? `: ${res.items.length}` : `: ${res.status}`}`,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 4, specs.length) }, worker));
  // Gatekeeper constraints: one resource per collected ConstraintTemplate (only known after listing them).
  const templates = kube['constrainttemplates.templates.gatekeeper.sh'];
  if (!opts.resources && templates?.status === 'ok') {
    for (const spec of constraintResources(templates.items)) {
      const res = await listResource(kc, spec, opts.pageSize, opts.timeoutMs);
      kube[spec.resource] = res;
      if (res.status === 'forbidden' || res.status === 'error') errors.push(res.error);
    }
  }
  const version = await serverVersion(kc, opts.timeoutMs);
  const result: {
    kube: Record<string, KubeResource>;
    errors: CollectorError[];
    version?: string;
    server: string;
  } = { kube, errors, server: kc.getCurrentCluster()!.server };
  if (version) result.version = version;
  return result;
}
