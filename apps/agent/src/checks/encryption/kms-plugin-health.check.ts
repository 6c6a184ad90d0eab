import type { Check, CheckContext, CheckFinding } from '../check.js';
import { cannotCheck, configuredKms, managedControlPlane } from './lib/common.js';
import { type KmsProviderStatus, readProbe } from '@watchpost/shared';

function judge(p: KmsProviderStatus): CheckFinding {
  const resource = { kind: 'KmsProvider', name: p.name, path: p.endpoint };
  const evidence: Record<string, unknown> = {
    apiVersion: p.apiVersion,
    endpoint: p.endpoint,
    resources: p.resources,
  };
  for (const k of [
    'healthz',
    'version',
    'keyId',
    'runtimeName',
    'runtimeVersion',
    'latencyMs',
    'errorKind',
  ] as const)
    if (p[k] !== undefined) evidence[k] = p[k];
  if (p.error) {
    if (p.errorKind === 'permission') {
      return {
        outcome: 'error',
        resource,
        evidence,
        message: `could not call KMS plugin "${p.name}": the agent may not open ${p.socket ?? p.endpoint} (${p.error}); mount the socket folder into the agent and run it as root`,
      };
    }
    const what =
      p.errorKind === 'timeout'
        ? 'did not answer in time'
        : p.errorKind === 'unreachable'
          ? 'is not reachable'
          : 'failed';
    return {
      outcome: 'fail',
      resource,
      evidence,
      message: `KMS ${p.apiVersion} plugin "${p.name}" ${what} on ${p.endpoint}: ${p.error}`,
    };
  }
  if (p.apiVersion === 'v2') {
    const problems: string[] = [];
    if (p.healthz !== 'ok') problems.push(`healthz is ${JSON.stringify(p.healthz ?? '')} (expected "ok")`);
    if (p.version !== 'v2') problems.push(`version is ${JSON.stringify(p.version ?? '')} (expected "v2")`);
    if (!p.keyId) problems.push('key_id is empty');
    if (problems.length)
      return {
        outcome: 'fail',
        resource,
        evidence,
        message: `KMS v2 plugin "${p.name}" is unhealthy: ${problems.join(', ')}`,
      };
    return {
      outcome: 'pass',
      resource,
      evidence,
      message: `KMS v2 plugin "${p.name}" is healthy (key id ${p.keyId})`,
    };
  }
  if (p.version !== 'v1beta1') {
    return {
      outcome: 'fail',
      resource,
      evidence,
      message: `KMS v1 plugin "${p.name}" answered Version with ${JSON.stringify(p.version ?? '')} (expected "v1beta1")`,
    };
  }
  const runtime = [p.runtimeName, p.runtimeVersion].filter(Boolean).join(' ');
  return {
    outcome: 'pass',
    resource,
    evidence,
    message: `KMS v1 plugin "${p.name}" answers (${runtime || 'runtime not named'}); KMS v1 has no health call beyond Version`,
  };
}

export const kmsPluginHealth: Check = {
  id: 'kms-plugin-health',
  run(ctx: CheckContext): CheckFinding[] {
    const { evidence } = ctx;
    const managed = managedControlPlane(evidence, 'the KMS plugin');
    if (managed) return [managed];
    const configured = configuredKms(evidence);
    if (configured?.none) {
      return [
        {
          outcome: 'not_applicable',
          resource: { kind: 'Cluster', name: evidence.cluster.name },
          message: `no KMS plugin to call: ${configured.why}`,
        },
      ];
    }
    const probe = readProbe(evidence, 'kms');
    if (!probe.ok) {
      return [cannotCheck(evidence, `could not check the KMS plugin: ${probe.reason}`)];
    }
    if (!probe.value.providers.length) {
      if (probe.value.kmsConfigured === false) {
        return [
          {
            outcome: 'not_applicable',
            resource: { kind: 'Cluster', name: evidence.cluster.name },
            message: `no KMS plugin to call: ${probe.value.note ?? 'the encryption config names no kms provider'}`,
          },
        ];
      }
      return [
        cannotCheck(
          evidence,
          `the KMS probe called no plugin: ${probe.value.note ?? 'no providers in its result'}`,
        ),
      ];
    }
    return probe.value.providers.map(judge);
  },
};
