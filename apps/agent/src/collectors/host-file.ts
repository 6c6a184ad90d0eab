import { readFile, stat } from 'node:fs/promises';
import { type HostFile, redactEncryptionSecrets } from '@watchpost/shared';
import { looksLikePrivateKey, redactKubeconfigSecrets, splitKeyMaterial } from './private-key.js';

/** Files bigger than this are recorded with an error instead of their content (no config file is this big). */
export const MAX_HOST_FILE_BYTES = 2 * 1024 * 1024;

/**
 * Reads one host file into Evidence form: mode, size and UTF-8 content, except private keys, which are
 * reduced to `PrivateKeyFacts` and encryption configs have their `keys[].secret` redacted right here, so key
 * material never travels further.
 * `realPath` is where it is on disk (a bundle, or under a host root mount); `path` is its host path.
 */
export async function readHostFile(realPath: string, path: string): Promise<HostFile> {
  const file: HostFile = { path };
  try {
    const st = await stat(realPath);
    file.mode = st.mode & 0o7777;
    file.size = st.size;
    if (!st.isFile()) {
      file.error = 'not a regular file';
      return file;
    }
    if (st.size > MAX_HOST_FILE_BYTES) {
      file.error = `file is ${st.size} bytes, over the ${MAX_HOST_FILE_BYTES}-byte limit; not read`;
      return file;
    }
    const content = await readFile(realPath, 'utf8');
    if (looksLikePrivateKey(content)) {
      const split = splitKeyMaterial(content);
      file.privateKey = split.privateKey;
      if (split.content !== undefined) file.content = split.content;
    } else {
      // EncryptionConfiguration files hold aescbc/aesgcm/secretbox keys (names and lengths stay); kubeconfigs
      // hold client keys, tokens and passwords (facts stay). Neither ever enters Evidence.
      file.content = redactKubeconfigSecrets(redactEncryptionSecrets(content));
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    file.error = e.code ? `${e.code}: ${e.message.replace(realPath, path)}` : String(err);
  }
  return file;
}
