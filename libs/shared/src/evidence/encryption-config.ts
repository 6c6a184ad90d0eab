import type { Document } from 'yaml';
import { yaml } from './yaml-module.js';

/**
 * EncryptionConfiguration (`apiserver.config.k8s.io/v1`, legacy `kind: EncryptionConfig` `apiVersion: v1`)
 * parsed and validated the way kube-apiserver does at start-up, so a file the API server would refuse is
 * reported as invalid and never passes. Pure: no I/O, no clock.
 *
 * Key material never leaves this module: for aescbc/aesgcm/secretbox keys only the key name and the
 * decoded length are kept, and no error message quotes a secret.
 */

/** A KMS provider as configured (`kms` without `apiVersion` is v1). */
export interface KmsProviderConfig {
  type: 'kms';
  apiVersion: 'v1' | 'v2';
  name: string;
  /** `unix:///path/to/socket`, as the API server (inside its container) sees it. */
  endpoint: string;
  cachesize?: number;
  timeout?: string;
}

/** A local-key provider; `bytes` is the decoded key length, the key itself is not kept. */
export interface LocalKeyProviderConfig {
  type: 'aescbc' | 'aesgcm' | 'secretbox';
  keys: { name: string; bytes: number }[];
}

/** One provider entry of a `resources[]` item. */
export type ProviderConfig = KmsProviderConfig | LocalKeyProviderConfig | { type: 'identity' };

/** One `resources[]` item: the resource names it covers and its providers (first one encrypts writes). */
export interface ResourceRule {
  resources: string[];
  providers: ProviderConfig[];
}

/** A valid configuration. */
export interface EncryptionConfig {
  kind: 'EncryptionConfiguration' | 'EncryptionConfig';
  apiVersion: string;
  /** The pre-1.13 `kind: EncryptionConfig` form. */
  legacy: boolean;
  rules: ResourceRule[];
}

/** Result of parsing: the config, or every validation error (field path: problem). */
export type ParseResult = { ok: true; config: EncryptionConfig } | { ok: false; errors: string[] };

const LOCAL_KEY_LENGTHS: Record<LocalKeyProviderConfig['type'], number[]> = {
  aescbc: [16, 24, 32],
  aesgcm: [16, 24, 32],
  secretbox: [32],
};
const PROVIDER_TYPES = ['kms', 'aescbc', 'aesgcm', 'secretbox', 'identity'] as const;
/** Resources the API server refuses to encrypt (they have no REST API). */
const NON_REST_RESOURCES = ['apiserveripinfo', 'serviceipallocations', 'servicenodeportallocations'];
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const GO_DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;

/**
 * What the host collector leaves in place of a key (`redactEncryptionSecrets`): the decoded length, or
 * why it did not decode. Neither form is valid base64 (`:` and `-`), so no real key can look like one.
 */
const REDACTED = /^watchpost-redacted:(?:(\d+)-bytes|(not-base64))$/;

type Obj = Record<string, unknown>;
function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Decoded byte length of a base64 key (or of a redacted marker); undefined when it is not base64. */
function keyLength(secret: string): number | undefined {
  const redacted = REDACTED.exec(secret);
  if (redacted) return redacted[1] !== undefined ? Number(redacted[1]) : undefined;
  // Go's base64 decoder skips \r and \n (a block-scalar key), nothing else.
  const compact = secret.replace(/[\r\n]/g, '');
  if (!BASE64.test(compact)) return undefined;
  return Buffer.from(compact, 'base64').length;
}

function unknownFields(obj: Obj, allowed: readonly string[], path: string, errors: string[]): void {
  for (const k of Object.keys(obj)) if (!allowed.includes(k)) errors.push(`${path}: unknown field "${k}"`);
}

/** `secrets` and `secrets.` both mean the core group; returns [resource, group]. */
export function splitResource(name: string): [string, string] {
  const dot = name.indexOf('.');
  return dot < 0 ? [name, ''] : [name.slice(0, dot), name.slice(dot + 1)];
}

function covers(rule: string, resource: string, group: string): boolean {
  const [r, g] = splitResource(rule);
  if (r === '*' && g === '*') return true;
  if (r === '*') return g === group;
  return r === resource && g === group;
}

