import type { Check } from '../check.js';
import { perContainerContext, workloadCheck } from './common.js';

/**
 * `allowPrivilegeEscalation` must be explicitly false: unset means the kernel's `no_new_privs` flag is not
 * set and setuid binaries in the image can gain privileges (Pod Security Standards "restricted").
 */
export const podPrivilegeEscalation: Check = workloadCheck('pod-privilege-escalation', (ctx, sink) =>
  perContainerContext(
    ctx,
    sink,
    (sc, label) => {
      if (sc.privileged)
        return {
          outcome: 'fail',
          message: `${label} is privileged, which always allows privilege escalation`,
        };
      if (sc.allowPrivilegeEscalation === false)
        return { outcome: 'pass', message: `${label} sets allowPrivilegeEscalation: false` };
      if (sc.allowPrivilegeEscalation === true)
        return { outcome: 'fail', message: `${label} sets allowPrivilegeEscalation: true` };
      return {
        outcome: 'fail',
        message: `${label} does not set allowPrivilegeEscalation (it defaults to true); set it to false`,
      };
    },
    'allowPrivilegeEscalation is a Linux setting',
  ),
);
