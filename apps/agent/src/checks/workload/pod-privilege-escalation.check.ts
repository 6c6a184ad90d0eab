import type { Check } from '../check.js';
import { perContainer } from './common.js';

/**
 * `allowPrivilegeEscalation` must be explicitly false: unset means the kernel's `no_new_privs` flag is not
 * set and setuid binaries in the image can gain privileges (Pod Security Standards "restricted").
 */
export const podPrivilegeEscalation: Check = {
  id: 'pod-privilege-escalation',
  run: (ctx) =>
    perContainer(
      ctx,
      (c) => {
        if (c.sc.privileged)
          return {
            outcome: 'fail',
            message: `${c.label} is privileged, which always allows privilege escalation`,
          };
        if (c.sc.allowPrivilegeEscalation === false)
          return { outcome: 'pass', message: `${c.label} sets allowPrivilegeEscalation: false` };
        if (c.sc.allowPrivilegeEscalation === true)
          return { outcome: 'fail', message: `${c.label} sets allowPrivilegeEscalation: true` };
        return {
          outcome: 'fail',
          message: `${c.label} does not set allowPrivilegeEscalation (it defaults to true); set it to false`,
        };
      },
      'allowPrivilegeEscalation is a Linux setting',
    ),
};
