import * as z from 'zod';

/*
 * Typed facts: the part of a check result the hub reads. A check's `evidence` is free-form detail for people;
 * `facts` is a contract with a type and a version, validated at ingest, and the only thing the hub's roll-ups,
 * metrics and lists read. Versioning rules (docs/contracts-changes.md): a new optional field keeps the version;
 * renaming, removing or retyping a field is a new version, which agents send only once hubs understand it.
 * A hub keeps a result whose facts are of a type or version it does not know, without the facts.
 */

const isoTime = z.iso.datetime({ offset: true });

/** Where a certificate lives: the closed set of source kinds. */
export const CERTIFICATE_SOURCE_KINDS = ['file', 'kubeconfig', 'secret', 'webhook', 'endpoint'] as const;
/** Where a certificate lives. */
export type CertificateSourceKind = (typeof CERTIFICATE_SOURCE_KINDS)[number];

/** Certificate facts v1: one certificate at one place, as the agent read and judged it. */
export const certificateFactsV1Schema = z.strictObject({
  type: z.literal('certificate'),
  version: z.literal(1),
  /** Node the certificate sits on, when the agent knows it; the hub falls back to the reporting agent's node for files and kubeconfigs. */
  node: z.string().min(1).max(253).optional(),
  source: z.strictObject({
    kind: z.enum(CERTIFICATE_SOURCE_KINDS),
    /** File path, `kubeconfig:<path>#<user>`, `secret:<ns>/<name>`, `webhook:<Kind>/<name>/<webhook>`, `endpoint:<host:port>`. */
    locator: z.string().min(1).max(4096),
  }),
  subject: z.string().max(4096),
  issuer: z.string().max(4096),
  /** Upper-case hex as Node prints it. */
  serial: z.string().max(128),
  notBefore: isoTime,
  notAfter: isoTime,
  lifetimeSeconds: z.number().int().nonnegative(),
  /** A CA (basicConstraints CA, or a self-signed root). */
  isCa: z.boolean(),
  /** The agent judges that the platform renews it without a person (AKS hybrid 4-day leaves, kubelet rotation, cert-manager). */
  renewedAutomatically: z.boolean(),
  /** What renews it, when `renewedAutomatically`. */
  renewedBy: z.string().max(512).optional(),
  /** When renewal is due: the start of the warning window (warn share of the lifetime left). */
  renewalDueAt: isoTime,
});
/** Certificate facts v1. */
export type CertificateFactsV1 = z.infer<typeof certificateFactsV1Schema>;

/** KMS key facts v1: the key a KMS provider encrypts with and what the agent knows of its age. */
export const kmsKeyFactsV1Schema = z.strictObject({
  type: z.literal('kms-key'),
  version: z.literal(1),
  /** Provider name in the EncryptionConfiguration. */
  provider: z.string().min(1).max(256),
  apiVersion: z.enum(['v1', 'v2']),
  /** v2: the plugin's key_id; v1: the provider name (v1 rotates by adding a provider). Absent when not observable. */
  keyId: z.string().max(1024).optional(),
  /** First scan that saw this key id in its current stretch of use. */
  firstSeen: isoTime.optional(),
  /** When the agent saw the key change to this one (a rotation observed); absent when it never did. */
  rotatedAt: isoTime.optional(),
  /** Age as of the scan, in seconds: exact when `rotatedAt` is set, else a lower bound counted from `firstSeen`. */
  ageSeconds: z.number().int().nonnegative().optional(),
  /** Whether the age is exact (a rotation to this key was observed). */
  ageExact: z.boolean(),
  /** The limit the check judges by. */
  maxAgeSeconds: z.number().int().positive(),
});
/** KMS key facts v1. */
export type KmsKeyFactsV1 = z.infer<typeof kmsKeyFactsV1Schema>;

/** IMDS exposure facts v1: whether a namespace's pods can reach the instance metadata endpoint. */
export const imdsExposureFactsV1Schema = z.strictObject({
  type: z.literal('imds-exposure'),
  version: z.literal(1),
  namespace: z.string().min(1).max(253),
  /** A new pod in the namespace (no labels beyond the defaults) could reach 169.254.169.254:80. */
  newPodsReach: z.boolean(),
  /** Running pods in the namespace, and how many of them can reach it. */
  pods: z.number().int().nonnegative(),
  podsReaching: z.number().int().nonnegative(),
  /** System namespaces are exempt from the verdict (still reported). */
  exempt: z.boolean(),
});
/** IMDS exposure facts v1. */
export type ImdsExposureFactsV1 = z.infer<typeof imdsExposureFactsV1Schema>;

/** Every facts type and version this build knows. */
export type ResultFacts = CertificateFactsV1 | KmsKeyFactsV1 | ImdsExposureFactsV1;

const KNOWN: Record<string, Record<number, z.ZodType>> = {
  certificate: { 1: certificateFactsV1Schema },
  'kms-key': { 1: kmsKeyFactsV1Schema },
  'imds-exposure': { 1: imdsExposureFactsV1Schema },
};

/** Whether this build knows a facts type and version. */
export function knownFacts(type: string, version: number): boolean {
  return KNOWN[type]?.[version] !== undefined;
}

/**
 * The `facts` member of a result on the wire: a known type and version must match its schema exactly (an
 * error names the field); an unknown one only needs `type` and `version` (a newer agent), and readers skip it.
 */
export const resultFactsWireSchema = z
  .looseObject({
    type: z.string().regex(/^[a-z0-9-]{1,64}$/),
    version: z.number().int().positive(),
  })
  .superRefine((value, ctx) => {
    const schema = KNOWN[value.type]?.[value.version];
    if (!schema) return;
    const r = schema.safeParse(value);
    if (r.success) return;
    for (const issue of r.error.issues) {
      ctx.addIssue({
        code: 'custom',
        path: issue.path,
        message: `${value.type} facts v${value.version}: ${issue.message}`,
      });
    }
  });

/** Facts as the wire carries them: a known type, or one from a newer agent that readers skip. */
export type WireFacts = ResultFacts | z.infer<typeof resultFactsWireSchema>;

/** Facts of a known type and version, or null (absent, unknown, or invalid). */
export function readFacts(value: unknown): ResultFacts | null {
  if (typeof value !== 'object' || value === null) return null;
  const { type, version } = value as { type?: unknown; version?: unknown };
  if (typeof type !== 'string' || typeof version !== 'number') return null;
  const schema = KNOWN[type]?.[version];
  if (!schema) return null;
  const r = schema.safeParse(value);
  return r.success ? (r.data as ResultFacts) : null;
}

/** Certificate facts of a result, or null. */
export function certificateFacts(value: unknown): CertificateFactsV1 | null {
  const f = readFacts(value);
  return f?.type === 'certificate' ? f : null;
}

/** KMS key facts of a result, or null. */
export function kmsKeyFacts(value: unknown): KmsKeyFactsV1 | null {
  const f = readFacts(value);
  return f?.type === 'kms-key' ? f : null;
}

/** IMDS exposure facts of a result, or null. */
export function imdsExposureFacts(value: unknown): ImdsExposureFactsV1 | null {
  const f = readFacts(value);
  return f?.type === 'imds-exposure' ? f : null;
}
