import type { Check } from '../check.js';
import { perContainerContext, workloadCheck } from './common.js';
import { CAPABILITIES_ALLOWED_1_0 } from './pss/policy.js';

/**
 * Capabilities the Pod Security Standards "baseline" profile still allows to be added (the container
 * runtime's default set). Adding one of these only warns; `NET_BIND_SERVICE` is allowed even by
 * "restricted" and passes; anything else (SYS_ADMIN, NET_ADMIN, NET_RAW, SYS_PTRACE, BPF, ALL, ...) fails.
 * The list is the PSA policy's own (pss/policy.ts), so the two checks never disagree.
 */
export const BASELINE_CAPABILITIES: readonly string[] = [...CAPABILITIES_ALLOWED_1_0];
/** The one capability the "restricted" profile allows to be added. */
export const RESTRICTED_CAPABILITIES: readonly string[] = ['NET_BIND_SERVICE'];

/** `CAP_SYS_ADMIN`, `sys_admin` and `SYS_ADMIN` are the same capability to the runtime. */
export function normaliseCapability(cap: string): string {
  const up = cap.trim().toUpperCase();
  return up.startsWith('CAP_') ? up.slice(4) : up;
}

/** Added Linux capabilities widen what a process can do to the kernel and the node. */
export const podAddedCapabilities: Check = workloadCheck('pod-added-capabilities', (ctx, sink) =>
  perContainerContext(
    ctx,
    sink,
    (sc, label) => {
      const added = sc.capabilitiesAdd.map(normaliseCapability);
      if (added.length === 0) return { outcome: 'pass', message: `${label} adds no capabilities` };
      const dangerous = added.filter((cap) => !BASELINE_CAPABILITIES.includes(cap));
      const beyondRestricted = added.filter((cap) => !RESTRICTED_CAPABILITIES.includes(cap));
      const evidence = { added };
      if (dangerous.length)
        return {
          outcome: 'fail',
          message: `${label} adds ${dangerous.join(', ')}${added.length > dangerous.length ? ` (and ${added.filter((x) => !dangerous.includes(x)).join(', ')})` : ''}`,
          evidence,
        };
      if (beyondRestricted.length)
        return {
          outcome: 'warn',
          severity: 'medium',
          message: `${label} adds ${beyondRestricted.join(', ')} (allowed by the baseline profile, not by restricted)`,
          evidence,
        };
      return {
        outcome: 'pass',
        message: `${label} adds only ${added.join(', ')} (allowed by the restricted profile)`,
      };
    },
    'Linux capabilities do not apply to Windows containers',
  ),
);
