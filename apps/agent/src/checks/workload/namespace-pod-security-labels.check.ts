import { kubeItems } from '@watchpost/shared';
import type { Check, CheckFinding } from '../check.js';
import { isSystemNamespace } from './system-namespaces.js';

const LEVELS = ['privileged', 'baseline', 'restricted'];
const PREFIX = 'pod-security.kubernetes.io/';

/**
 * Pod Security Admission acts on a namespace only through its labels. Enforcing baseline or restricted
 * passes; `enforce: privileged` or only `warn`/`audit` warns (nothing is refused); no label at all, or an
 * unknown level (which the API server rejects, so it only appears in hand-edited bundles), fails.
 * Platform-managed namespaces are exempt: unlabelled ones are reported `not_applicable`, and an explicit
 * `enforce: privileged` there passes (it is the documented, deliberate setting for node agents).
 */
export const namespacePodSecurityLabels: Check = {
  id: 'namespace-pod-security-labels',
  run: (ctx) => {
    const list = kubeItems(ctx.evidence, 'namespaces');
    if (!list.ok)
      return [
        {
          outcome: 'error',
          resource: { kind: 'Cluster', name: ctx.evidence.cluster.name },
          message: `cannot read namespaces: ${list.reason}`,
        },
      ];
    const out: CheckFinding[] = [];
    for (const ns of list.items) {
      const name = ns.metadata.name;
      const labels = ns.metadata.labels ?? {};
      const resource = { kind: 'Namespace', name };
      const enforce = labels[`${PREFIX}enforce`];
      const others = ['warn', 'audit']
        .filter((m) => labels[`${PREFIX}${m}`])
        .map((m) => `${m}=${labels[`${PREFIX}${m}`]}`);
      let finding: CheckFinding;
      if (enforce === 'baseline' || enforce === 'restricted') {
        finding = { outcome: 'pass', resource, message: `enforces Pod Security "${enforce}"` };
      } else if (enforce !== undefined && !LEVELS.includes(enforce)) {
        finding = {
          outcome: 'fail',
          resource,
          message: `pod-security.kubernetes.io/enforce has an unknown level "${enforce}"`,
        };
      } else if (enforce === 'privileged') {
        finding = {
          outcome: 'warn',
          resource,
          message: 'enforces Pod Security "privileged", which allows everything',
        };
      } else if (others.length) {
        finding = {
          outcome: 'warn',
          resource,
          message: `has Pod Security ${others.join(', ')} but no enforce label: violations are reported, not refused`,
        };
      } else {
        finding = {
          outcome: 'fail',
          resource,
          message: 'has no Pod Security Admission labels: nothing restricts its pods',
        };
      }
      if (isSystemNamespace(name, ctx.platformNamespaces) && enforce === 'privileged') {
        // A deliberate label on a platform namespace is the expected state: its node agents need privileges.
        finding = {
          outcome: 'pass',
          resource,
          message: 'platform-managed namespace, deliberately enforces Pod Security "privileged"',
        };
      } else if (
        isSystemNamespace(name, ctx.platformNamespaces) &&
        (finding.outcome === 'fail' || finding.outcome === 'warn')
      ) {
        finding = {
          ...finding,
          outcome: 'not_applicable',
          message: `exempt (platform-managed namespace): ${finding.message}`,
        };
      }
      out.push(finding);
    }
    if (out.length === 0)
      out.push({
        outcome: 'error',
        resource: { kind: 'Cluster', name: ctx.evidence.cluster.name },
        message: 'the namespace list is empty, which no working cluster produces',
      });
    return out;
  },
};
