import type { Check } from '../check.js';
import { perContainerContext, workloadCheck } from './common.js';

/** `securityContext.privileged: true` gives the container every device and capability of the host. */
export const podPrivileged: Check = workloadCheck('pod-privileged', (ctx, sink) =>
  perContainerContext(
    ctx,
    sink,
    (sc, label) =>
      sc.privileged
        ? {
            outcome: 'fail',
            message: `${label} runs privileged (securityContext.privileged: true): it has all host devices and capabilities`,
          }
        : { outcome: 'pass', message: `${label} is not privileged` },
    'Windows has no privileged containers; HostProcess containers are checked by pod-windows-hostprocess',
  ),
);
