import type { Outcome } from '@watchpost/shared';
import type { Check, CheckFinding } from '../check.js';
import { crdAbsent } from './network-model.js';

interface Setting {
  field: string;
  judge(v: unknown): { outcome: Outcome; why: string } | undefined;
}

/** Felix settings that let traffic past policy; unset means Felix's safe default. */
const SETTINGS: Setting[] = [
  {
    field: 'defaultEndpointToHostAction',
    judge: (v) =>
      v === 'Accept'
        ? {
            outcome: 'fail',
            why: 'defaultEndpointToHostAction: Accept lets every pod reach services on its node (kubelet, node ports) regardless of egress policy',
          }
        : v === 'Return'
          ? {
              outcome: 'warn',
              why: 'defaultEndpointToHostAction: Return accepts pod-to-host traffic unless host endpoint policy drops it',
            }
          : undefined,
  },
  {
    field: 'workloadSourceSpoofing',
    judge: (v) =>
      v === 'Any'
        ? {
            outcome: 'fail',
            why: 'workloadSourceSpoofing: Any lets pods that ask for it send packets with forged source addresses, defeating IP-based rules',
          }
        : undefined,
  },
  {
    field: 'allowIPIPPacketsFromWorkloads',
    judge: (v) =>
      v === true
        ? {
            outcome: 'warn',
            why: 'allowIPIPPacketsFromWorkloads: true lets pods send IP-in-IP packets that can tunnel past policy',
          }
        : undefined,
  },
  {
    field: 'allowVXLANPacketsFromWorkloads',
    judge: (v) =>
      v === true
        ? {
            outcome: 'warn',
            why: 'allowVXLANPacketsFromWorkloads: true lets pods send VXLAN packets that can tunnel past policy',
          }
        : undefined,
  },
  {
    field: 'chainInsertMode',
    judge: (v) =>
      v === 'Append'
        ? {
            outcome: 'warn',
            why: 'chainInsertMode: Append puts Calico rules after other iptables rules, which may accept traffic before policy is evaluated',
          }
        : undefined,
  },
];

/** FelixConfiguration resources (`default`, per-node `node.<name>`) that weaken enforcement. */
export const netpolFelixConfiguration: Check = {
  id: 'netpol-felix-configuration',
  run: (ctx) => {
    const cluster = { kind: 'Cluster', name: ctx.evidence.cluster.name };
    const v3 = ctx.evidence.kube['felixconfigurations.projectcalico.org'];
    const v1 = ctx.evidence.kube['felixconfigurations.crd.projectcalico.org'];
    const entry = v3?.status === 'ok' ? v3 : v1;
    if (!entry && crdAbsent(ctx.evidence, 'felixconfigurations.crd.projectcalico.org'))
      return [
        {
          outcome: 'not_applicable',
          resource: cluster,
          message: 'Calico is not installed (no FelixConfiguration CRD)',
        },
      ];
    if (!entry)
      return [
        {
          outcome: 'error',
          resource: cluster,
          message:
            'felixconfigurations.crd.projectcalico.org was not collected; add it to the bundle (kubectl get felixconfigurations.crd.projectcalico.org -o json)',
        },
      ];
    if (entry.status === 'not-installed')
      return [
        {
          outcome: 'not_applicable',
          resource: cluster,
          message: 'Calico is not installed (no FelixConfiguration resource)',
        },
      ];
    if (entry.status !== 'ok')
      return [
        {
          outcome: 'error',
          resource: cluster,
          message: `cannot read FelixConfiguration: ${entry.error.message}`,
        },
      ];
    if (!entry.items.length)
      return [
        {
          outcome: 'pass',
          resource: cluster,
          message:
            'no FelixConfiguration objects: Felix runs with its defaults (defaultEndpointToHostAction Drop)',
        },
      ];
    const findings: CheckFinding[] = [];
    for (const fc of entry.items) {
      const spec = (fc['spec'] ?? {}) as Record<string, unknown>;
      const problems = SETTINGS.map((s) => s.judge(spec[s.field])).filter(
        (x): x is { outcome: Outcome; why: string } => !!x,
      );
      const resource = { kind: 'FelixConfiguration', name: fc.metadata.name };
      const scope =
        fc.metadata.name === 'default'
          ? 'cluster-wide'
          : fc.metadata.name.startsWith('node.')
            ? `on node ${fc.metadata.name.slice(5)}`
            : '';
      if (!problems.length) {
        findings.push({
          outcome: 'pass',
          resource,
          message: `FelixConfiguration ${fc.metadata.name} keeps policy enforcement intact${typeof spec['defaultEndpointToHostAction'] === 'string' ? ` (defaultEndpointToHostAction ${spec['defaultEndpointToHostAction']})` : ''}`,
        });
        continue;
      }
      const outcome: Outcome = problems.some((p) => p.outcome === 'fail') ? 'fail' : 'warn';
      findings.push({
        outcome,
        resource,
        message: `FelixConfiguration ${fc.metadata.name}${scope ? ` (${scope})` : ''}: ${problems.map((p) => p.why).join('; ')}`,
        evidence: {
          settings: Object.fromEntries(
            SETTINGS.filter((s) => s.judge(spec[s.field])).map((s) => [s.field, spec[s.field]]),
          ),
        },
      });
    }
    return findings;
  },
};
