import type { Check, CheckFinding } from '../check.js';
import { containers, exempt, workloads } from './common.js';

/**
 * A Windows HostProcess container runs directly on the node as a host process (SYSTEM or a local service
 * account) with the host's network and file system: the Windows equivalent of privileged. Reported per
 * container of Windows pods only; a cluster without Windows pods gets one `not_applicable`.
 */
export const podWindowsHostprocess: Check = {
  id: 'pod-windows-hostprocess',
  run: (ctx) => {
    const { items, errors } = workloads(ctx);
    const out: CheckFinding[] = [...errors];
    for (const c of containers(items.filter((w) => w.os.os === 'windows'))) {
      const hp = c.sc.hostProcess;
      const verdict =
        hp?.value === true
          ? {
              outcome: 'fail' as const,
              message: `${c.label} is a HostProcess container (${hp.source} windowsOptions.hostProcess: true)${c.sc.windowsRunAsUserName ? ` running as ${c.sc.windowsRunAsUserName.value}` : ''}: it has full access to the Windows node`,
            }
          : { outcome: 'pass' as const, message: `${c.label} is an isolated Windows container` };
      out.push({ resource: c.resource, ...exempt(c, verdict) });
    }
    if (out.length === 0)
      out.push({
        outcome: 'not_applicable',
        resource: { kind: 'Cluster', name: ctx.evidence.cluster.name },
        message: 'no Windows pods or workload templates',
      });
    return out;
  },
};
