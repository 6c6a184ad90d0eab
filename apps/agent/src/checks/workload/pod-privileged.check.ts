import type { Check } from '../check.js';
import { perContainer } from './common.js';

/** `securityContext.privileged: true` gives the container every device and capability of the host. */
export const podPrivileged: Check = {
  id: 'pod-privileged',
  run: (ctx) =>
    perContainer(
      ctx,
      (c) =>
        c.sc.privileged
          ? {
              outcome: 'fail',
              message: `${c.label} runs privileged (securityContext.privileged: true): it has all host devices and capabilities`,
            }
          : { outcome: 'pass', message: `${c.label} is not privileged` },
      'Windows has no privileged containers; HostProcess containers are checked by pod-windows-hostprocess',
    ),
};
