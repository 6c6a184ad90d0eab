import type { Check } from '../check.js';
import { describeSource } from '../lib/security-context.js';
import { perContainerContext, workloadCheck } from './common.js';

/**
 * AppArmor confines what files, mounts and capabilities a container may use. With no profile set the
 * container runtime applies its default profile on AppArmor-enabled nodes (containerd and CRI-O both do),
 * so only an effective `Unconfined` (explicit, or privileged, which the runtime never confines) fails.
 * Container field, then the per-container annotation, then the pod field decide.
 */
export const podApparmorProfile: Check = workloadCheck('pod-apparmor-profile', (ctx, sink) =>
  perContainerContext(
    ctx,
    sink,
    (sc, label) => {
      const p = sc.appArmor;
      if (sc.privileged)
        return {
          outcome: 'fail',
          message: `${label} is privileged, so the runtime runs it without AppArmor confinement`,
        };
      if (!p)
        return {
          outcome: 'pass',
          message: `${label} sets no AppArmor profile: the runtime's default profile applies on AppArmor-enabled nodes`,
        };
      const where = describeSource(p.source);
      if (p.type === 'Unconfined')
        return { outcome: 'fail', message: `${label} runs AppArmor Unconfined (${where})` };
      if (p.type === 'RuntimeDefault' || p.type === 'Localhost')
        return {
          outcome: 'pass',
          message: `${label} uses AppArmor ${p.type}${p.localhostProfile ? ` ${p.localhostProfile}` : ''} (${where})`,
        };
      return {
        outcome: 'fail',
        message: `${label} has an unknown AppArmor profile "${p.type}" (${where})`,
      };
    },
    'AppArmor is Linux-only',
  ),
);
