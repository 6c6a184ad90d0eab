import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  loadPackageDefinition,
  Server,
  ServerCredentials,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceClientConstructor,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

/**
 * A real gRPC KMS plugin on a unix socket for tests, speaking KMS v2 (`v2.KeyManagementService`) or v1
 * (`v1beta1.KeyManagementService`) from the .proto files the agent ships. Behaviour can change while it runs:
 * healthy, unhealthy (healthz other than "ok"), hung (never answers: the caller's deadline must fire), and
 * key rotation (a new key id). Encrypt/Decrypt work too (test-grade "encryption": the key id plus the bytes).
 */

const PROTO_DIR = fileURLToPath(new URL('../../apps/agent/src/collectors/probes/proto/', import.meta.url));

/** How the test plugin answers. */
export interface KmsServerState {
  healthz: string;
  keyId: string;
  /** Never answer any call (a wedged plugin). */
  hang: boolean;
  /** What `Status.version` / `Version.version` says (v2: "v2"; v1: "v1beta1"). */
  version: string;
  runtimeName: string;
  runtimeVersion: string;
}

/** Options of `startKmsServer`. */
export interface KmsServerOptions extends Partial<KmsServerState> {
  socketPath: string;
  apiVersion: 'v1' | 'v2';
}

/** A running test plugin. */
export interface KmsTestServer {
  socketPath: string;
  state: KmsServerState;
  /** Calls received, by method name. */
  calls: Record<string, number>;
  stop(): Promise<void>;
}

type Handler = (
  call: ServerUnaryCall<Record<string, unknown>, Record<string, unknown>>,
  cb: sendUnaryData<Record<string, unknown>>,
) => void;

function serviceOf(apiVersion: 'v1' | 'v2'): ServiceClientConstructor {
  const file = apiVersion === 'v2' ? 'kms-v2.proto' : 'kms-v1beta1.proto';
  const def = loadSync(join(PROTO_DIR, file), { keepCase: true, longs: String, defaults: true });
  const pkg = loadPackageDefinition(def)[apiVersion === 'v2' ? 'v2' : 'v1beta1'] as Record<
    string,
    ServiceClientConstructor
  >;
  return pkg['KeyManagementService'];
}

/** Starts the plugin on `socketPath` (its folder is created; a stale socket file is removed). */
export async function startKmsServer(opts: KmsServerOptions): Promise<KmsTestServer> {
  const state: KmsServerState = {
    healthz: opts.healthz ?? 'ok',
    keyId: opts.keyId ?? 'test-key-1',
    hang: opts.hang ?? false,
    version: opts.version ?? (opts.apiVersion === 'v2' ? 'v2' : 'v1beta1'),
    runtimeName: opts.runtimeName ?? 'watchpost-test-kms',
    runtimeVersion: opts.runtimeVersion ?? '0.0.1',
  };
  const calls: Record<string, number> = {};
  const wrap =
    (name: string, answer: (req: Record<string, unknown>) => Record<string, unknown>): Handler =>
    (call, cb) => {
      calls[name] = (calls[name] ?? 0) + 1;
      // A hung plugin keeps the call open until the caller's deadline or stop().
      if (!state.hang) cb(null, answer(call.request));
    };
  const handlers: Record<string, Handler> =
    opts.apiVersion === 'v2'
      ? {
          Status: wrap('Status', () => ({
            version: state.version,
            healthz: state.healthz,
            key_id: state.keyId,
          })),
          Encrypt: wrap('Encrypt', (req) => ({
            ciphertext: Buffer.concat([Buffer.from(`${state.keyId}|`), req['plaintext'] as Buffer]),
            key_id: state.keyId,
            annotations: {},
          })),
          Decrypt: wrap('Decrypt', (req) => {
            const c = req['ciphertext'] as Buffer;
            return { plaintext: c.subarray(c.indexOf('|') + 1) };
          }),
        }
      : {
          Version: wrap('Version', () => ({
            version: state.version,
            runtime_name: state.runtimeName,
            runtime_version: state.runtimeVersion,
          })),
          Encrypt: wrap('Encrypt', (req) => ({
            cipher: Buffer.concat([Buffer.from(`${state.keyId}|`), req['plain'] as Buffer]),
          })),
          Decrypt: wrap('Decrypt', (req) => {
            const c = req['cipher'] as Buffer;
            return { plain: c.subarray(c.indexOf('|') + 1) };
          }),
        };

  mkdirSync(dirname(opts.socketPath), { recursive: true });
  rmSync(opts.socketPath, { force: true });
  const server = new Server();
  server.addService(serviceOf(opts.apiVersion).service, handlers);
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix://${opts.socketPath}`, ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(),
    ),
  );
  return {
    socketPath: opts.socketPath,
    state,
    calls,
    async stop() {
      server.forceShutdown();
      rmSync(opts.socketPath, { force: true });
    },
  };
}
