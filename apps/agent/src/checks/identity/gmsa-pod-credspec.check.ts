import { kubeItems, type KubeObject } from '@watchpost/shared';
import type { Check, CheckFinding } from '../check.js';
import type { PodSpecSource } from '../lib/pod-specs.js';
import {
  GMSA_RESOURCES,
  gmsaPodSpecs,
  gmsaScope,
  jsonEqual,
  nodeOs,
  pinnedOs,
  sourceRef,
  type GmsaUse,
} from './gmsa.js';

export const gmsaPodCredspec: Check = {
  id: 'gmsa-pod-credspec',
  run({ evidence }) {
    const scope = gmsaScope(evidence);
    if (!scope.applicable) return scope.findings;
    const cluster = { kind: 'Cluster', name: evidence.cluster.name };
    const { uses, missing } = gmsaPodSpecs(evidence);
    if (missing.length)
      return [
        { outcome: 'error', resource: cluster, message: `cannot list every pod spec: ${missing.join('; ')}` },
      ];
    if (!uses.length)
      return [
        {
          outcome: 'pass',
          resource: cluster,
          message: `no pod or pod template names a credential spec (${scope.why})`,
        },
      ];
    const specs = kubeItems(evidence, GMSA_RESOURCES.credSpecs);
    const hasLinuxNodes = scope.nodes.some((n) => nodeOs(n) !== 'windows');
    const bySource = new Map<PodSpecSource, GmsaUse[]>();
    for (const u of uses) bySource.set(u.source, [...(bySource.get(u.source) ?? []), u]);
    const findings: CheckFinding[] = [];
    for (const [source, list] of bySource) {
      const fails: string[] = [];
      const warns: string[] = [];
      let cannot: string | undefined;
      for (const u of list) {
        const at = u.where === 'pod' ? '' : ` (${u.where})`;
        if (!u.name) {
          fails.push(
            `inline gmsaCredentialSpec without gmsaCredentialSpecName${at}: the webhook cannot authorise contents it cannot tie to a credential spec`,
          );
          continue;
        }
        let spec: KubeObject | undefined;
        if (specs.ok) {
          spec = specs.items.find((s) => s.metadata.name === u.name);
          if (!spec) {
            const near = specs.items.find((s) => s.metadata.name.toLowerCase() === u.name?.toLowerCase());
            fails.push(
              `credential spec "${u.name}"${at} does not exist${near ? ` (there is "${near.metadata.name}": names are case-sensitive)` : ''}`,
            );
          }
        } else if (specs.notInstalled)
          fails.push(
            `credential spec "${u.name}"${at} cannot exist: the GMSACredentialSpec CRD is not installed`,
          );
        else cannot = `cannot check credential spec "${u.name}": ${specs.reason}`;
        if (u.inline && spec) {
          let parsed: unknown;
          try {
            parsed = JSON.parse(u.inline) as unknown;
          } catch {
            fails.push(`inline gmsaCredentialSpec${at} is not valid JSON`);
            continue;
          }
          if (!jsonEqual(parsed, spec['credspec']))
            fails.push(
              `inline gmsaCredentialSpec${at} does not match credential spec "${u.name}" (edited after the pod was admitted, or written by hand)`,
            );
        }
      }
      const os = pinnedOs(source.spec, scope.nodes);
      if (os === 'linux')
        fails.push('it is pinned to Linux nodes (kubernetes.io/os), where gMSA does not exist');
      else if (os === undefined && hasLinuxNodes)
        warns.push(
          'it is not pinned to Windows nodes (no kubernetes.io/os=windows node selector or affinity) and may land on a Linux node',
        );
      const names = [...new Set(list.map((u) => u.name).filter(Boolean))].join(', ');
      const what = `${source.kind} ${source.namespace}/${source.name}`;
      if (fails.length)
        findings.push({
          outcome: 'fail',
          resource: sourceRef(source),
          message: `${what}: ${[...fails, ...warns].join('; ')}`,
        });
      else if (cannot)
        findings.push({ outcome: 'error', resource: sourceRef(source), message: `${what}: ${cannot}` });
      else if (warns.length)
        findings.push({
          outcome: 'warn',
          resource: sourceRef(source),
          severity: 'medium',
          message: `${what}: ${warns.join('; ')}`,
        });
      else
        findings.push({
          outcome: 'pass',
          resource: sourceRef(source),
          message: `${what} uses credential spec ${names}${os ? ` on ${os} nodes` : ''}`,
        });
    }
    return findings;
  },
};
