import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  AZURE_FILES,
  AZURE_READER_ROLE,
  type AzureDocument,
  type AzureDocumentName,
  type AzureEvidence,
} from '@watchpost/shared';

/**
 * Live Azure resource evidence: the agent gets an ARM token (Azure workload identity: its projected
 * service-account token exchanged at Microsoft Entra ID; or a managed identity from the instance metadata
 * service) and GETs the cluster's resource from Azure Resource Manager. The documents land in
 * `Evidence.azure` exactly as a bundle's `azure/*.json` would; failures are recorded per document, naming what
 * to grant or fix, never thrown.
 */

/** ARM api-versions used: GA versions that return every field the checks read. */
export const ARM_API_VERSIONS = {
  managedClusters: '2025-10-01',
  provisionedClusterInstances: '2024-01-01',
  extensions: '2023-05-01',
} as const;

/** How the agent authenticates to ARM. */
export type AzureAuth =
  | {
      kind: 'workload-identity';
      tenantId: string;
      clientId: string;
      /** The projected service-account token (`AZURE_FEDERATED_TOKEN_FILE`), re-read on every exchange. */
      tokenFile: string;
      /** `AZURE_AUTHORITY_HOST`, default https://login.microsoftonline.com/. */
      authorityHost?: string;
    }
  | {
      kind: 'managed-identity';
      /** Which user-assigned identity; the system-assigned one when unset. */
      clientId?: string;
      /** IMDS token endpoint, default http://169.254.169.254/metadata/identity/oauth2/token. */
      endpoint?: string;
    };

/** What the live Azure collector needs (agent config `azure.*`). */
export interface AzureCollectorOptions {
  /** `/subscriptions/<s>/resourceGroups/<rg>/providers/Microsoft.ContainerService/managedClusters/<name>` or a `Microsoft.Kubernetes/connectedClusters` id. */
  resourceId: string;
  auth: AzureAuth;
  /** Default https://management.azure.com. */
  armEndpoint?: string;
  /** Extra CA certificates (PEM) for ARM and Entra ID (air-gapped proxies; the tests' stand-ins). */
  ca?: string;
  timeoutMs?: number;
}

interface HttpAnswer {
  status: number;
  body: string;
}

