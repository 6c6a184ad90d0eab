import type { Check } from '../check.js';
import { containers, perWorkload } from './common.js';

/** hostNetwork, hostPID and hostIPC let a pod see and talk to everything on the node. */
export const podHostNamespaces: Check = {
  id: 'pod-host-namespaces',
  run: (ctx) =>
    perWorkload(ctx, (w) => {
      const shared = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((k) => w.src.spec[k] === true);
      if (shared.length === 0)
        return { outcome: 'pass', message: 'uses its own network, PID and IPC namespaces' };
      if (containers([w]).some((c) => c.sc.hostProcess?.value === true))
        return {
          outcome: 'not_applicable',
          message: `Windows HostProcess pod (${shared.join(', ')}): HostProcess pods must use the host network; see pod-windows-hostprocess`,
        };
      const names = [...(w.src.spec.containers ?? [])].map((c) => `"${c.name}"`).join(', ');
      return {
        outcome: 'fail',
        message: `shares the node's ${shared.join(', ')} (containers ${names})`,
        evidence: Object.fromEntries(shared.map((k) => [k, true])),
      };
    }),
};
