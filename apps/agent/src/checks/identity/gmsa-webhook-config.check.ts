import type { Check, CheckFinding } from '../check.js';
import { gmsaWebhooksInScope, type GmsaWebhook } from './gmsa.js';

/** Does the webhook see pod creation? (rules: core group, `pods`, CREATE, each possibly `*`.) */
function coversPodCreate(h: GmsaWebhook): boolean {
  return h.rules.some(
    (r) =>
      (r.apiGroups ?? []).some((g) => g === '' || g === '*') &&
      (r.resources ?? []).some((x) => x === 'pods' || x === '*') &&
      (r.operations ?? []).some((o) => o === 'CREATE' || o === '*'),
  );
}

function judge(h: GmsaWebhook): CheckFinding {
  const resource = { kind: h.configKind, name: h.configName };
  const label = `${h.configKind}/${h.configName} webhook ${h.name}`;
  // admissionregistration.k8s.io/v1 defaults failurePolicy to Fail.
  const policy = h.failurePolicy ?? 'Fail';
  if (policy !== 'Fail') {
    return {
      outcome: 'fail',
      resource,
      message: `${label} has failurePolicy ${policy}: when the webhook is down, pods are admitted without the gMSA authorisation check`,
    };
  }
  if (!coversPodCreate(h))
    return {
      outcome: 'fail',
      resource,
      message: `${label} has no rule for CREATE on pods, so it never sees the pods it should check`,
    };
  return { outcome: 'pass', resource, message: `${label} present, failurePolicy Fail, covers pod creation` };
}

export const gmsaWebhookConfig: Check = {
  id: 'gmsa-webhook-config',
  run({ evidence }) {
    const hooks = gmsaWebhooksInScope(evidence);
    if (!hooks.ok) return hooks.findings;
    const { scope } = hooks;
    const cluster = { kind: 'Cluster', name: evidence.cluster.name };
    const findings: CheckFinding[] = [];
    if (!hooks.mutating.length) {
      findings.push({
        outcome: 'fail',
        resource: cluster,
        message: `no gMSA MutatingWebhookConfiguration, but this cluster has ${scope.why}: credential spec contents are never filled into pods`,
      });
    }
    if (!hooks.validating.length) {
      findings.push({
        outcome: 'fail',
        resource: cluster,
        severity: 'critical',
        message: `no gMSA ValidatingWebhookConfiguration, but this cluster has ${scope.why}: nothing checks that a pod may use the gMSA it claims`,
      });
    }
    findings.push(...hooks.mutating.map(judge), ...hooks.validating.map(judge));
    return findings;
  },
};
