import type { Check } from '../check.js';
import { describeSource } from '../lib/security-context.js';
import { perContainerContext, workloadCheck } from './common.js';

/**
 * Without a seccomp profile a container may make every system call the kernel offers (the kubelet's
 * `seccompDefault` is off unless configured). RuntimeDefault or Localhost passes; Unconfined, nothing, or a
 * privileged container (always Unconfined) fails; a profile set only through the deprecated annotations warns.
 */
export const podSeccompProfile: Check = workloadCheck('pod-seccomp-profile', (ctx, sink) =>
  perContainerContext(
    ctx,
    sink,
    (sc, label) => {
      const p = sc.seccomp;
      if (sc.privileged)
        return {
          outcome: 'fail',
          message: `${label} is privileged, so it always runs seccomp Unconfined`,
        };
      if (!p)
        return {
          outcome: 'fail',
          message: `${label} has no seccomp profile (runs Unconfined unless the kubelet's seccompDefault is on); set securityContext.seccompProfile.type: RuntimeDefault`,
        };
      const where = describeSource(p.source);
      if (p.type === 'RuntimeDefault' || p.type === 'Localhost') {
        const name = p.type === 'Localhost' ? ` ${p.localhostProfile ?? '(no localhostProfile)'}` : '';
        if (p.source === 'container-annotation' || p.source === 'pod-annotation')
          return {
            outcome: 'warn',
            severity: 'low',
            message: `${label} gets seccomp ${p.type}${name} only from a ${where} (deprecated since v1.19; recent Kubernetes versions ignore it); set securityContext.seccompProfile`,
          };
        return { outcome: 'pass', message: `${label} uses seccomp ${p.type}${name} (${where})` };
      }
      return {
        outcome: 'fail',
        message: `${label} has seccomp profile ${p.type} (${where}); use RuntimeDefault or Localhost`,
      };
    },
    'seccomp is Linux-only',
  ),
);
