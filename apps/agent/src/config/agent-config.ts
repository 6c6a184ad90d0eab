import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { AREAS, CATALOGUE, SEVERITIES, type Severity } from '@watchpost/shared/catalogue';
import { CLUSTER_ROLES, PLATFORMS } from '@watchpost/shared/evidence';
import { AGENT_ID_PATTERN } from '@watchpost/shared/wire';
import { DEFAULT_CHECK_OPTIONS } from '../checks/check.js';
import { SYSTEM_NAMESPACES } from '../checks/workload/system-namespaces.js';
import type { AzureSettings } from '../collectors/azure/azure-options.js';
import type { ConfigExemption } from '../exemptions/policy.js';

/**
 * The agent's configuration: one YAML file (`--config`, `WATCHPOST_CONFIG`, default `/etc/watchpost/agent.yaml`)
 * plus `WATCHPOST_*` environment overrides, validated at start-up. Every setting is declared once in SETTINGS
 * with its description; docs/agent.md's table is generated from `describeSettings()`.
 */

/** Default config file location. */
export const DEFAULT_CONFIG_PATH = '/etc/watchpost/agent.yaml';

interface SettingDef {
  /** Dotted path in the YAML file. */
  key: string;
  description: string;
  schema: z.ZodType;
  /** Shown in the docs; the schema's own default is what applies. */
  default?: string;
}

const seconds = (min: number) => z.coerce.number().int().min(min);
/** A duration setting: whole seconds from 1 to `maxDays` days (a timer past 2^31 ms would fire at once). */
const duration = (maxDays: number) =>
  z.coerce
    .number()
    .int('use whole seconds')
    .min(1, 'use at least 1 second')
    .max(maxDays * 86_400, `use at most ${maxDays * 86_400} seconds (${maxDays} days)`);
const checkOptionKeys = Object.keys(DEFAULT_CHECK_OPTIONS) as [string, ...string[]];
const CHECK_IDS = CATALOGUE.map((c) => c.id) as [string, ...string[]];
const checkId = z.enum(CHECK_IDS, {
  message: 'must be a check id of the catalogue (`watchpost-agent checks` lists them)',
});

/** Longest a config exemption may run (from start-up): an accepted risk is reviewed at least yearly. */
export const MAX_CONFIG_EXEMPTION_DAYS = 365;

const isoTime = z
  .union([z.string(), z.date().transform((d) => d.toISOString())])
  .refine((v) => /^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v)), {
    message: 'use an ISO-8601 time such as 2027-03-31T00:00:00Z',
  })
  .transform((v) => new Date(v).toISOString());
const k8sName = z.string().trim().min(1).max(253);
const exemptionSchema = z
  .strictObject({
    checkId: checkId.optional(),
    area: z.enum(AREAS, { message: `must be one of ${AREAS.join(', ')}` }).optional(),
    scope: z.discriminatedUnion(
      'kind',
      [
        z.strictObject({ kind: z.literal('cluster') }),
        z.strictObject({ kind: z.literal('namespace'), namespace: k8sName }),
        z
          .strictObject({
            kind: z.literal('resource'),
            resource: z.strictObject({
              kind: z.string().trim().min(1).max(128),
              namespace: k8sName.optional(),
              name: k8sName.optional(),
              path: z.string().min(1).max(1024).optional(),
            }),
          })
          .refine((v) => v.resource.name !== undefined || v.resource.path !== undefined, {
            message:
              'a resource scope names the resource: give resource.name (and namespace) or resource.path',
          }),
      ],
      { message: 'scope.kind must be cluster, namespace or resource' },
    ),
    reason: z
      .string({ message: 'is required: say why the risk is accepted' })
      .trim()
      .min(1, 'is required: say why the risk is accepted')
      .max(1024),
    expiresAt: isoTime,
  })
  .refine((v) => (v.checkId === undefined) !== (v.area === undefined), {
    message: 'give exactly one of checkId or area',
  });
const namespaceEntry = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$|^[a-z0-9][-a-z0-9]*\*$/, {
    message: 'use a namespace name or a prefix ending in * (e.g. vendor-*)',
  })
  .max(63);
