import type { Check } from '../check.js';
import { containers, perWorkload, type Verdict, workloadCheck } from './common.js';

const HOST_NAMESPACES = ['hostNetwork', 'hostPID', 'hostIPC'] as const;

/** Shared by every workload that passes (findings are read-only): no verdict or list built per workload. */
const OWN_NAMESPACES: Verdict = { outcome: 'pass', message: 'uses its own network, PID and IPC namespaces' };

/** hostNetwork, hostPID and hostIPC let a pod see and talk to everything on the node. */
export const podHostNamespaces: Check = workloadCheck('pod-host-namespaces', (ctx, sink) =>
  perWorkload(ctx, sink, (w) => {
    const spec = w.src.spec;
    if (spec.hostNetwork !== true && spec.hostPID !== true && spec.hostIPC !== true) return OWN_NAMESPACES;
    const shared = HOST_NAMESPACES.filter((k) => spec[k] === true);
    if (containers([w]).some((c) => c.sc.hostProcess?.value === true))
      return {
        outcome: 'not_applicable',
        message: `Windows HostProcess pod (${shared.join(', ')}): HostProcess pods must use the host network; see pod-windows-hostprocess`,
      };
    const names = [...(spec.containers ?? [])].map((c) => `"${c.name}"`).join(', ');
    return {
      outcome: 'fail',
      message: `shares the node's ${shared.join(', ')} (containers ${names})`,
      evidence: Object.fromEntries(shared.map((k) => [k, true])),
    };
  }),
);