function validateResourceNames(names: unknown, path: string, errors: string[]): string[] {
  if (!Array.isArray(names) || names.length === 0) {
    errors.push(`${path}: at least one resource is required`);
    return [];
  }
  const out: string[] = [];
  const seen = new Set<string>();
  for (const [j, raw] of names.entries()) {
    const p = `${path}[${j}]`;
    if (typeof raw !== 'string' || raw === '') {
      errors.push(`${p}: must be a non-empty string`);
      continue;
    }
    const [r, g] = splitResource(raw);
    if (raw !== raw.toLowerCase())
      errors.push(`${p}: resource name "${raw}" should not contain capital letters`);
    if (raw === '*')
      errors.push(
        `${p}: use '*.' to encrypt all the resources from the core API group or '*.*' to encrypt all resources`,
      );
    else if (r.includes('*') && r !== '*')
      errors.push(`${p}: "${raw}": '*' may only stand for the whole resource name ('*.<group>')`);
    else if (g.includes('*') && !(r === '*' && g === '*'))
      errors.push(`${p}: "${raw}": a group wildcard is only allowed as '*.*'`);
    if (g === '' && NON_REST_RESOURCES.includes(r))
      errors.push(`${p}: "${raw}": resources which do not have REST APIs cannot be encrypted`);
    if (g === 'extensions')
      errors.push(`${p}: "${raw}": the 'extensions' API group has been removed and cannot be encrypted`);
    // events.k8s.io Events are stored under the core `events` resource in etcd, so the API server refuses
    // the group name (for `events.events.k8s.io` and `*.events.k8s.io` alike) instead of silently not
    // encrypting anything.
    if (g === 'events.k8s.io')
      errors.push(
        `${p}: "${raw}": '*.events.k8s.io' objects are stored using the 'events' API group in etcd; use 'events' instead`,
      );
    const canonical = `${r}.${g}`;
    if (seen.has(canonical)) errors.push(`${p}: duplicate resource name "${raw}"`);
    seen.add(canonical);
    out.push(raw);
  }
  // The API server refuses a list whose wildcard hides another name in the same list.
  const wild = out.filter((n) => splitResource(n)[0] === '*');
  for (const w of wild) {
    const others = out.filter((n) => n !== w && covers(w, ...splitResource(n)));
    if (others.length) {
      errors.push(
        `${path}: using overlapping resources such as "${others[0]}" and "${w}" in the same resource list is not allowed as they will be masked`,
      );
    }
  }
  return out;
}

function validateKms(
  v: unknown,
  path: string,
  errors: string[],
  kmsNames: Map<string, string>,
): KmsProviderConfig | undefined {
  if (!isObj(v)) {
    errors.push(`${path}: must be an object`);
    return undefined;
  }
  unknownFields(v, ['apiVersion', 'name', 'endpoint', 'cachesize', 'timeout'], path, errors);
  const apiVersion = v['apiVersion'] ?? 'v1';
  if (apiVersion !== 'v1' && apiVersion !== 'v2') {
    errors.push(
      `${path}.apiVersion: unsupported apiVersion ${JSON.stringify(apiVersion)} for KMS provider, only v1 and v2 are supported`,
    );
  }
  const name = v['name'];
  if (typeof name !== 'string' || name === '') errors.push(`${path}.name: required`);
  else {
    if (apiVersion === 'v2' && name.includes(':'))
      errors.push(`${path}.name: invalid KMS v2 provider name "${name}", must not contain ':'`);
    const earlier = kmsNames.get(name);
    if (earlier)
      errors.push(
        `${path}.name: duplicate KMS provider name "${name}" (also at ${earlier}), names must be unique`,
      );
    else kmsNames.set(name, path);
  }
  const endpoint = v['endpoint'];
  if (typeof endpoint !== 'string' || endpoint === '') errors.push(`${path}.endpoint: required`);
  else if (!endpoint.startsWith('unix://')) {
    const scheme = endpoint.includes('://') ? endpoint.slice(0, endpoint.indexOf('://')) : '';
    errors.push(`${path}.endpoint: unsupported scheme "${scheme}" for KMS provider, only unix is supported`);
  } else if (endpoint === 'unix://') errors.push(`${path}.endpoint: the unix socket path is empty`);
  const cachesize = v['cachesize'];
  if (cachesize !== undefined) {
    if (apiVersion === 'v2') errors.push(`${path}.cachesize: cachesize is not supported in v2`);
    else if (!Number.isInteger(cachesize) || cachesize === 0)
      errors.push(
        `${path}.cachesize: cachesize should be a positive, non-zero integer (negative disables caching)`,
      );
  }
  const timeout = v['timeout'];
  if (timeout !== undefined) {
    if (typeof timeout !== 'string' || !GO_DURATION.test(timeout))
      errors.push(`${path}.timeout: must be a duration such as "3s"`);
    else if (/^[0.]+(?:ns|us|µs|ms|s|m|h)$/.test(timeout))
      errors.push(`${path}.timeout: timeout should be a positive value`);
  }
  if (
    typeof name !== 'string' ||
    typeof endpoint !== 'string' ||
    (apiVersion !== 'v1' && apiVersion !== 'v2')
  )
    return undefined;
  const out: KmsProviderConfig = { type: 'kms', apiVersion, name, endpoint };
  if (typeof cachesize === 'number') out.cachesize = cachesize;
  if (typeof timeout === 'string') out.timeout = timeout;
  return out;
}

