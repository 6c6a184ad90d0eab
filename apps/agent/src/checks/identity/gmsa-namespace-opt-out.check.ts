import { kubeItems } from '@watchpost/shared';
import type { Check, CheckFinding } from '../check.js';
import { gmsaPodSpecs, gmsaWebhooksInScope, selectorMatches } from './gmsa.js';

/**
 * Namespaces the gMSA webhooks do not see. The label is read from the webhooks' own namespaceSelector
 * (upstream windows-gmsa: `gmsa-webhook NotIn [disabled]`), so whatever label a deployment uses is honoured.
 */
export const gmsaNamespaceOptOut: Check = {
  id: 'gmsa-namespace-opt-out',
  run({ evidence }) {
    const hooks = gmsaWebhooksInScope(evidence);
    if (!hooks.ok) return hooks.findings;
    const cluster = { kind: 'Cluster', name: evidence.cluster.name };
    const namespaces = kubeItems(evidence, 'namespaces');
    if (!namespaces.ok)
      return [
        {
          outcome: 'error',
          resource: cluster,
          message: `cannot evaluate the gMSA webhooks' namespace selectors: ${namespaces.reason}`,
        },
      ];
    // The validating webhook is the security boundary; fall back to the mutating one if it is all there is.
    const guards = hooks.validating.length ? hooks.validating : hooks.mutating;
    if (!guards.length)
      return [
        {
          outcome: 'fail',
          resource: cluster,
          message: `no gMSA webhook is configured, so every namespace is unguarded (see gmsa-webhook-config)`,
        },
      ];
    const own = new Set(guards.flatMap((h) => (h.service ? [h.service.namespace] : [])));
    const users = new Map<string, string[]>();
    for (const u of gmsaPodSpecs(evidence).uses)
      users.set(u.source.namespace, [
        ...(users.get(u.source.namespace) ?? []),
        `${u.source.kind}/${u.source.name}`,
      ]);
    const findings: CheckFinding[] = [];
    const excludedOwn: string[] = [];
    for (const ns of namespaces.items) {
      const labels = ns.metadata.labels ?? {};
      const skippedBy = guards.filter((h) => !selectorMatches(h.namespaceSelector, labels));
      if (!skippedBy.length) continue;
      const name = ns.metadata.name;
      if (own.has(name) && !users.has(name)) {
        excludedOwn.push(name);
        continue;
      }
      const resource = { kind: 'Namespace', name };
      const why = `excluded from ${skippedBy.map((h) => `${h.configKind}/${h.configName}`).join(', ')} by its namespaceSelector`;
      const podUsers = users.get(name);
      findings.push(
        podUsers
          ? {
              outcome: 'fail',
              resource,
              message: `namespace ${name} is ${why}, and ${[...new Set(podUsers)].join(', ')} use gMSA there without the authorisation check`,
              evidence: { labels },
            }
          : {
              outcome: 'warn',
              resource,
              message: `namespace ${name} is ${why}: a pod created there may claim any gMSA without the authorisation check`,
              evidence: { labels },
            },
      );
    }
    if (!findings.length) {
      findings.push({
        outcome: 'pass',
        resource: cluster,
        message: `all ${namespaces.items.length} namespaces are covered by the gMSA webhooks${excludedOwn.length ? ` except the webhook's own namespace ${excludedOwn.join(', ')}` : ''}`,
      });
    }
    return findings;
  },
};
