import type { Check } from '../check.js';
import { describeSource, reportedUid, type EffectiveSecurityContext } from '../lib/security-context.js';
import { perContainer, type Verdict, workloadCheck } from './common.js';

/**
 * Root in a container is root on the host once anything escapes the container. Effective settings follow
 * the kubelet's precedence (container over pod). Explicit uid 0, or uid 0 reported by the runtime for a
 * running pod, fails; nothing that forces a non-root user warns, because the image's USER then decides.
 */
export const podRunAsRoot: Check = workloadCheck('pod-run-as-root', (ctx, sink) => {
  // The verdict depends on the effective context, the label and the reported uid only: judged once per
  // distinct triple and shared by every container that has it (findings are read-only), as
  // perContainerContext does, instead of a message built per container.
  const judged = new Map<EffectiveSecurityContext, Map<string, Map<number | undefined, Verdict>>>();
  perContainer(
    ctx,
    sink,
    (c) => {
      const actual = c.src.kind === 'Pod' ? reportedUid(c.src.object, c.container.name) : undefined;
      let byLabel = judged.get(c.sc);
      if (!byLabel) judged.set(c.sc, (byLabel = new Map<string, Map<number | undefined, Verdict>>()));
      let byUid = byLabel.get(c.label);
      if (!byUid) byLabel.set(c.label, (byUid = new Map<number | undefined, Verdict>()));
      let v = byUid.get(actual);
      if (!v) byUid.set(actual, (v = judge(c.sc, c.label, actual)));
      return v;
    },
    'runAsUser/runAsNonRoot are Linux settings; Windows containers use windowsOptions.runAsUserName',
  );
});

function judge(sc: EffectiveSecurityContext, label: string, actual: number | undefined): Verdict {
  const { runAsUser, runAsNonRoot } = sc;
  if (runAsUser?.value === 0)
    return {
      outcome: 'fail',
      message: `${label} runs as root: runAsUser 0 (${describeSource(runAsUser.source)})`,
      evidence: { runAsUser: 0, source: runAsUser.source },
    };
  if (actual === 0)
    return {
      outcome: 'fail',
      message: `${label} runs as root: the runtime reports uid 0 (the image's USER is root and nothing overrides it)`,
      evidence: { uid: 0, source: 'status' },
    };
  if (runAsUser)
    return {
      outcome: 'pass',
      message: `${label} runs as uid ${runAsUser.value} (${describeSource(runAsUser.source)})`,
    };
  if (runAsNonRoot?.value === true)
    return {
      outcome: 'pass',
      message: `${label} has runAsNonRoot: true (${describeSource(runAsNonRoot.source)}); the kubelet refuses to start it as root`,
    };
  const why =
    runAsNonRoot?.value === false
      ? `runAsNonRoot is false (${describeSource(runAsNonRoot.source)}) and no runAsUser is set`
      : 'neither runAsNonRoot: true nor a non-zero runAsUser is set';
  const seen = actual !== undefined ? ` (currently uid ${actual})` : '';
  return {
    outcome: 'warn',
    message: `${label} may run as root: ${why}, so the image's USER decides${seen}`,
  };
}
