import type { Connection } from '@watchpost/netpol';
import type { Check, CheckFinding } from '../check.js';
import { nameList, networkModel } from './network-model.js';
import { ANY_PORT, PROBE_NAMESPACE } from './probes.js';

const KUBE_SYSTEM = 'kube-system';

/** kube-system pods on the pod network that a workload in an unrelated namespace can connect to (DNS excepted). */
export const netpolKubeSystemExposure: Check = {
  id: 'netpol-kube-system-exposure',
  run: (ctx) => {
    const built = networkModel(ctx.evidence);
    const cluster = { kind: 'Cluster', name: ctx.evidence.cluster.name };
    if (!built.ok) return [{ outcome: 'error', resource: cluster, message: built.reason }];
    const { engine, notes } = built.model;
    const note = notes.length ? ` (${notes.join('; ')})` : '';
    const probe = engine.syntheticPod(PROBE_NAMESPACE);
    const pods = engine.podsIn(KUBE_SYSTEM);
    const podNet = pods.filter((p) => !p.hostNetwork);
    const findings: CheckFinding[] = [];
    for (const pod of podNet) {
      const resource = { kind: 'Pod', namespace: KUBE_SYSTEM, name: pod.name };
      const any = engine.canReach(probe, pod, ANY_PORT);
      if (any.allowed) {
        findings.push({
          outcome: 'warn',
          resource,
          message: `${pod.key} accepts connections on any port from workloads in any namespace: ${any.ingress?.reason ?? ''}${note}`,
          evidence: { ports: 'any' },
        });
        continue;
      }
      const conns: Connection[] = [];
      const seen = new Set<string>();
      for (const c of (
        pod.object?.['spec'] as
          { containers?: { ports?: { containerPort?: number; protocol?: string }[] }[] } | undefined
      )?.containers ?? []) {
        for (const port of c.ports ?? []) {
          if (typeof port.containerPort !== 'number' || port.containerPort === 53) continue;
          const conn = { protocol: (port.protocol ?? 'TCP').toUpperCase(), port: port.containerPort };
          const key = `${conn.protocol}/${conn.port}`;
          if (seen.has(key)) continue;
          seen.add(key);
          conns.push(conn);
        }
      }
      const open = conns
        .filter((c) => engine.canReach(probe, pod, c).allowed)
        .map((c) => `${c.protocol}/${c.port}`);
      if (open.length)
        findings.push({
          outcome: 'warn',
          resource,
          message: `${pod.key} is reachable from workloads in any namespace on ${open.join(', ')}${note}`,
          evidence: { ports: open },
        });
      else
        findings.push({
          outcome: 'pass',
          resource,
          message: `${pod.key} is not reachable from unrelated namespaces (other than DNS)`,
        });
    }
    if (!podNet.length) {
      const hostNet = pods.filter((p) => p.hostNetwork).map((p) => p.name);
      findings.push({
        outcome: 'pass',
        resource: { kind: 'Namespace', name: KUBE_SYSTEM },
        message: hostNet.length
          ? `kube-system has no pod-network pods; its ${hostNet.length} host-network pods (${nameList(hostNet)}) are outside pod policy`
          : 'kube-system has no running pods',
      });
    }
    return findings;
  },
};
