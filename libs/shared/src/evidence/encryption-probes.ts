import * as z from 'zod';

/**
 * Shapes of `evidence.probes.kms` and `evidence.probes['etcd-secrets']` (live probes, or
 * `probes/kms.json` / `probes/etcd-secrets.json` in a bundle), and the etcd storage-prefix parsers the etcd
 * probe uses. Checks read them through `readProbe` (probes.ts), so a hand-edited bundle file that does not
 * fit is reported as such instead of crashing a check.
 */

/** Why a KMS call did not answer: the plugin's fault (`timeout`, `unreachable`, `protocol`) or the agent's (`permission`). */
export const KMS_ERROR_KINDS = ['timeout', 'unreachable', 'permission', 'protocol'] as const;

const kmsProviderStatus = z.object({
  name: z.string(),
  apiVersion: z.enum(['v1', 'v2']),
  /** The endpoint as configured (inside the API server container). */
  endpoint: z.string(),
  /** The socket path the agent dialled (after hostPath mapping and host root). */
  socket: z.string().optional(),
  /** Resource names of the config entries that use this provider. */
  resources: z.array(z.string()).default([]),
  /** v2 Status */
  healthz: z.string().optional(),
  version: z.string().optional(),
  keyId: z.string().optional(),
  /** v1 Version */
  runtimeName: z.string().optional(),
  runtimeVersion: z.string().optional(),
  latencyMs: z.number().optional(),
  error: z.string().optional(),
  errorKind: z.enum(KMS_ERROR_KINDS).optional(),
});
/** The answer of one KMS plugin. */
export type KmsProviderStatus = z.infer<typeof kmsProviderStatus>;

/** `evidence.probes.kms`. */
export const kmsProbeResult = z.object({
  /** Host path of the encryption config the providers came from. */
  configPath: z.string().optional(),
  providers: z.array(kmsProviderStatus),
  /** Why no provider was called (no config, config invalid...). */
  note: z.string().optional(),
  /** False when the probe read the config and it names no KMS provider (nothing to call). */
  kmsConfigured: z.boolean().optional(),
  timeoutMs: z.number().optional(),
});
/** Result of the KMS probe. */
export type KmsProbeResult = z.infer<typeof kmsProbeResult>;

/** How a stored value is stored, from its prefix. */
export const STORAGE_CLASSES = [
  'kms-v2',
  'kms-v1',
  'aescbc',
  'aesgcm',
  'secretbox',
  'plaintext',
  'unknown',
] as const;

const etcdStorageGroup = z.object({
  storage: z.enum(STORAGE_CLASSES),
  /** KMS provider name or local key name from the prefix. */
  name: z.string().optional(),
  /** KMS v2 only: the plugin key id recorded in the stored EncryptedObject (not secret). */
  keyId: z.string().optional(),
  count: z.number().int().nonnegative(),
  /** A few `namespace/name` examples (secret names, never values). */
  examples: z.array(z.string()).default([]),
});
/** Sampled secrets that share one storage prefix (and key id). */
export type EtcdStorageGroup = z.infer<typeof etcdStorageGroup>;

/** `evidence.probes['etcd-secrets']`. */
export const etcdSecretsProbeResult = z.object({
  endpoints: z.array(z.string()),
  prefix: z.string().default('/registry/secrets/'),
  /** Keys under the prefix (count-only range). */
  total: z.number().int().nonnegative(),
  sampled: z.number().int().nonnegative(),
  sampleLimit: z.number().int().positive().optional(),
  groups: z.array(etcdStorageGroup),
});
/** Result of the etcd sample. */
export type EtcdSecretsProbeResult = z.infer<typeof etcdSecretsProbeResult>;

/** Storage class of a value prefix, e.g. `k8s:enc:kms:v2:aks-kms:` -> kms-v2 "aks-kms"; only the prefix is read. */
export function classifyPrefix(value: Uint8Array): {
  storage: EtcdStorageGroup['storage'];
  name?: string;
  rest: number;
} {
  const head = Buffer.from(value.subarray(0, Math.min(value.length, 300))).toString('latin1');
  if (head.startsWith('k8s\u0000')) return { storage: 'plaintext', rest: 4 };
  const m = /^k8s:enc:(kms:v2|kms:v1|aescbc:v1|aesgcm:v1|secretbox:v1):([^:]*):/.exec(head);
  if (!m) return { storage: 'unknown', rest: 0 };
  const storage = (
    {
      'kms:v2': 'kms-v2',
      'kms:v1': 'kms-v1',
      'aescbc:v1': 'aescbc',
      'aesgcm:v1': 'aesgcm',
      'secretbox:v1': 'secretbox',
    } as const
  )[m[1] as 'kms:v2'];
  return { storage, name: m[2], rest: m[0].length };
}

/**
 * The `keyID` (field 2) of a KMS v2 `EncryptedObject` (k8s.io/apiserver kmsv2 api.proto: encryptedData = 1,
 * keyID = 2, encryptedDEKSource = 3, annotations = 4, encryptedDEKSourceType = 5). Walks the protobuf without
 * copying the ciphertext; undefined when the bytes do not parse.
 */
export function kmsV2KeyId(buf: Uint8Array): string | undefined {
  let pos = 0;
  const varint = (): number | undefined => {
    let result = 0;
    let shift = 0;
    while (pos < buf.length && shift < 50) {
      const b = buf[pos++];
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
    }
    return undefined;
  };
  while (pos < buf.length) {
    const tag = varint();
    if (tag === undefined) return undefined;
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      if (varint() === undefined) return undefined;
    } else if (wire === 2) {
      const len = varint();
      if (len === undefined || pos + len > buf.length) return undefined;
      if (field === 2) return Buffer.from(buf.subarray(pos, pos + len)).toString('utf8');
      pos += len;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else return undefined;
  }
  return undefined;
}
