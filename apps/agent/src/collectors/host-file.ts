import { type HostFile, redactEncryptionSecrets, yaml } from '@watchpost/shared';
import { looksLikePrivateKey, redactKubeconfigSecrets, splitKeyMaterial } from './private-key.js';
import { DEFAULT_READ_LIMITS, READ_LIMIT_ENV, readFileSafely, type ReadLimits } from './safe-read.js';

/** Files bigger than this are recorded with an error instead of their content (no config file is this big). */
export const MAX_HOST_FILE_BYTES = DEFAULT_READ_LIMITS.maxFileBytes;

/** Where and how to read a host file. */
export interface HostFileReadOptions {
  /** A bundle's real path: symbolic links must stay inside it. Unset for the live host. */
  root?: string;
  limits?: ReadLimits;
}

/**
 * Reads one host file into Evidence form: mode, size and UTF-8 content, except private keys, which are
 * reduced to `PrivateKeyFacts` and encryption configs have their `keys[].secret` redacted right here, so key
 * material never travels further. Size-capped, special files refused, and (in a bundle) links that leave the
 * bundle refused, all through `readFileSafely`; a YAML file whose aliases expand past the limit (an alias bomb)
 * is recorded with an error instead of its content, so no check ever parses it.
 * `realPath` is where it is on disk (a bundle, or under a host root mount); `path` is its host path.
 */
export function readHostFile(realPath: string, path: string, opts: HostFileReadOptions = {}): HostFile {
  const limits = opts.limits ?? DEFAULT_READ_LIMITS;
  const file: HostFile = { path };
  const read = readFileSafely(realPath, {
    maxBytes: limits.maxFileBytes,
    limitName: READ_LIMIT_ENV.maxFileBytes,
    ...(opts.root !== undefined ? { root: opts.root } : {}),
  });
  if (read.mode !== undefined) file.mode = read.mode;
  if (read.size !== undefined) file.size = read.size;
  if (!read.ok) {
    file.error = read.error;
    return file;
  }
  const content = read.data.toString('utf8');
  if (looksLikePrivateKey(content)) {
    const split = splitKeyMaterial(content);
    file.privateKey = split.privateKey;
    if (split.content !== undefined) file.content = split.content;
    return file;
  }
  const bomb = yamlAliasBomb(content, limits.maxYamlAliases);
  if (bomb) {
    file.error = `${bomb}; not read (${READ_LIMIT_ENV.maxYamlAliases} raises the limit)`;
    return file;
  }
  // EncryptionConfiguration files hold aescbc/aesgcm/secretbox keys (names and lengths stay); kubeconfigs
  // hold client keys, tokens and passwords (facts stay). Neither ever enters Evidence.
  file.content = redactKubeconfigSecrets(redactEncryptionSecrets(content));
  return file;
}

/** Anchor (`&a`) and alias (`*a`) both present: only then can a YAML text expand; most files skip the parse. */
const ANCHOR = /(?:^|[\s[{,:-])&[^\s,[\]{}]+/m;
const ALIAS = /(?:^|[\s[{,:-])\*[^\s,[\]{}]+/m;

/** Why `text` is a YAML alias bomb, or undefined. Never throws. */
export function yamlAliasBomb(text: string, maxAliases: number): string | undefined {
  if (!ANCHOR.test(text) || !ALIAS.test(text)) return undefined;
  try {
    for (const doc of yaml().parseAllDocuments(text)) {
      if (doc.errors.length > 0) return undefined; // not YAML at all: the checks say so themselves
      doc.toJS({ maxAliasCount: maxAliases });
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/alias/i.test(message)) return `YAML aliases expand past ${maxAliases} references (an alias bomb)`;
  }
  return undefined;
}
