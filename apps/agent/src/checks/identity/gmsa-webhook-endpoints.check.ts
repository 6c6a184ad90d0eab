import { kubeItems, type Evidence } from '@watchpost/shared';
import type { Check, CheckFinding } from '../check.js';
import { GMSA_RESOURCES, gmsaWebhooksInScope } from './gmsa.js';

interface SliceEndpoint {
  addresses?: string[];
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
  targetRef?: { kind?: string; name?: string };
}

/**
 * Ready addresses behind a service: from EndpointSlices (label kubernetes.io/service-name; an endpoint
 * whose `ready` is unset counts as ready, as upstream says), else from the legacy Endpoints object.
 */
function readyEndpoints(
  evidence: Evidence,
  ns: string,
  name: string,
): { ok: true; ready: string[]; notReady: string[]; via: string } | { ok: false; reason: string } {
  const slices = kubeItems(evidence, GMSA_RESOURCES.endpointSlices);
  if (slices.ok) {
    const ready: string[] = [];
    const notReady: string[] = [];
    for (const s of slices.items) {
      if (s.metadata.namespace !== ns || s.metadata.labels?.['kubernetes.io/service-name'] !== name) continue;
      for (const e of (s['endpoints'] as SliceEndpoint[] | undefined) ?? []) {
        const who = e.targetRef?.name ?? e.addresses?.[0] ?? '?';
        if (e.conditions?.ready === false) notReady.push(who);
        else ready.push(who);
      }
    }
    return { ok: true, ready, notReady, via: 'EndpointSlices' };
  }
  const eps = kubeItems(evidence, 'endpoints');
  if (eps.ok) {
    const ep = eps.items.find((e) => e.metadata.namespace === ns && e.metadata.name === name);
    const subsets =
      (ep?.['subsets'] as
        | {
            addresses?: { ip?: string; targetRef?: { name?: string } }[];
            notReadyAddresses?: { ip?: string; targetRef?: { name?: string } }[];
          }[]
        | undefined) ?? [];
    return {
      ok: true,
      ready: subsets.flatMap((s) => (s.addresses ?? []).map((a) => a.targetRef?.name ?? a.ip ?? '?')),
      notReady: subsets.flatMap((s) =>
        (s.notReadyAddresses ?? []).map((a) => a.targetRef?.name ?? a.ip ?? '?'),
      ),
      via: 'Endpoints',
    };
  }
  return { ok: false, reason: `${slices.reason}; ${eps.reason}` };
}

export const gmsaWebhookEndpoints: Check = {
  id: 'gmsa-webhook-endpoints',
  run({ evidence }) {
    const hooks = gmsaWebhooksInScope(evidence);
    if (!hooks.ok) return hooks.findings;
    const { scope } = hooks;
    const cluster = { kind: 'Cluster', name: evidence.cluster.name };
    const all = [...hooks.mutating, ...hooks.validating];
    if (!all.length)
      return [
        {
          outcome: 'fail',
          resource: cluster,
          message: `no gMSA webhook is configured, but this cluster has ${scope.why} (see gmsa-webhook-config)`,
        },
      ];
    const services = kubeItems(evidence, 'services');
    const findings: CheckFinding[] = [];
    const seen = new Set<string>();
    for (const h of all) {
      if (!h.service) {
        findings.push({
          outcome: 'warn',
          resource: { kind: h.configKind, name: h.configName },
          message: `webhook ${h.name} calls ${h.url ?? 'no URL'} outside the cluster; its reachability cannot be judged from cluster state`,
        });
        continue;
      }
      const { namespace, name } = h.service;
      const key = `${namespace}/${name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const resource = { kind: 'Service', namespace, name };
      const users = all
        .filter((x) => x.service?.namespace === namespace && x.service.name === name)
        .map((x) => `${x.configKind}/${x.configName}`);
      if (!services.ok) {
        findings.push({
          outcome: 'error',
          resource,
          message: `cannot check service ${key}: ${services.reason}`,
        });
        continue;
      }
      if (!services.items.some((s) => s.metadata.namespace === namespace && s.metadata.name === name)) {
        findings.push({
          outcome: 'fail',
          resource,
          message: `service ${key} used by ${users.join(', ')} does not exist: every call fails`,
        });
        continue;
      }
      const eps = readyEndpoints(evidence, namespace, name);
      if (!eps.ok) {
        findings.push({
          outcome: 'error',
          resource,
          message: `cannot check endpoints of ${key}: ${eps.reason}`,
        });
        continue;
      }
      if (!eps.ready.length) {
        findings.push({
          outcome: 'fail',
          resource,
          message: `service ${key} (used by ${users.join(', ')}) has no ready endpoint${eps.notReady.length ? ` (not ready: ${eps.notReady.join(', ')})` : ''}: with failurePolicy Fail every pod admission in covered namespaces fails`,
          evidence: { ready: eps.ready, notReady: eps.notReady, via: eps.via },
        });
        continue;
      }
      findings.push({
        outcome: eps.ready.length === 1 ? 'warn' : 'pass',
        ...(eps.ready.length === 1 ? { severity: 'medium' as const } : {}),
        resource,
        message:
          eps.ready.length === 1
            ? `service ${key} has a single ready endpoint (${eps.ready[0] ?? ''}): one node drain or pod restart blocks pod admission; run two replicas`
            : `service ${key} has ${eps.ready.length} ready endpoints (${eps.via})`,
        evidence: { ready: eps.ready, notReady: eps.notReady, via: eps.via },
      });
    }
    return findings;
  },
};
