// A stand-in for Azure Resource Manager, Microsoft Entra ID's token endpoint and the instance metadata
// service (none is reachable here): real HTTPS (and plain HTTP for IMDS, as on a VM) listeners answering with
// the shapes and error bodies the real services send, so the agent's live Azure collector runs unchanged.
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createCa, issueCertificate } from '@watchpost/shared';

/** Options of the stand-in. */
export interface AzureStandInOptions {
  tenantId: string;
  /** Client id allowed to exchange `serviceAccountToken` (workload identity) or ask IMDS for a token. */
  clientId: string;
  /** The federated service-account token Entra ID accepts as client assertion. */
  serviceAccountToken: string;
  /** ARM resources by id (GET answers), or lists (`{ value: [...] }`) paged `pageSize` at a time. */
  resources: Record<string, unknown>;
  /** Resource ids answered with 403 AuthorizationFailed. */
  forbidden?: string[];
  pageSize?: number;
}

/** A running stand-in. */
export interface AzureStandIn {
  /** ARM and Entra ID base URL (https). */
  url: string;
  /** IMDS token endpoint (http). */
  imdsEndpoint: string;
  caPem: string;
  /** Requests served (`METHOD path`), for assertions. */
  requests: string[];
  close(): Promise<void>;
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const armError = (code: string, message: string) => JSON.stringify({ error: { code, message } });

/** Starts the stand-in on free loopback ports. */
export async function startAzureStandIn(opts: AzureStandInOptions): Promise<AzureStandIn> {
  const ca = createCa({ commonName: 'Azure stand-in root', validDays: 2 });
  const serving = issueCertificate({
    ca,
    commonName: 'localhost',
    usage: 'server',
    sans: ['127.0.0.1', 'localhost'],
    validDays: 1,
  });
  const accessToken = randomBytes(24).toString('base64url');
  const requests: string[] = [];
  const resources = new Map(Object.entries(opts.resources).map(([k, v]) => [k.toLowerCase(), v]));
  const forbidden = new Set((opts.forbidden ?? []).map((f) => f.toLowerCase()));
  const pageSize = opts.pageSize ?? 2;
  let base = '';

  const https: Server = createServer({ key: serving.keyPem, cert: serving.certPem }, (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'https://localhost');
      requests.push(`${req.method ?? ''} ${url.pathname}`);
      const send = (status: number, text: string) => {
        res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
        res.end(text);
      };
      if (req.method === 'POST' && url.pathname === `/${opts.tenantId}/oauth2/v2.0/token`) {
        const form = new URLSearchParams(await body(req));
        if (form.get('client_id') !== opts.clientId)
          return send(
            400,
            JSON.stringify({
              error: 'unauthorized_client',
              error_description: `AADSTS700016: Application with identifier '${form.get('client_id') ?? ''}' was not found in the directory '${opts.tenantId}'.`,
              error_codes: [700016],
            }),
          );
        if (form.get('client_assertion') !== opts.serviceAccountToken)
          return send(
            401,
            JSON.stringify({
              error: 'invalid_client',
              error_description:
                "AADSTS700213: No matching federated identity record found for presented assertion subject 'system:serviceaccount:watchpost:watchpost-agent'. Please note that the matching is done using a case-sensitive comparison.",
              error_codes: [700213],
            }),
          );
        return send(
          200,
          JSON.stringify({
            token_type: 'Bearer',
            expires_in: 3599,
            ext_expires_in: 3599,
            access_token: accessToken,
          }),
        );
      }
      if (req.method !== 'GET')
        return send(
          405,
          armError('MethodNotAllowed', 'The requested resource does not support http method.'),
        );
      if (req.headers.authorization !== `Bearer ${accessToken}`)
        return send(401, armError('InvalidAuthenticationToken', 'The access token is invalid.'));
      if (!url.searchParams.get('api-version'))
        return send(
          400,
          armError(
            'MissingApiVersionParameter',
            'The api-version query parameter (?api-version=) is required for all requests.',
          ),
        );
      const id = url.pathname.toLowerCase();
      if (forbidden.has(id))
        return send(
          403,
          armError(
            'AuthorizationFailed',
            `The client '${opts.clientId}' with object id '${opts.clientId}' does not have authorization to perform action 'Microsoft.ContainerService/managedClusters/read' over scope '${url.pathname}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
          ),
        );
      const doc = resources.get(id);
      if (doc === undefined)
        return send(
          404,
          armError(
            'ResourceNotFound',
            `The Resource '${url.pathname.split('/providers/').at(-1) ?? ''}' was not found.`,
          ),
        );
      const list = (doc as { value?: unknown[] }).value;
      if (!Array.isArray(list)) return send(200, JSON.stringify(doc));
      const skip = Number(url.searchParams.get('$skipToken') ?? '0');
      const page: Record<string, unknown> = { value: list.slice(skip, skip + pageSize) };
      if (skip + pageSize < list.length)
        page['nextLink'] =
          `${base}${url.pathname}?api-version=${url.searchParams.get('api-version') ?? ''}&$skipToken=${skip + pageSize}`;
      return send(200, JSON.stringify(page));
    })();
  });

  const imds: HttpServer = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(`IMDS ${req.method ?? ''} ${url.pathname}`);
    const send = (status: number, obj: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(obj));
    };
    if (req.headers['metadata'] !== 'true')
      return send(400, {
        error: 'invalid_request',
        error_description: 'Required metadata header not specified',
      });
    if (url.searchParams.get('api-version') !== '2018-02-01' || !url.searchParams.get('resource'))
      return send(400, {
        error: 'invalid_request',
        error_description: "Required query variable 'resource' is missing",
      });
    const client = url.searchParams.get('client_id');
    if (client && client !== opts.clientId)
      return send(400, { error: 'invalid_request', error_description: 'Identity not found' });
    const now = Math.floor(Date.now() / 1000);
    return send(200, {
      access_token: accessToken,
      client_id: opts.clientId,
      expires_in: '86399',
      expires_on: String(now + 86399),
      ext_expires_in: '86399',
      not_before: String(now),
      resource: url.searchParams.get('resource'),
      token_type: 'Bearer',
    });
  });

  await Promise.all([
    new Promise<void>((r) => https.listen(0, '127.0.0.1', () => r())),
    new Promise<void>((r) => imds.listen(0, '127.0.0.1', () => r())),
  ]);
  base = `https://127.0.0.1:${(https.address() as AddressInfo).port}`;
  return {
    url: base,
    imdsEndpoint: `http://127.0.0.1:${(imds.address() as AddressInfo).port}/metadata/identity/oauth2/token`,
    caPem: ca.certPem,
    requests,
    close: () =>
      Promise.all([
        new Promise<void>((r) => https.close(() => r())),
        new Promise<void>((r) => imds.close(() => r())),
      ]).then(() => undefined),
  };
}