const platformNamespacesSchema = z
  .strictObject({
    add: z.array(namespaceEntry).optional(),
    remove: z.array(namespaceEntry).optional(),
    replace: z.array(namespaceEntry).optional(),
  })
  .refine((v) => v.replace === undefined || (v.add === undefined && v.remove === undefined), {
    message: 'give either replace (the whole list) or add/remove (changes to the built-in list), not both',
  })
  .superRefine((v, ctx) => {
    const unknown = (v.remove ?? []).filter((n) => !SYSTEM_NAMESPACES.includes(n));
    if (unknown.length)
      ctx.addIssue({
        code: 'custom',
        path: ['remove'],
        message: `${unknown.join(', ')} ${unknown.length > 1 ? 'are' : 'is'} not in the built-in list (${SYSTEM_NAMESPACES.join(', ')})`,
      });
  })
  .transform((v) =>
    v.replace
      ? [...new Set(v.replace)]
      : [...new Set([...SYSTEM_NAMESPACES.filter((n) => !v.remove?.includes(n)), ...(v.add ?? [])])],
  );
/** Settings whose environment variable holds JSON (a map or a list). */
const JSON_SETTINGS = new Set(['checks', 'exemptions', 'severityOverrides', 'platformNamespaces']);

const SETTINGS: SettingDef[] = [
  {
    key: 'agentId',
    description:
      "This agent's id: the CN of its client certificate and its MQTT client id ([a-z0-9.-]). Written by `enroll`.",
    schema: z
      .string()
      .regex(
        AGENT_ID_PATTERN,
        'use lower-case letters, digits, dots and dashes (the CN of the agent certificate)',
      ),
  },
  {
    key: 'storePath',
    description:
      'SQLite file holding reports, the outbox, observation history and agent state. Put it on storage that survives restarts (DaemonSet: a hostPath).',
    schema: z.string().min(1).default('/var/lib/watchpost/agent.sqlite'),
    default: '/var/lib/watchpost/agent.sqlite',
  },
  {
    key: 'tls.cert',
    description: 'PEM client certificate (CN = agentId). Replaced in place on renewal.',
    schema: z.string().min(1),
  },
  {
    key: 'tls.key',
    description: 'PEM private key of the client certificate; must be mode 0600.',
    schema: z.string().min(1),
  },
  {
    key: 'tls.ca',
    description:
      'PEM CA certificate(s) the broker and the hub are verified against (the hub CA pinned at enrollment).',
    schema: z.string().min(1),
  },
  {
    key: 'broker.url',
    description: 'MQTT broker, `mqtts://host:port` (TLS only).',
    schema: z.string().regex(/^mqtts:\/\/[^/]+$/, 'use mqtts://host:port (plain mqtt:// is refused)'),
  },
  {
    key: 'broker.protocolVersion',
    description:
      "MQTT protocol: 5 (external brokers; PUBACK reason codes drive the outbox) or 4 (3.1.1, the hub's embedded broker).",
    schema: z.coerce
      .number()
      .pipe(z.union([z.literal(4), z.literal(5)]))
      .default(5),
    default: '5',
  },
  {
    key: 'broker.servername',
    description: 'TLS server name to verify on the broker certificate (default: the URL host).',
    schema: z.string().min(1).optional(),
  },
  {
    key: 'hubUrl',
    description:
      "Hub HTTPS base URL, used to renew this agent's certificate over mTLS (no renewal when unset).",
    schema: z
      .string()
      .regex(/^https:\/\//, 'use an https:// URL')
      .optional(),
  },
  {
    key: 'intervalSeconds',
    description: 'Time between scans.',
    schema: duration(7).default(300),
    default: '300',
  },
  {
    key: 'jitter',
    description:
      'Share of the interval each wait varies by (0.1 = ±10 %), so a fleet does not scan and publish in lockstep.',
    schema: z.coerce.number().min(0).max(0.5).default(0.1),
    default: '0.1',
  },
  {
    key: 'retention.maxRows',
    description:
      'Most reports kept in the store; past it the oldest go (unacked ones are counted as dropped and reported).',
    schema: seconds(1).default(4032),
    default: '4032 (14 days at 5 min)',
  },
  {
    key: 'retention.maxBytes',
    description: 'Most compressed report bytes kept in the store; same rule as maxRows.',
    schema: seconds(1024).default(256 * 1024 * 1024),
    default: '268435456',
  },
  {
    key: 'ackTimeoutSeconds',
    description:
      'A report sent but not acked by the hub within this time is sent again (the hub ingests idempotently).',
    schema: duration(1).default(60),
    default: '60',
  },
  {
    key: 'inFlightWindow',
    description: "Most reports published and awaiting the hub's ack at once.",
    schema: seconds(1).default(64),
    default: '64',
  },
  {
    key: 'renewAtLifetimeShare',
    description: 'Renew the agent certificate once this share of its lifetime has passed.',
    schema: z.coerce
      .number()
      .gt(0)
      .lt(1)
      .default(2 / 3),
    default: '0.667',
  },
  {
    key: 'evidence.bundle',
    description: 'Scan this bundle folder instead of the live cluster (demo, air-gapped hosts).',
    schema: z.string().min(1).optional(),
  },
  {
    key: 'evidence.kubeconfig',
    description:
      'kubeconfig for live scans (default: KUBECONFIG, ~/.kube/config, in-cluster service account).',
    schema: z.string().min(1).optional(),
  },
  {
    key: 'evidence.hostRoot',
    description: "Where the host's / is mounted (DaemonSet: /host).",
    schema: z.string().min(1).optional(),
  },
  {
    key: 'evidence.apiOnly',
    description: 'Skip host files and host probes (AKS in Azure).',
    schema: z.stringbool().or(z.boolean()).optional(),
  },
  {
    key: 'cluster.name',
    description: 'Cluster name (from enrollment); detected when unset.',
    schema: z.string().min(1).max(253).optional(),
  },
  {
    key: 'cluster.platform',
    description: `Cluster platform: ${PLATFORMS.join(' | ')}.`,
    schema: z.enum(PLATFORMS as [string, ...string[]]).optional(),
  },
  {
    key: 'cluster.role',
    description: `Cluster role: ${CLUSTER_ROLES.join(' | ')}.`,
    schema: z.enum(CLUSTER_ROLES as [string, ...string[]]).optional(),
  },
  {
    key: 'cluster.location',
    description: 'Cluster location (site, region).',
    schema: z.string().max(128).optional(),
  },
  {
    key: 'azure.resourceId',
    description:
      'ARM id of this cluster (`/subscriptions/<s>/resourceGroups/<rg>/providers/Microsoft.ContainerService/managedClusters/<name>`, or a `Microsoft.Kubernetes/connectedClusters` id for AKS Arc): the agent reads its Azure settings from ARM. Its identity needs Reader on that resource. Unset: no Azure resource evidence.',
    schema: z
      .string()
      .regex(
        /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/(Microsoft\.ContainerService\/managedClusters|Microsoft\.Kubernetes\/connectedClusters)\/[^/]+$/i,
        'use the ARM id of a Microsoft.ContainerService/managedClusters or Microsoft.Kubernetes/connectedClusters resource',
      )
      .optional(),
  },
  {
    key: 'azure.auth',
    description:
      'How the agent gets an ARM token: workload-identity (federated service-account token exchanged at Microsoft Entra ID) or managed-identity (instance metadata service). Default: workload-identity when a federated token file is known, else managed-identity.',
    schema: z.enum(['workload-identity', 'managed-identity']).optional(),
  },
  {
    key: 'azure.clientId',
    description: 'Client id of the identity (default AZURE_CLIENT_ID, set by the workload identity webhook).',
    schema: z.string().min(1).optional(),
  },
  {
    key: 'azure.tenantId',
    description: 'Microsoft Entra tenant id for workload identity (default AZURE_TENANT_ID).',
    schema: z.string().min(1).optional(),
  },
  {
    key: 'azure.federatedTokenFile',
    description:
      'Projected service-account token for workload identity (default AZURE_FEDERATED_TOKEN_FILE).',
    schema: z.string().min(1).optional(),
  },
  {
    key: 'azure.authorityHost',
    description:
      'Microsoft Entra ID authority (default AZURE_AUTHORITY_HOST or https://login.microsoftonline.com/; sovereign clouds differ).',
    schema: z
      .string()
      .regex(/^https:\/\//, 'use an https:// URL')
      .optional(),
  },
  {
    key: 'azure.armEndpoint',
    description: 'Azure Resource Manager endpoint (default https://management.azure.com).',
    schema: z
      .string()
      .regex(/^https:\/\//, 'use an https:// URL')
      .optional(),
  },
  {
    key: 'azure.imdsEndpoint',
    description:
      'Managed identity token endpoint (default http://169.254.169.254/metadata/identity/oauth2/token).',
    schema: z
      .string()
      .regex(/^https?:\/\//, 'use an http(s):// URL')
      .optional(),
  },
  {
    key: 'imageProvenance.allowedRegistries',
    description:
      'Registries images may come from, for image-provenance: hosts, `*.domain` or `host/path` prefixes (YAML list, or comma-separated in the env var). Unset: the Azure Container Registries the cluster already pulls from, plus mcr.microsoft.com.',
    schema: z
      .union([
        z.array(z.string().min(1)),
        z.string().transform((v) =>
          v
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean),
        ),
      ])
      .optional(),
  },
  {
    key: 'checks',
    description: `Check option overrides (YAML map, or JSON in the env var): ${checkOptionKeys.join(', ')}.`,
    schema: z.partialRecord(z.enum(checkOptionKeys), z.number()).optional(),
  },
  {
    key: 'exemptions',
    description: `Accepted risks (YAML list, or JSON in the env var): each \`{checkId | area, scope, reason, expiresAt}\`, scope \`{kind: cluster}\`, \`{kind: namespace, namespace}\` or \`{kind: resource, resource: {kind, namespace, name | path}}\`. Matching fail and warn results keep their outcome and carry the exemption; never error results. reason and expiresAt are required, expiresAt at most ${MAX_CONFIG_EXEMPTION_DAYS} days after start-up; may exempt checks annotations cannot (docs/exemptions.md).`,
    schema: z.array(exemptionSchema).optional(),
  },
  {
    key: 'severityOverrides',
    description: `Check id -> severity (${SEVERITIES.join(', ')}) that check's results carry instead of the catalogue's (YAML map, or JSON in the env var).`,
    schema: z
      .record(z.string(), z.unknown())
      .superRefine((v, ctx) => {
        // Keys and values checked together, so one run names every bad entry.
        for (const [id, sev] of Object.entries(v)) {
          if (!CHECK_IDS.includes(id))
            ctx.addIssue({
              code: 'custom',
              path: [id],
              message: 'not a check id of the catalogue (`watchpost-agent checks` lists them)',
            });
          if (!(SEVERITIES as readonly unknown[]).includes(sev))
            ctx.addIssue({ code: 'custom', path: [id], message: `use one of ${SEVERITIES.join(', ')}` });
        }
      })
      .transform((v) => v as Record<string, Severity>)
      .optional(),
  },
  {
    key: 'platformNamespaces',
    description:
      'Platform-managed namespaces whose workload findings are not_applicable: `{add: [..], remove: [..]}` changes the built-in list (docs/agent.md), `{replace: [..]}` gives the whole list; names or `prefix*`.',
    schema: platformNamespacesSchema.optional(),
    default: 'the built-in list',
  },
];

/** The validated configuration the daemon runs with. */
export interface AgentConfig {
  agentId: string;
  storePath: string;
  tls: { cert: string; key: string; ca: string };
  broker: { url: string; protocolVersion: 4 | 5; servername?: string };
  hubUrl?: string;
  intervalSeconds: number;
  jitter: number;
  retention: { maxRows: number; maxBytes: number };
  ackTimeoutSeconds: number;
  inFlightWindow: number;
  renewAtLifetimeShare: number;
  evidence: { bundle?: string; kubeconfig?: string; hostRoot?: string; apiOnly?: boolean };
  cluster: { name?: string; platform?: string; role?: string; location?: string };
  checks?: Record<string, number>;
  azure?: AzureSettings;
  imageProvenance?: { allowedRegistries?: string[] };
  /** Accepted risks (never more than 365 days from start-up; expired ones stay listed but do not apply). */
  exemptions?: ConfigExemption[];
  severityOverrides?: Partial<Record<string, Severity>>;
  /** The effective platform namespace list (the built-in list unless `platformNamespaces` changes it). */
  platformNamespaces: string[];
  /** Things worth saying at start-up that are not errors (an exemption already expired). */
  warnings: string[];
  /** The file the config was read from (renewal and enrollment write next to it). */
  source: string;
}

/** A configuration problem, naming the setting (file key and env var) and what to do. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** `tls.cert` -> `WATCHPOST_TLS_CERT`, `broker.protocolVersion` -> `WATCHPOST_BROKER_PROTOCOL_VERSION`. */
export function envName(key: string): string {
  return `WATCHPOST_${key
    .replace(/\./g, '_')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase()}`;
}

/** One row of the settings table (docs/agent.md). */
export interface SettingDescription {
  key: string;
  env: string;
  description: string;
  default: string;
  required: boolean;
}

/** Every setting with its env var, description and default: the source of the docs table. */
export function describeSettings(): SettingDescription[] {
  return SETTINGS.map((s) => ({
    key: s.key,
    env: envName(s.key),
    description: s.description,
    default: s.default ?? '',
    required: !s.schema.safeParse(undefined).success,
  }));
}

/** Which config file to read: `--config`, then `WATCHPOST_CONFIG`, then the default. */
export function configPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? env['WATCHPOST_CONFIG'] ?? DEFAULT_CONFIG_PATH;
}

/** Reads, overlays and validates the configuration. Throws ConfigError with every problem listed. */
export function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): AgentConfig {
  return resolveConfig(readConfigFile(path), env, path);
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(
      `cannot read config file ${path} (${code ?? String(err)}): pass --config FILE, set WATCHPOST_CONFIG, or run \`watchpost-agent enroll\` to write one`,
    );
  }
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (err) {
    throw new ConfigError(
      `config file ${path} is not valid YAML: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ConfigError(`config file ${path} must be a YAML map of settings`);
  return raw as Record<string, unknown>;
}

/** Validates a settings object (already parsed) with env overrides; exported for tests and `enroll`. */
export function resolveConfig(
  raw: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  source: string,
  now: Date = new Date(),
): AgentConfig {
  const out = resolveSettings(raw, env, source, SETTINGS, now);
  out['evidence'] ??= {};
  out['cluster'] ??= {};
  out['source'] = source;
  return out as unknown as AgentConfig;
}

/** The parts of the config `scan --config` applies: exemptions, severity overrides, platform namespaces. */
export type PolicyConfig = Pick<
  AgentConfig,
  'exemptions' | 'severityOverrides' | 'platformNamespaces' | 'warnings' | 'source'
>;
const POLICY_KEYS = new Set(['exemptions', 'severityOverrides', 'platformNamespaces']);

/**
 * Reads only the policy settings of an agent config file (with their `WATCHPOST_*` overrides), for `scan
 * --config`: a config whose daemon settings are incomplete (no agentId yet) still gives its exemptions.
 */
export function loadPolicyConfig(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
  now: Date = new Date(),
): PolicyConfig {
  const raw = readConfigFile(path);
  const picked: Record<string, unknown> = {};
  for (const k of POLICY_KEYS) if (k in raw) picked[k] = raw[k];
  const out = resolveSettings(
    picked,
    env,
    path,
    SETTINGS.filter((s) => POLICY_KEYS.has(s.key)),
    now,
  );
  out['source'] = path;
  return out as unknown as PolicyConfig;
}

function resolveSettings(
  raw: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  source: string,
  settings: readonly SettingDef[],
  now: Date,
): Record<string, unknown> {
  const known = new Set(settings.map((s) => s.key));
  const problems: string[] = [];
  const warnings: string[] = [];
  for (const key of flattenKeys(raw)) {
    if (!known.has(key) && ![...known].some((k) => key.startsWith(`${k}.`))) {
      problems.push(`${key}: unknown setting in ${source} (known: ${[...known].join(', ')})`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const s of settings) {
    const envVar = envName(s.key);
    let value: unknown = getPath(raw, s.key);
    let from = `${s.key} in ${source}`;
    const envValue = env[envVar];
    if (envValue !== undefined && envValue !== '') {
      from = `${envVar}`;
      value = envValue;
      if (JSON_SETTINGS.has(s.key)) {
        try {
          value = JSON.parse(envValue);
        } catch {
          problems.push(`${envVar}: must be JSON (the same shape as ${s.key} in the YAML file)`);
          continue;
        }
      }
    }
    const parsed = s.schema.safeParse(value ?? undefined);
    if (!parsed.success) {
      if (value === undefined) {
        problems.push(`${s.key} (${from} or ${envVar}): is required`);
        continue;
      }
      // Issues inside a list or map name their place: `exemptions[2].reason (exemptions in FILE): ...`.
      const flat = parsed.error.issues.filter((i) => i.path.length === 0).map((i) => i.message);
      if (flat.length) problems.push(`${s.key} (${from}): ${flat.join('; ')}`);
      for (const i of parsed.error.issues.filter((i) => i.path.length > 0))
        problems.push(`${s.key}${pathText(i.path)} (${from}): ${i.message}`);
      continue;
    }
    if (s.key === 'exemptions' && Array.isArray(parsed.data))
      checkExemptionExpiry(parsed.data as ConfigExemption[], from, now, problems, warnings);
    if (parsed.data !== undefined) setPath(out, s.key, parsed.data);
  }
  if (problems.length > 0)
    throw new ConfigError(`invalid agent configuration:\n  - ${problems.join('\n  - ')}`);
  if (known.has('platformNamespaces')) out['platformNamespaces'] ??= [...SYSTEM_NAMESPACES];
  out['warnings'] = warnings;
  return out;
}

/** `[2].scope.namespace` for a zod issue path. */
function pathText(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
}

/**
 * An exemption must end within MAX_CONFIG_EXEMPTION_DAYS of start-up. One already expired is not an error (an agent
 * must not stop scanning because a date passed): it is kept, never applied, and named in a start-up warning.
 */
function checkExemptionExpiry(
  list: readonly ConfigExemption[],
  from: string,
  now: Date,
  problems: string[],
  warnings: string[],
): void {
  const max = now.getTime() + MAX_CONFIG_EXEMPTION_DAYS * 86_400_000;
  list.forEach((e, i) => {
    const t = Date.parse(e.expiresAt);
    if (t > max)
      problems.push(
        `exemptions[${i}].expiresAt (${from}): ${e.expiresAt} is more than ${MAX_CONFIG_EXEMPTION_DAYS} days from now (${now.toISOString()}); accepted risks are reviewed at least yearly, set an earlier expiresAt`,
      );
    else if (t <= now.getTime())
      warnings.push(
        `exemptions[${i}] (${from}, ${e.checkId ?? `area ${e.area}`}) expired at ${e.expiresAt} and no longer applies: renew it or remove it`,
      );
  });
}

function flattenKeys(obj: Record<string, unknown>, prefix = ''): string[] {
  const keys: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v) && !JSON_SETTINGS.has(key))
      keys.push(...flattenKeys(v as Record<string, unknown>, key));
    else keys.push(key);
  }
  return keys;
}

function getPath(obj: Record<string, unknown>, key: string): unknown {
  let cur: unknown = obj;
  for (const part of key.split('.')) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur === null ? undefined : cur;
}

function setPath(obj: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let cur = obj;
  for (const part of parts.slice(0, -1)) cur = (cur[part] ??= {}) as Record<string, unknown>;
  cur[parts.at(-1)!] = value;
}

/** The settings as a Markdown table (docs/agent.md embeds it between `<!-- settings -->` markers; a spec keeps it current). */
export function settingsMarkdownTable(): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const rows = describeSettings().map(
    (s) =>
      `| \`${s.key}\` | \`${s.env}\` | ${s.required ? 'required' : esc(s.default) || '—'} | ${esc(s.description)} |`,
  );
  return ['| setting (YAML) | environment | default | what |', '| --- | --- | --- | --- |', ...rows].join(
    '\n',
  );
}
