import {
  type KmsKeyFactsV1,
  type KmsKeyObservation,
  type KmsProviderStatus,
  readProbe,
} from '@watchpost/shared';
import type { Check, CheckContext, CheckFinding } from '../check.js';
import { cannotCheck, configuredKms, managedControlPlane } from './lib/common.js';

const DAY_MS = 86_400_000;

/** The key id the rotation is tracked by: v2's key_id, v1's provider name (v1 rotates by adding a provider). */
export function currentKeyId(p: KmsProviderStatus): string | undefined {
  if (p.apiVersion === 'v2') return p.error ? undefined : p.keyId || undefined;
  return p.name;
}

/** The typed facts the hub reads about one provider's key (age fields only where the agent knows them). */
function keyFacts(
  p: KmsProviderStatus,
  maxDays: number,
  known: Partial<Pick<KmsKeyFactsV1, 'keyId' | 'firstSeen' | 'rotatedAt' | 'ageSeconds'>> = {},
): KmsKeyFactsV1 {
  return {
    type: 'kms-key',
    version: 1,
    provider: p.name,
    apiVersion: p.apiVersion,
    ...known,
    ageExact: known.rotatedAt !== undefined,
    maxAgeSeconds: maxDays * 86_400,
  };
}

function days(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/**
 * A key seen for the first time (a new agent store, a bundle without history.json, or a provider that just
 * appeared). Nothing is wrong with it: what is known is the key id and that it is in use now; its age is not.
 * It becomes known when the plugin reports a new key id (the new key's age counts from that scan); until then
 * the agent counts from this first sighting and warns once that alone exceeds the limit.
 */
function firstSighting(
  p: KmsProviderStatus,
  keyId: string,
  now: Date,
  maxDays: number,
  hasHistory: boolean,
): CheckFinding {
  const warnFrom = new Date(now.getTime() + maxDays * DAY_MS).toISOString();
  const why = hasHistory
    ? 'no earlier scan saw this provider'
    : 'this evidence carries no key history (a bundle without history.json)';
  return {
    outcome: 'pass',
    resource: { kind: 'KmsProvider', name: p.name, path: p.endpoint },
    evidence: { keyId, firstSeen: now.toISOString(), ageKnown: false, maxAgeDays: maxDays, warnFrom },
    facts: keyFacts(p, maxDays, { keyId, firstSeen: now.toISOString(), ageSeconds: 0 }),
    message:
      `first sighting of KMS ${p.apiVersion} key ${keyId} of "${p.name}" (${why}): the key is in use now, its age is not known yet; ` +
      `it becomes known when the plugin reports a new key id, and if this key is still in use on ${warnFrom.slice(0, 10)} ` +
      `(${maxDays} days from now) the check warns`,
  };
}

export const kmsKeyRotation: Check = {
  id: 'kms-key-rotation',
  run(ctx: CheckContext): CheckFinding[] {
    const { evidence, now, options } = ctx;
    const managed = managedControlPlane(evidence, 'the KMS plugin and its key');
    if (managed) return [managed];
    const configured = configuredKms(evidence);
    if (configured?.none) {
      return [
        {
          outcome: 'not_applicable',
          resource: { kind: 'Cluster', name: evidence.cluster.name },
          message: `no KMS key to track: ${configured.why}`,
        },
      ];
    }
    const probe = readProbe(evidence, 'kms');
    if (!probe.ok) {
      return [cannotCheck(evidence, `could not check KMS key rotation: ${probe.reason}`)];
    }
    if (!probe.value.providers.length) {
      const message = `no KMS key to track: ${probe.value.note ?? 'the KMS probe called no plugin'}`;
      if (probe.value.kmsConfigured === false)
        return [
          { outcome: 'not_applicable', resource: { kind: 'Cluster', name: evidence.cluster.name }, message },
        ];
      return [cannotCheck(evidence, message)];
    }
    const maxDays = options.kmsKeyMaxAgeDays;
    return probe.value.providers.map((p): CheckFinding => {
      const resource = { kind: 'KmsProvider', name: p.name, path: p.endpoint };
      if (p.apiVersion === 'v1' && evidence.cluster.platform === 'aks-hci') {
        return {
          outcome: 'not_applicable',
          resource,
          facts: keyFacts(p, maxDays),
          message:
            `AKS hybrid's built-in KMS v1 plugin "${p.name}" rotates its key itself every 30 days, and KMS v1 exposes no key id, so the agent cannot observe the rotation; ` +
            'migrating to KMS v2 makes it visible (v2 Status reports the key id)',
        };
      }
      const keyId = currentKeyId(p);
      if (!keyId)
        return {
          outcome: 'error',
          resource,
          facts: keyFacts(p, maxDays),
          message: `KMS v2 plugin "${p.name}" did not report a key id (${p.error ?? 'empty key_id'}); see kms-plugin-health`,
        };
      const seen: KmsKeyObservation[] = [...(evidence.history?.kmsKeys[p.name] ?? [])].sort((a, b) =>
        a.firstSeen.localeCompare(b.firstSeen),
      );
      if (!seen.length) return firstSighting(p, keyId, now, maxDays, evidence.history !== undefined);
      const same = seen.filter((o) => o.keyId === keyId);
      if (!same.length) {
        const previous = seen[seen.length - 1];
        return {
          outcome: 'pass',
          resource,
          evidence: { keyId, previousKeyId: previous.keyId, previousLastSeen: previous.lastSeen },
          // Rotated between the previous sighting and this scan: the new key is at most that old.
          facts: keyFacts(p, maxDays, {
            keyId,
            firstSeen: now.toISOString(),
            rotatedAt: now.toISOString(),
            ageSeconds: 0,
          }),
          message: `key of "${p.name}" rotated since the last scan: now ${keyId}, previously ${previous.keyId} (last seen ${previous.lastSeen})`,
        };
      }
      // The latest stretch of this key id (a key id that came back after another one starts a new stretch).
      const since = same[same.length - 1].firstSeen;
      const firstEver = seen[0].keyId === keyId && seen.every((o) => o.keyId === keyId);
      const age = days(now.getTime() - Date.parse(since));
      const atLeast = firstEver ? 'at least ' : '';
      const ev = { keyId, inUseSince: since, ageDays: age, maxAgeDays: maxDays, rotationSeen: !firstEver };
      const facts = keyFacts(p, maxDays, {
        keyId,
        firstSeen: since,
        ...(firstEver ? {} : { rotatedAt: since }),
        ageSeconds: Math.max(0, Math.floor((now.getTime() - Date.parse(since)) / 1000)),
      });
      if (age > maxDays) {
        return {
          outcome: 'warn',
          resource,
          evidence: ev,
          facts,
          message: `KMS ${p.apiVersion} key ${keyId} of "${p.name}" has been in use for ${atLeast}${age} days (since ${since}), longer than ${maxDays} days: rotate it`,
        };
      }
      return {
        outcome: 'pass',
        resource,
        evidence: ev,
        facts,
        message: `KMS ${p.apiVersion} key ${keyId} of "${p.name}" in use for ${atLeast}${age} days (since ${since}; limit ${maxDays} days)`,
      };
    });
  },
};