function send(
  url: URL,
  opts: {
    method: 'GET' | 'POST';
    headers: Record<string, string>;
    body?: string;
    ca?: string;
    timeoutMs: number;
  },
): Promise<HttpAnswer> {
  const request = url.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: opts.method,
        headers: opts.body
          ? { ...opts.headers, 'Content-Length': Buffer.byteLength(opts.body) }
          : opts.headers,
        timeout: opts.timeoutMs,
        ...(opts.ca && url.protocol === 'https:' ? { ca: opts.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url.host} within ${opts.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

function json(body: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(body) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Entra ID error text (`error_description` starts with the AADSTS code), first line only. */
function entraError(body: string): string {
  const b = json(body);
  const d =
    typeof b?.['error_description'] === 'string' ? b['error_description'].split(/\r?\n/)[0] : undefined;
  const e = typeof b?.['error'] === 'string' ? b['error'] : undefined;
  return [e, d].filter(Boolean).join(': ') || body.slice(0, 200);
}

/** ARM error text: `Code: message`. */
function armError(body: string): string {
  const e = json(body)?.['error'] as { code?: string; message?: string } | undefined;
  return e ? `${e.code ?? 'Error'}: ${e.message ?? ''}` : body.slice(0, 200);
}

/** Gets an ARM access token, or throws an Error whose message says what to fix (never the token). */
export async function armToken(
  auth: AzureAuth,
  armEndpoint: string,
  ca: string | undefined,
  timeoutMs: number,
): Promise<string> {
  const resource = `${armEndpoint.replace(/\/+$/, '')}/`;
  if (auth.kind === 'workload-identity') {
    let assertion: string;
    try {
      assertion = (await readFile(auth.tokenFile, 'utf8')).trim();
    } catch (err) {
      throw new Error(
        `workload identity: cannot read the federated service-account token ${auth.tokenFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); label the agent's pod azure.workload.identity/use=true and annotate its service account with azure.workload.identity/client-id`,
      );
    }
    const authority = (auth.authorityHost ?? 'https://login.microsoftonline.com/').replace(/\/+$/, '');
    const url = new URL(`${authority}/${encodeURIComponent(auth.tenantId)}/oauth2/v2.0/token`);
    const body = new URLSearchParams({
      client_id: auth.clientId,
      scope: `${resource}.default`,
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    }).toString();
    const res = await send(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body,
      ca,
      timeoutMs,
    });
    const token = json(res.body)?.['access_token'];
    if (res.status === 200 && typeof token === 'string') return token;
    throw new Error(
      `workload identity: Microsoft Entra ID refused the token exchange for client ${auth.clientId} (HTTP ${res.status}, ${entraError(res.body)}); check the federated credential on that identity (issuer = the cluster's OIDC issuer, subject = system:serviceaccount:<namespace>:<service-account>)`,
    );
  }
  const endpoint = auth.endpoint ?? 'http://169.254.169.254/metadata/identity/oauth2/token';
  const url = new URL(endpoint);
  url.searchParams.set('api-version', '2018-02-01');
  url.searchParams.set('resource', resource);
  if (auth.clientId) url.searchParams.set('client_id', auth.clientId);
  const res = await send(url, { method: 'GET', headers: { Metadata: 'true' }, ca, timeoutMs });
  const token = json(res.body)?.['access_token'];
  if (res.status === 200 && typeof token === 'string') return token;
  throw new Error(
    `managed identity: the instance metadata service refused a token${auth.clientId ? ` for client ${auth.clientId}` : ''} (HTTP ${res.status}, ${entraError(res.body)}); assign the identity to the node pool's VM scale set or use workload identity`,
  );
}

/** GET one ARM resource (following `nextLink` for lists); a document, or an error naming the fix. */
async function armGet(
  path: string,
  apiVersion: string,
  file: string,
  ctx: {
    arm: string;
    token: string;
    ca: string | undefined;
    timeoutMs: number;
    resourceId: string;
    who: string;
  },
): Promise<AzureDocument> {
  const source = `azure/${file.replace(/^azure\//, '')}`;
  const error = (message: string): AzureDocument => ({ status: 'error', error: { source, message } });
  let next: string | undefined = `${ctx.arm}${path}?api-version=${apiVersion}`;
  const items: unknown[] = [];
  let single: unknown;
  for (let pages = 0; next && pages < 100; pages++) {
    let res: HttpAnswer;
    try {
      res = await send(new URL(next), {
        method: 'GET',
        headers: { Authorization: `Bearer ${ctx.token}`, Accept: 'application/json' },
        ca: ctx.ca,
        timeoutMs: ctx.timeoutMs,
      });
    } catch (err) {
      return error(`cannot reach Azure Resource Manager for ${file}: ${(err as Error).message}`);
    }
    if (res.status === 403)
      return error(
        `Azure Resource Manager refused to read ${path} (403 ${armError(res.body)}): grant the agent's identity${ctx.who} the ${AZURE_READER_ROLE} role on the cluster resource: az role assignment create --assignee <client-id> --role ${AZURE_READER_ROLE} --scope ${ctx.resourceId}`,
      );
    if (res.status === 401)
      return error(`Azure Resource Manager did not accept the agent's token (401 ${armError(res.body)})`);
    if (res.status === 404)
      return error(
        `Azure Resource Manager has no ${path} (404 ${armError(res.body)}): check azure.resourceId in the agent config`,
      );
    if (res.status !== 200)
      return error(`Azure Resource Manager answered HTTP ${res.status} for ${path}: ${armError(res.body)}`);
    const body = json(res.body);
    if (!body)
      return error(`Azure Resource Manager answered ${path} with something that is not a JSON object`);
    if (!Array.isArray(body['value'])) {
      single = body;
      next = undefined;
    } else {
      items.push(...(body['value'] as unknown[]));
      next = typeof body['nextLink'] === 'string' ? body['nextLink'] : undefined;
    }
  }
  return { status: 'ok', value: single ?? { value: items } };
}

const MANAGED = /\/providers\/Microsoft\.ContainerService\/managedClusters\/[^/]+$/i;
const CONNECTED = /\/providers\/Microsoft\.Kubernetes\/connectedClusters\/[^/]+$/i;

/**
 * Collects the cluster's Azure documents: for an AKS managed cluster `managedCluster`; for an Arc connected
 * cluster (AKS on Azure Local / AKS Arc) `provisionedCluster` and `extensions`. Never throws.
 */
export async function collectAzure(opts: AzureCollectorOptions): Promise<AzureEvidence> {
  const id = opts.resourceId.replace(/\/+$/, '');
  const arm = (opts.armEndpoint ?? 'https://management.azure.com').replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const wanted: { name: AzureDocumentName; path: string; apiVersion: string }[] = MANAGED.test(id)
    ? [{ name: 'managedCluster', path: id, apiVersion: ARM_API_VERSIONS.managedClusters }]
    : CONNECTED.test(id)
      ? [
          {
            name: 'provisionedCluster',
            path: `${id}/providers/Microsoft.HybridContainerService/provisionedClusterInstances/default`,
            apiVersion: ARM_API_VERSIONS.provisionedClusterInstances,
          },
          {
            name: 'extensions',
            path: `${id}/providers/Microsoft.KubernetesConfiguration/extensions`,
            apiVersion: ARM_API_VERSIONS.extensions,
          },
        ]
      : [];
  if (!wanted.length)
    return {
      managedCluster: {
        status: 'error',
        error: {
          source: 'azure/config',
          message: `azure.resourceId "${opts.resourceId}" is neither a Microsoft.ContainerService/managedClusters nor a Microsoft.Kubernetes/connectedClusters resource id`,
        },
      },
    };
  let token: string;
  try {
    token = await armToken(opts.auth, arm, opts.ca, timeoutMs);
  } catch (err) {
    const message = `no ARM token, so the cluster's Azure settings are unknown: ${(err as Error).message}`;
    return Object.fromEntries(
      wanted.map((w) => [w.name, { status: 'error', error: { source: `azure/token`, message } }]),
    );
  }
  const who = opts.auth.clientId ? ` (client id ${opts.auth.clientId})` : '';
  const out: AzureEvidence = {};
  for (const w of wanted)
    out[w.name] = await armGet(w.path, w.apiVersion, AZURE_FILES[w.name], {
      arm,
      token,
      ca: opts.ca,
      timeoutMs,
      resourceId: id,
      who,
    });
  return out;
}