function validateLocalKeys(
  type: LocalKeyProviderConfig['type'],
  v: unknown,
  path: string,
  errors: string[],
): LocalKeyProviderConfig | undefined {
  if (!isObj(v)) {
    errors.push(`${path}: must be an object with keys`);
    return undefined;
  }
  unknownFields(v, ['keys'], path, errors);
  const keys = v['keys'];
  if (!Array.isArray(keys) || keys.length === 0) {
    errors.push(`${path}.keys: at least one key is required`);
    return undefined;
  }
  const out: LocalKeyProviderConfig = { type, keys: [] };
  const names = new Set<string>();
  for (const [k, key] of keys.entries()) {
    const p = `${path}.keys[${k}]`;
    if (!isObj(key)) {
      errors.push(`${p}: must be an object with name and secret`);
      continue;
    }
    unknownFields(key, ['name', 'secret'], p, errors);
    const name = key['name'];
    const secret = key['secret'];
    if (typeof name !== 'string' || name === '') errors.push(`${p}.name: required`);
    else if (names.has(name)) errors.push(`${p}.name: duplicate key name "${name}"`);
    if (typeof name === 'string') names.add(name);
    if (typeof secret !== 'string' || secret === '') {
      errors.push(`${p}.secret: required`);
      continue;
    }
    const bytes = keyLength(secret);
    // Never quote the secret: say what is wrong with it and which key it is.
    if (bytes === undefined) errors.push(`${p}.secret: secrets must be base64 encoded`);
    else if (!LOCAL_KEY_LENGTHS[type].includes(bytes)) {
      errors.push(
        `${p}.secret: secret is not of the expected length, got ${bytes}, expected one of [${LOCAL_KEY_LENGTHS[type].join(' ')}]`,
      );
    }
    if (typeof name === 'string' && bytes !== undefined) out.keys.push({ name, bytes });
  }
  return out;
}

function validateProvider(
  v: unknown,
  path: string,
  errors: string[],
  kmsNames: Map<string, string>,
): ProviderConfig | undefined {
  if (!isObj(v)) {
    errors.push(
      `${path}: must be an object naming one provider (kms, aescbc, aesgcm, secretbox or identity)`,
    );
    return undefined;
  }
  unknownFields(v, PROVIDER_TYPES, path, errors);
  const present = PROVIDER_TYPES.filter((t) => v[t] !== undefined && v[t] !== null);
  if (present.length === 0) {
    errors.push(
      `${path}: provider does not contain any of the expected providers: kms, aescbc, aesgcm, secretbox or identity`,
    );
    return undefined;
  }
  if (present.length > 1) {
    errors.push(
      `${path}: more than one provider specified in a single element (${present.join(', ')}), should split into different list elements`,
    );
    return undefined;
  }
  const type = present[0];
  const body = v[type];
  switch (type) {
    case 'kms':
      return validateKms(body, `${path}.kms`, errors, kmsNames);
    case 'identity':
      if (!isObj(body)) errors.push(`${path}.identity: must be an object ({})`);
      else unknownFields(body, [], `${path}.identity`, errors);
      return { type: 'identity' };
    default:
      return validateLocalKeys(type, body, `${path}.${type}`, errors);
  }
}

function yamlErrors(doc: Document.Parsed, label: string): string[] {
  return doc.errors.map((e) => {
    const at = e.linePos?.[0];
    return `${label}${at ? ` line ${at.line} column ${at.col}` : ''}: ${e.message.split('\n')[0]}`;
  });
}

