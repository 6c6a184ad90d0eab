import type { Check, CheckContext, CheckFinding } from '../check.js';
import {
  describeProvider,
  type EncryptionConfig,
  type EncryptionSetup,
  encryptionSetups,
  type ProviderConfig,
  ruleFor,
} from '@watchpost/shared';
import { cannotCheck, managedControlPlane } from './lib/common.js';

/** The verdict for `secrets` from one config. */
function verdictForSecrets(
  config: EncryptionConfig,
  platform: string,
): { outcome: CheckFinding['outcome']; message: string; write?: ProviderConfig } {
  const match = ruleFor(config, 'secrets');
  if (!match) {
    return {
      outcome: 'fail',
      message:
        'no resources entry covers secrets (neither secrets, *. nor *.*): secrets are stored in etcd as plaintext',
    };
  }
  const write = match.rule.providers[0];
  const via = `resources[${match.index}] (matched by "${match.matchedBy}")`;
  const readers = match.rule.providers.slice(1).map(describeProvider);
  const alsoReads = readers.length ? `; also reads ${readers.join(', ')}` : '';
  switch (write.type) {
    case 'identity': {
      const later = match.rule.providers.slice(1).find((p) => p.type !== 'identity');
      return {
        outcome: 'fail',
        write,
        message:
          `secrets are written in plaintext: the first provider of ${via} is identity` +
          (later
            ? ` (the ${describeProvider(later)} after it only decrypts old data; move it first to encrypt writes)`
            : ''),
      };
    }
    case 'aescbc':
    case 'aesgcm':
    case 'secretbox': {
      const weak =
        write.type === 'aescbc'
          ? '. aescbc is also weak against padding-oracle attacks and no longer recommended'
          : write.type === 'aesgcm'
            ? '. aesgcm keys must be rotated before 200k writes'
            : '';
      return {
        outcome: 'warn',
        write,
        message: `secrets are encrypted with ${describeProvider(write)} from ${via}${alsoReads}, but the key sits on disk next to the data (anyone with the VM disk or the config file can decrypt): move to KMS v2${weak}`,
      };
    }
    case 'kms':
      if (write.apiVersion === 'v2')
        return {
          outcome: 'pass',
          write,
          message: `secrets are encrypted with ${describeProvider(write)} from ${via}${alsoReads}`,
        };
      if (platform === 'aks-hci') {
        return {
          outcome: 'pass',
          write,
          message:
            `secrets are encrypted with ${describeProvider(write)} from ${via}: AKS hybrid's built-in KMS plugin speaks KMS v1 on clusters created before release 2510. ` +
            `Recommended: migrate to KMS v2 (KMS v1 is deprecated upstream since Kubernetes 1.28)${alsoReads}`,
        };
      }
      return {
        outcome: 'warn',
        write,
        message: `secrets are encrypted with ${describeProvider(write)} from ${via}, but KMS v1 is deprecated since Kubernetes 1.28 and off by default from 1.29 (KMSv1 feature gate); migrate to KMS v2${alsoReads}`,
      };
  }
}

/** What every resources entry gives, without key material, for the result's evidence. */
function ruleSummary(
  config: EncryptionConfig,
): { resources: string[]; writeProvider: string; readProviders: string[] }[] {
  return config.rules.map((r) => ({
    resources: r.resources,
    writeProvider: r.providers[0] ? describeProvider(r.providers[0]) : 'none',
    readProviders: r.providers.slice(1).map(describeProvider),
  }));
}

function judge(setup: EncryptionSetup, platform: string): CheckFinding {
  const { source, flag } = setup;
  const base = {
    apiServer: source.label,
    automaticReload: setup.automaticReload,
  };
  if (!flag) {
    return {
      outcome: 'fail',
      resource: source.ref,
      message: `kube-apiserver (${source.label}) has no --encryption-provider-config in its command or args: secrets are stored in etcd as plaintext`,
      evidence: base,
    };
  }
  const resource = { kind: 'EncryptionConfiguration', path: setup.hostPath ?? flag.value };
  const ev: Record<string, unknown> = { ...base, flag: flag.name, configPath: flag.value };
  if (setup.hostPath && setup.hostPath !== flag.value) ev['hostPath'] = setup.hostPath;
  if (setup.file?.mode !== undefined) ev['mode'] = `0${setup.file.mode.toString(8)}`;
  if (setup.unreadable || !setup.parsed) {
    return {
      outcome: 'error',
      resource,
      message: `could not check the encryption config: ${setup.unreadable ?? 'not parsed'}`,
      evidence: ev,
    };
  }
  if (!setup.parsed.ok) {
    const errors = setup.parsed.errors;
    return {
      outcome: 'fail',
      resource,
      message: `the encryption config is invalid (kube-apiserver refuses to start with it): ${errors.slice(0, 5).join('; ')}${errors.length > 5 ? `; and ${errors.length - 5} more` : ''}`,
      evidence: { ...ev, validationErrors: errors },
    };
  }
  const config = setup.parsed.config;
  const v = verdictForSecrets(config, platform);
  const notes: string[] = [];
  if (flag.legacy) notes.push(`${flag.name} is the pre-1.13 flag name; use --encryption-provider-config`);
  if (config.legacy)
    notes.push(
      'kind EncryptionConfig (apiVersion v1) is the legacy form; use apiserver.config.k8s.io/v1 EncryptionConfiguration',
    );
  const hasLocalKeys = config.rules.some((r) =>
    r.providers.some((p) => p.type === 'aescbc' || p.type === 'aesgcm' || p.type === 'secretbox'),
  );
  const mode = setup.file?.mode;
  if (hasLocalKeys && mode !== undefined && (mode & 0o077) !== 0) {
    notes.push(
      `the file holds local keys and its mode 0${mode.toString(8)} lets other users read it; chmod 600`,
    );
  }
  if (!setup.automaticReload && v.write?.type === 'kms')
    notes.push(
      'automatic reload is off (--encryption-provider-config-automatic-reload), so a key or provider change needs an API server restart',
    );
  return {
    outcome: v.outcome,
    resource,
    message: [v.message, ...notes].join('. '),
    evidence: {
      ...ev,
      secrets: v.write ? describeProvider(v.write) : 'not covered (plaintext)',
      rules: ruleSummary(config),
      // Resources no entry names stay plaintext; say so when no catch-all exists.
      otherResources: config.rules.some((r) => r.resources.includes('*.*'))
        ? 'covered by *.*'
        : 'plaintext (no *.* entry)',
    },
  };
}

export const etcdEncryptionAtRest: Check = {
  id: 'etcd-encryption-at-rest',
  run(ctx: CheckContext): CheckFinding[] {
    const { evidence } = ctx;
    const { setups, problems, sawApiServer } = encryptionSetups(evidence);
    if (!sawApiServer) {
      const managed = managedControlPlane(evidence, 'the kube-apiserver and its encryption config');
      if (managed) return [managed];
      const pods = evidence.kube['pods'];
      const podsNote = !pods
        ? 'pods were not collected'
        : pods.status !== 'ok'
          ? `pods: ${pods.status === 'not-installed' ? 'not installed' : pods.error.message}`
          : 'no kube-system pod with component=kube-apiserver';
      return [
        cannotCheck(
          evidence,
          `could not find the kube-apiserver: ${[...problems, 'no static pod manifest for kube-apiserver among the host files', podsNote].join('; ')}. Run the agent on a control-plane node (or put host/etc/kubernetes/manifests/kube-apiserver.yaml in the bundle).`,
        ),
      ];
    }
    return setups.map((s) => judge(s, evidence.cluster.platform));
  },
};
