import type { KubeObject } from '@watchpost/shared';

/** Secret data keys that may enter Evidence: public certificates only. */
const KEPT_SECRET_KEYS = ['tls.crt', 'ca.crt'];
const DROPPED_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration'];

/**
 * Makes one listed object safe and small for Evidence: drops `managedFields` everywhere, and for Secrets keeps
 * only metadata, type and the public certificate keys (never `tls.key`, tokens or passwords). The
 * last-applied annotation can embed a whole secret, so it goes too.
 */
export function sanitiseObject(resource: string, obj: KubeObject): KubeObject {
  const metadata = { ...obj.metadata };
  delete metadata['managedFields'];
  if (metadata.annotations) {
    const annotations = { ...metadata.annotations };
    for (const a of DROPPED_ANNOTATIONS) delete annotations[a];
    metadata.annotations = annotations;
  }
  if (resource !== 'secrets') return { ...obj, metadata };
  const data = (obj['data'] ?? {}) as Record<string, string>;
  const kept: Record<string, string> = {};
  for (const k of KEPT_SECRET_KEYS) if (typeof data[k] === 'string') kept[k] = data[k];
  const out: KubeObject = { metadata, data: kept };
  if (obj.apiVersion) out.apiVersion = obj.apiVersion;
  if (obj.kind) out.kind = obj.kind;
  if (obj['type'] !== undefined) out['type'] = obj['type'];
  return out;
}