/** Parses and validates the text of an encryption provider config file. */
export function parseEncryptionConfig(text: string): ParseResult {
  let docs: Document.Parsed[];
  try {
    docs = yaml().parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true }) as Document.Parsed[];
  } catch (err) {
    return { ok: false, errors: [`not valid YAML: ${(err as Error).message}`] };
  }
  const nonEmpty = docs.filter((d) => d.contents !== null || d.errors.length);
  if (nonEmpty.length === 0) return { ok: false, errors: ['the file is empty'] };
  if (nonEmpty.length > 1)
    return {
      ok: false,
      errors: [
        'the file holds more than one YAML document; the API server reads exactly one EncryptionConfiguration',
      ],
    };
  const doc = nonEmpty[0];
  if (doc.errors.length) return { ok: false, errors: yamlErrors(doc, 'not valid YAML:') };
  const root: unknown = doc.toJS();
  const errors: string[] = [];
  if (!isObj(root))
    return { ok: false, errors: ['the file is not a YAML object (expected kind: EncryptionConfiguration)'] };

  unknownFields(root, ['apiVersion', 'kind', 'resources'], '(root)', errors);
  const kind = root['kind'];
  const apiVersion = root['apiVersion'];
  let legacy = false;
  if (kind === 'EncryptionConfiguration') {
    if (apiVersion !== 'apiserver.config.k8s.io/v1') {
      errors.push(
        `apiVersion: ${JSON.stringify(apiVersion ?? null)} is not supported for kind EncryptionConfiguration; use apiserver.config.k8s.io/v1`,
      );
    }
  } else if (kind === 'EncryptionConfig') {
    legacy = true;
    if (apiVersion !== 'v1')
      errors.push(
        `apiVersion: ${JSON.stringify(apiVersion ?? null)} is not supported for the legacy kind EncryptionConfig; use v1 (better: migrate to apiserver.config.k8s.io/v1 EncryptionConfiguration)`,
      );
  } else {
    errors.push(
      `kind: ${JSON.stringify(kind ?? null)} is not EncryptionConfiguration (or the legacy EncryptionConfig)`,
    );
  }

  const resources = root['resources'];
  const rules: ResourceRule[] = [];
  const kmsNames = new Map<string, string>();
  if (!Array.isArray(resources) || resources.length === 0)
    errors.push('resources: at least one resources entry is required');
  else {
    const earlier: { rule: string; path: string }[] = [];
    for (const [i, entry] of resources.entries()) {
      const path = `resources[${i}]`;
      if (!isObj(entry)) {
        errors.push(`${path}: must be an object with resources and providers`);
        continue;
      }
      unknownFields(entry, ['resources', 'providers'], path, errors);
      const names = validateResourceNames(entry['resources'], `${path}.resources`, errors);
      // A name an earlier entry already covers would never take effect: the API server refuses it.
      for (const n of names) {
        const [r, g] = splitResource(n);
        const masking = earlier.find((e) => covers(e.rule, r, g));
        if (masking)
          errors.push(
            `${path}.resources: resource "${n}" is masked by earlier rule "${masking.rule}" (${masking.path})`,
          );
      }
      for (const n of names) earlier.push({ rule: n, path });
      const providers = entry['providers'];
      const parsed: ProviderConfig[] = [];
      if (!Array.isArray(providers) || providers.length === 0)
        errors.push(`${path}.providers: at least one provider is required`);
      else {
        for (const [j, p] of providers.entries()) {
          const prov = validateProvider(p, `${path}.providers[${j}]`, errors, kmsNames);
          if (prov) parsed.push(prov);
        }
      }
      rules.push({ resources: names, providers: parsed });
    }
  }
  if (errors.length) return { ok: false, errors };
  return {
    ok: true,
    config: { kind: kind as EncryptionConfig['kind'], apiVersion: String(apiVersion), legacy, rules },
  };
}

/** The rule that decides how a resource is stored: the first entry naming it (exactly or by wildcard). */
export function ruleFor(
  config: EncryptionConfig,
  resource: string,
): { index: number; rule: ResourceRule; matchedBy: string } | undefined {
  const [r, g] = splitResource(resource);
  for (const [index, rule] of config.rules.entries()) {
    const matchedBy = rule.resources.find((n) => covers(n, r, g));
    if (matchedBy) return { index, rule, matchedBy };
  }
  return undefined;
}

