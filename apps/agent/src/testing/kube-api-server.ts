// A stand-in for the Kubernetes API server (none can be installed here): a real HTTPS listener that serves
// `kubectl get -o json` shaped Lists from a bundle-like folder, with real `limit`/`continue` pagination,
// bearer-token auth, 403 for resources the token may not list, 404 for resources not installed, and
// a `/version` endpoint. The agent's live collector talks to it through a normal kubeconfig.
import { readFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createCa, issueCertificate } from '@watchpost/shared';
import { listPath, RESOURCES } from '../collectors/resources.js';

/** Options of the fixture API server. */
export interface KubeApiServerOptions {
  /** Folder with `kube/<resource>.json` Lists (a bundle). */
  fixtures: string;
  /** Resources answered with 403 Forbidden. */
  forbidden?: string[];
  /** Bearer token required (401 otherwise). */
  token?: string;
  gitVersion?: string;
  /** Expire continue tokens after this many pages (to exercise 410 Gone). */
  expireContinueAfterPages?: number;
}

/** A running fixture API server. */
export interface KubeApiServer {
  url: string;
  caPem: string;
  /** Requests served, for assertions on pagination. */
  requests: string[];
  /** Writes a kubeconfig for it and returns its path. */
  writeKubeconfig(dir: string): string;
  close(): Promise<void>;
}

function status(code: number, reason: string, message: string): string {
  return JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  });
}

/** Starts the fixture API server on a free loopback port. */
export async function startKubeApiServer(opts: KubeApiServerOptions): Promise<KubeApiServer> {
  const ca = createCa({ commonName: 'kubernetes', validDays: 2 });
  const serving = issueCertificate({
    ca,
    commonName: 'kube-apiserver',
    usage: 'server',
    sans: ['127.0.0.1', 'localhost'],
    validDays: 1,
  });
  const token = opts.token ?? 'fixture-token';
  const lists = new Map<string, { apiVersion: string; kind: string; items: unknown[] }>();
  const byPath = new Map(RESOURCES.map((r) => [listPath(r), r.resource]));
  const kubeDir = join(opts.fixtures, 'kube');
  if (existsSync(kubeDir)) {
    for (const f of readdirSync(kubeDir)) {
      if (!f.endsWith('.json')) continue;
      try {
        lists.set(
          f.slice(0, -5),
          JSON.parse(readFileSync(join(kubeDir, f), 'utf8')) as {
            apiVersion: string;
            kind: string;
            items: unknown[];
          },
        );
      } catch {
        // A malformed fixture file is served as a 500, like a broken aggregated API.
      }
    }
  }
  const requests: string[] = [];
  const server: Server = createServer({ key: serving.keyPem, cert: serving.certPem }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    requests.push(url.pathname + url.search);
    res.setHeader('Content-Type', 'application/json');
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401).end(status(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    if (url.pathname === '/version') {
      res.writeHead(200).end(
        JSON.stringify({
          major: '1',
          minor: '31',
          gitVersion: opts.gitVersion ?? 'v1.31.5',
          platform: 'linux/amd64',
        }),
      );
      return;
    }
    // Gatekeeper constraint kinds are served under one group, one resource per ConstraintTemplate.
    const constraint = /^\/apis\/constraints\.gatekeeper\.sh\/v1beta1\/([a-z0-9]+)$/.exec(url.pathname);
    const resource =
      byPath.get(url.pathname) ?? (constraint ? `${constraint[1]}.constraints.gatekeeper.sh` : undefined);
    if (!resource) {
      res.writeHead(404).end(status(404, 'NotFound', 'the server could not find the requested resource'));
      return;
    }
    if (opts.forbidden?.includes(resource)) {
      const [plural, ...group] = resource.split('.');
      res
        .writeHead(403)
        .end(
          status(
            403,
            'Forbidden',
            `${resource} is forbidden: User "system:serviceaccount:watchpost:watchpost-agent" cannot list resource "${plural}" in API group "${group.join('.')}" at the cluster scope`,
          ),
        );
      return;
    }
    const list = lists.get(resource);
    if (!list) {
      res.writeHead(404).end(status(404, 'NotFound', 'the server could not find the requested resource'));
      return;
    }
    const limit = Number(url.searchParams.get('limit') ?? '0') || list.items.length || 1;
    const cont = url.searchParams.get('continue');
    let offset = 0;
    if (cont) {
      const decoded = JSON.parse(Buffer.from(cont, 'base64').toString('utf8')) as {
        offset: number;
        page: number;
      };
      if (opts.expireContinueAfterPages !== undefined && decoded.page >= opts.expireContinueAfterPages) {
        res
          .writeHead(410)
          .end(
            status(
              410,
              'Expired',
              'The provided continue parameter is too old to display a consistent list result.',
            ),
          );
        return;
      }
      offset = decoded.offset;
    }
    const items = list.items.slice(offset, offset + limit);
    const next =
      offset + limit < list.items.length
        ? Buffer.from(
            JSON.stringify({ offset: offset + limit, page: (cont ? 1 : 0) + requests.length }),
          ).toString('base64')
        : undefined;
    const metadata: Record<string, unknown> = { resourceVersion: '123456' };
    if (next) {
      metadata['continue'] = next;
      metadata['remainingItemCount'] = list.items.length - offset - limit;
    }
    const kind = resource.split('.')[0];
    res.writeHead(200).end(
      JSON.stringify({
        apiVersion: 'v1',
        kind: `${kind[0].toUpperCase()}${kind.slice(1)}List`,
        metadata,
        items,
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `https://127.0.0.1:${port}`;
  return {
    url,
    caPem: ca.certPem,
    requests,
    writeKubeconfig(dir: string): string {
      const file = join(dir, 'kubeconfig.yaml');
      const caData = Buffer.from(ca.certPem).toString('base64');
      writeFileSync(
        file,
        `apiVersion: v1\nkind: Config\nclusters:\n- name: fixture\n  cluster:\n    server: ${url}\n    certificate-authority-data: ${caData}\ncontexts:\n- name: fixture\n  context:\n    cluster: fixture\n    user: agent\ncurrent-context: fixture\nusers:\n- name: agent\n  user:\n    token: ${token}\n`,
        { mode: 0o600 },
      );
      return file;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
