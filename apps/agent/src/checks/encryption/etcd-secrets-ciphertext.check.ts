import type { Check, CheckContext, CheckFinding } from '../check.js';
import {
  describeProvider,
  type EtcdStorageGroup,
  firstValidConfig,
  readProbe,
  ruleFor,
  storageClass,
} from '@watchpost/shared';
import { cannotCheck, managedControlPlane } from './lib/common.js';

function label(g: EtcdStorageGroup): string {
  if (g.storage === 'plaintext' || g.storage === 'unknown') return g.storage;
  return `${g.storage.replace('-', ' ')} "${g.name ?? ''}"${g.keyId ? ` key ${g.keyId}` : ''}`;
}

function examples(groups: EtcdStorageGroup[]): string {
  const names = groups.flatMap((g) => g.examples).slice(0, 3);
  return names.length ? ` (e.g. ${names.join(', ')})` : '';
}

export const etcdSecretsCiphertext: Check = {
  id: 'etcd-secrets-ciphertext',
  run(ctx: CheckContext): CheckFinding[] {
    const { evidence } = ctx;
    const managed = managedControlPlane(evidence, 'etcd');
    if (managed) return [managed];
    const probe = readProbe(evidence, 'etcd-secrets');
    if (!probe.ok) return [cannotCheck(evidence, `could not sample secrets in etcd: ${probe.reason}`)];
    const r = probe.value;
    const resource = { kind: 'EtcdKeyspace', path: r.prefix };
    if (r.total === 0 || r.sampled === 0) {
      return [
        {
          outcome: 'not_applicable',
          resource,
          message: `no secrets stored under ${r.prefix} in etcd (${r.endpoints.join(', ')})`,
        },
      ];
    }

    // What writes get now: the config's first provider for secrets, and for KMS v2 the key id the plugin reports.
    const setup = firstValidConfig(evidence);
    const match = setup?.parsed?.ok ? ruleFor(setup.parsed.config, 'secrets') : undefined;
    const write = setup?.parsed?.ok
      ? match
        ? match.rule.providers[0]
        : { type: 'identity' as const }
      : undefined;
    const writeClass = write ? storageClass(write) : undefined;
    let currentKeyId: string | undefined;
    if (write?.type === 'kms' && write.apiVersion === 'v2') {
      const kms = readProbe(evidence, 'kms');
      if (kms.ok)
        currentKeyId = kms.value.providers.find((p) => p.name === write.name && !p.error)?.keyId || undefined;
    }
    const isCurrent = (g: EtcdStorageGroup): boolean =>
      !!writeClass &&
      g.storage === writeClass.storage &&
      g.name === writeClass.name &&
      (g.storage !== 'kms-v2' || !currentKeyId || !g.keyId || g.keyId === currentKeyId);

    const plaintext = r.groups.filter((g) => g.storage === 'plaintext');
    const unknown = r.groups.filter((g) => g.storage === 'unknown');
    const encrypted = r.groups.filter((g) => g.storage !== 'plaintext' && g.storage !== 'unknown');
    const stale = writeClass ? encrypted.filter((g) => !isCurrent(g)) : [];
    const count = (gs: EtcdStorageGroup[]) => gs.reduce((n, g) => n + g.count, 0);
    const sampleNote = r.sampled < r.total ? `${r.sampled} sampled of ${r.total}` : `all ${r.total}`;
    const writeNote = write ? describeProvider(write) : 'unknown (encryption config not in view)';
    const evidenceOut: Record<string, unknown> = {
      endpoints: r.endpoints,
      total: r.total,
      sampled: r.sampled,
      writeProvider: writeNote,
      ...(currentKeyId ? { currentKeyId } : {}),
      byStorage: r.groups.map((g) => ({ storage: label(g), count: g.count, current: isCurrent(g) })),
      plaintext: count(plaintext),
      notCurrent: count(stale),
    };

    if (plaintext.length) {
      const n = count(plaintext);
      const why =
        write?.type === 'identity'
          ? 'the API server writes secrets in plaintext (see etcd-encryption-at-rest)'
          : 'they were written before encryption was turned on and were never rewritten: kubectl get secrets -A -o json | kubectl replace -f -';
      return [
        {
          outcome: 'fail',
          resource,
          evidence: evidenceOut,
          message: `${n} of ${sampleNote} secrets in etcd are stored in plaintext${examples(plaintext)}: ${why}`,
        },
      ];
    }
    const problems: string[] = [];
    if (stale.length) {
      // A KMS v2 key rotation keeps the provider: the old key must stay usable in the KMS, not in the config.
      const keyOnly = stale.every(
        (g) => g.storage === 'kms-v2' && writeClass?.storage === 'kms-v2' && g.name === writeClass.name,
      );
      const keep = keyOnly
        ? 'the KMS must keep the old key usable until they are rewritten'
        : 'keep that provider/key in the encryption config until they are rewritten';
      problems.push(
        `${count(stale)} secrets are still stored under ${stale.map(label).join(', ')}, not the current write provider ${writeNote}${currentKeyId ? ` key ${currentKeyId}` : ''}${examples(stale)}; ` +
          `${keep} (kubectl get secrets -A -o json | kubectl replace -f -)`,
      );
    }
    if (unknown.length)
      problems.push(
        `${count(unknown)} secrets have a storage prefix the agent does not know${examples(unknown)}`,
      );
    if (problems.length)
      return [
        {
          outcome: 'warn',
          resource,
          evidence: evidenceOut,
          message: `${sampleNote} secrets in etcd are encrypted, but ${problems.join('; ')}`,
        },
      ];
    const detail = encrypted.map((g) => `${g.count} ${label(g)}`).join(', ');
    if (!writeClass) {
      return [
        {
          outcome: 'pass',
          resource,
          evidence: evidenceOut,
          message: `${sampleNote} secrets in etcd are encrypted (${detail}); the write provider is not in view, so stale keys were not judged`,
        },
      ];
    }
    return [
      {
        outcome: 'pass',
        resource,
        evidence: evidenceOut,
        message: `${sampleNote} secrets in etcd are encrypted under the current write provider (${detail})`,
      },
    ];
  },
};