/** Short, key-free description of a provider: `kms v2 "name"`, `aescbc (key key1, 32 bytes)`, `identity`. */
export function describeProvider(p: ProviderConfig): string {
  switch (p.type) {
    case 'kms':
      return `kms ${p.apiVersion} "${p.name}"`;
    case 'identity':
      return 'identity (plaintext)';
    default: {
      const k = p.keys[0];
      return k ? `${p.type} (key "${k.name}", ${k.bytes * 8}-bit)` : p.type;
    }
  }
}

/**
 * The etcd value prefix writes get with this provider (DESIGN.md section 10): `k8s:enc:kms:v2:<name>:`,
 * `k8s:enc:aescbc:v1:<keyName>:`; identity writes the plain protobuf (`k8s\x00`), written here as `plaintext`.
 */
export function storageClass(p: ProviderConfig): { storage: string; name?: string } {
  switch (p.type) {
    case 'kms':
      return { storage: `kms-${p.apiVersion}`, name: p.name };
    case 'identity':
      return { storage: 'plaintext' };
    default:
      return p.keys[0] ? { storage: p.type, name: p.keys[0].name } : { storage: p.type };
  }
}

/** Every KMS provider of the config, in order (each name once). */
export function kmsProviders(
  config: EncryptionConfig,
): { provider: KmsProviderConfig; resources: string[] }[] {
  const out = new Map<string, { provider: KmsProviderConfig; resources: string[] }>();
  for (const rule of config.rules) {
    for (const p of rule.providers) {
      if (p.type !== 'kms') continue;
      const entry = out.get(p.name) ?? { provider: p, resources: [] };
      entry.resources.push(...rule.resources.filter((r) => !entry.resources.includes(r)));
      out.set(p.name, entry);
    }
  }
  return [...out.values()];
}

function redactedMarker(secret: string): string {
  if (REDACTED.test(secret)) return secret;
  const bytes = keyLength(secret);
  return bytes === undefined ? 'watchpost-redacted:not-base64' : `watchpost-redacted:${bytes}-bytes`;
}

/**
 * Replaces every `secret:` value of an EncryptionConfiguration with a marker that keeps only what validation
 * needs (decoded length, or "not base64"), leaving the rest of the text as it was, so the host collector can
 * keep the file in Evidence without key material. Text that is not an encryption config comes back unchanged.
 * Unparsable text is redacted line by line; a block-scalar secret in unparsable text withholds the whole file.
 */
export function redactEncryptionSecrets(text: string): string {
  if (!/\bsecret\b/.test(text) || !/EncryptionConfig/.test(text)) return text;
  const { parseAllDocuments, isPair, isScalar, visit } = yaml();
  const docs = parseAllDocuments(text, { uniqueKeys: false }) as Document.Parsed[];
  const clean = docs.every((d) => d.errors.length === 0);
  if (clean) {
    const spans: [number, number, string][] = [];
    for (const doc of docs) {
      visit(doc, {
        Pair(_key, pair) {
          if (!isPair(pair) || !isScalar(pair.key) || pair.key.value !== 'secret') return;
          const value = pair.value;
          if (!isScalar(value) || !value.range) return;
          const raw: unknown = value.value;
          const secret =
            typeof raw === 'string'
              ? raw
              : typeof raw === 'number' || typeof raw === 'boolean'
                ? String(raw)
                : '';
          if (secret === '') return;
          // A block scalar's range ends after its line break: keep that break.
          const trailing = /\s*$/.exec(text.slice(value.range[0], value.range[1]))![0].includes('\n')
            ? '\n'
            : '';
          spans.push([value.range[0], value.range[1], JSON.stringify(redactedMarker(secret)) + trailing]);
        },
      });
    }
    let out = text;
    for (const [start, end, marker] of spans.sort((a, b) => b[0] - a[0]))
      out = out.slice(0, start) + marker + out.slice(end);
    return out;
  }
  if (/\bsecret\s*:\s*[|>]/.test(text)) {
    return '# watchpost: content withheld: not valid YAML and it holds a block-scalar secret\n';
  }
  return text.replace(
    /(\bsecret["']?\s*:\s*)("[^"\n]*"|'[^'\n]*'|[^\s,}\]#]+)/g,
    (_m, key: string, value: string) => {
      const bare = value.replace(/^["']|["']$/g, '');
      return `${key}${JSON.stringify(redactedMarker(bare))}`;
    },
  );
}
