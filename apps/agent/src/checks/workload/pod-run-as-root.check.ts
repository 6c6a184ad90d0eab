import type { Check } from '../check.js';
import { describeSource, reportedUid } from '../lib/security-context.js';
import { perContainer } from './common.js';

/**
 * Root in a container is root on the host once anything escapes the container. Effective settings follow
 * the kubelet's precedence (container over pod). Explicit uid 0, or uid 0 reported by the runtime for a
 * running pod, fails; nothing that forces a non-root user warns, because the image's USER then decides.
 */
export const podRunAsRoot: Check = {
  id: 'pod-run-as-root',
  run: (ctx) =>
    perContainer(
      ctx,
      (c) => {
        const actual = c.src.kind === 'Pod' ? reportedUid(c.src.object, c.container.name) : undefined;
        const { runAsUser, runAsNonRoot } = c.sc;
        if (runAsUser?.value === 0)
          return {
            outcome: 'fail',
            message: `${c.label} runs as root: runAsUser 0 (${describeSource(runAsUser.source)})`,
            evidence: { runAsUser: 0, source: runAsUser.source },
          };
        if (actual === 0)
          return {
            outcome: 'fail',
            message: `${c.label} runs as root: the runtime reports uid 0 (the image's USER is root and nothing overrides it)`,
            evidence: { uid: 0, source: 'status' },
          };
        if (runAsUser)
          return {
            outcome: 'pass',
            message: `${c.label} runs as uid ${runAsUser.value} (${describeSource(runAsUser.source)})`,
          };
        if (runAsNonRoot?.value === true)
          return {
            outcome: 'pass',
            message: `${c.label} has runAsNonRoot: true (${describeSource(runAsNonRoot.source)}); the kubelet refuses to start it as root`,
          };
        const why =
          runAsNonRoot?.value === false
            ? `runAsNonRoot is false (${describeSource(runAsNonRoot.source)}) and no runAsUser is set`
            : 'neither runAsNonRoot: true nor a non-zero runAsUser is set';
        const seen = actual !== undefined ? ` (currently uid ${actual})` : '';
        return {
          outcome: 'warn',
          message: `${c.label} may run as root: ${why}, so the image's USER decides${seen}`,
        };
      },
      'runAsUser/runAsNonRoot are Linux settings; Windows containers use windowsOptions.runAsUserName',
    ),
};
