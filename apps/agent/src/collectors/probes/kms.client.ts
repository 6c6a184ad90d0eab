import { access, constants } from 'node:fs/promises';
import { Client, credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';

/**
 * The two KMS plugin calls the agent makes, over a unix socket: v2 `Status` and v1 `Version`
 * (schemas in ./proto). The messages are a handful of string fields, so they are encoded by hand here:
 * nothing to locate at run time (tsc does not copy .proto files into dist), and the test server, which
 * loads the real .proto files, proves the encoding.
 */

/** v2 `StatusResponse`. */
export interface KmsV2Status {
  version: string;
  healthz: string;
  keyId: string;
}
/** v1 `VersionResponse`. */
export interface KmsV1Version {
  version: string;
  runtimeName: string;
  runtimeVersion: string;
}

/** A failed call, classified: the plugin's fault (timeout, unreachable, protocol) or the agent's (permission). */
export class KmsCallError extends Error {
  constructor(
    message: string,
    readonly kind: 'timeout' | 'unreachable' | 'permission' | 'protocol',
  ) {
    super(message);
  }
}

function encodeString(field: number, value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  return Buffer.concat([encodeVarint(field * 8 + 2), encodeVarint(bytes.length), bytes]);
}

function encodeVarint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

/** Decodes the string fields of a protobuf message by field number; unknown fields and types are skipped. */
export function decodeStrings(buf: Buffer): Map<number, string> {
  const out = new Map<number, string>();
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= buf.length) throw new Error('truncated varint');
      const b = buf[pos++];
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
      if (shift > 63) throw new Error('varint too long');
    }
  };
  while (pos < buf.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    switch (tag & 7) {
      case 0:
        varint();
        break;
      case 1:
        pos += 8;
        break;
      case 2: {
        const len = varint();
        if (pos + len > buf.length) throw new Error('truncated field');
        out.set(field, buf.subarray(pos, pos + len).toString('utf8'));
        pos += len;
        break;
      }
      case 5:
        pos += 4;
        break;
      default:
        throw new Error(`unsupported wire type ${tag & 7}`);
    }
  }
  return out;
}

function classify(err: ServiceError, socket: string, timeoutMs: number): KmsCallError {
  const details = err.details || err.message;
  if (err.code === status.DEADLINE_EXCEEDED)
    return new KmsCallError(`no answer within ${timeoutMs} ms (DEADLINE_EXCEEDED)`, 'timeout');
  if (/EACCES|EPERM/.test(details)) return new KmsCallError(`permission denied on ${socket}`, 'permission');
  if (err.code === status.UNAVAILABLE)
    return new KmsCallError(`cannot connect to ${socket}: ${details}`, 'unreachable');
  if (err.code === status.UNIMPLEMENTED)
    return new KmsCallError(
      `the plugin does not implement this call (${details}): wrong KMS API version?`,
      'protocol',
    );
  return new KmsCallError(`${status[err.code] ?? err.code}: ${details}`, 'protocol');
}

async function unary(socket: string, method: string, request: Buffer, timeoutMs: number): Promise<Buffer> {
  // Say "missing" and "not allowed" plainly instead of a generic gRPC UNAVAILABLE.
  try {
    await access(socket, constants.R_OK | constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM')
      throw new KmsCallError(`${code}: the agent may not open ${socket}`, 'permission');
    throw new KmsCallError(
      `${code ?? 'error'}: socket ${socket} does not exist (plugin not running?)`,
      'unreachable',
    );
  }
  const client = new Client(`unix://${socket}`, credentials.createInsecure());
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      client.makeUnaryRequest<Buffer, Buffer>(
        method,
        (b) => b,
        (b) => b,
        request,
        new Metadata(),
        { deadline: Date.now() + timeoutMs },
        (err, value) => {
          if (err) reject(classify(err, socket, timeoutMs));
          else resolve(value ?? Buffer.alloc(0));
        },
      );
    });
  } finally {
    client.close();
  }
}

function decodeOrThrow(buf: Buffer): Map<number, string> {
  try {
    return decodeStrings(buf);
  } catch (err) {
    throw new KmsCallError(`malformed response: ${(err as Error).message}`, 'protocol');
  }
}

/** KMS v2 `Status` on a unix socket path. */
export async function kmsV2Status(socket: string, timeoutMs: number): Promise<KmsV2Status> {
  const f = decodeOrThrow(await unary(socket, '/v2.KeyManagementService/Status', Buffer.alloc(0), timeoutMs));
  return { version: f.get(1) ?? '', healthz: f.get(2) ?? '', keyId: f.get(3) ?? '' };
}

/** KMS v1 `Version` on a unix socket path, asking as the API server does (`version: v1beta1`). */
export async function kmsV1Version(socket: string, timeoutMs: number): Promise<KmsV1Version> {
  const f = decodeOrThrow(
    await unary(socket, '/v1beta1.KeyManagementService/Version', encodeString(1, 'v1beta1'), timeoutMs),
  );
  return { version: f.get(1) ?? '', runtimeName: f.get(2) ?? '', runtimeVersion: f.get(3) ?? '' };
}
