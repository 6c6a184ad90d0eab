import type { PrivateKeyFacts } from './evidence.js';

/** Marker that replaces a kubeconfig's `client-key-data`; carries the key's facts, never the key. */
export const REDACTED_KEY_PREFIX = 'watchpost-redacted:';

/** Parses a `client-key-data` value written by `redactKubeconfigSecrets` back into facts. */
export function factsFromRedactedKey(value: string): PrivateKeyFacts | undefined {
  if (!value.startsWith(REDACTED_KEY_PREFIX)) return undefined;
  const fields = Object.fromEntries(
    value
      .slice(REDACTED_KEY_PREFIX.length)
      .split(',')
      .map((kv) => kv.split('=', 2) as [string, string]),
  );
  if (fields['error']) return { error: 'client-key-data is not a readable unencrypted private key' };
  const facts: PrivateKeyFacts = {};
  if (fields['publicKeySha256']) facts.publicKeySha256 = fields['publicKeySha256'];
  if (fields['type']) facts.type = fields['type'];
  return facts;
}
