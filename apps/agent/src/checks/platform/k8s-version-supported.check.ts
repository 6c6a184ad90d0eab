import type { Platform } from '@watchpost/shared';
import type { Check, CheckContext, CheckFinding } from '../check.js';
import { KUBERNETES_SUPPORT, type KubernetesSupportData } from './data/kubernetes-support.js';
import { compareMinor, controlPlaneVersion, minorOf } from './version.js';

const DAY = 86_400_000;

/** First instant of a `YYYY-MM` month. */
function monthStart(month: string): Date {
  return new Date(`${month}-01T00:00:00Z`);
}

/** First instant after a `YYYY-MM` month (support runs through its last day). */
function monthEnd(month: string): Date {
  const d = monthStart(month);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
}

function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}

type Verdict = Omit<CheckFinding, 'resource'>;

/**
 * A window with an end: pass, warn `warnBeforeEndDays` before it ends, fail after. `end` is the first
 * unsupported instant; `endText` is how the source states it (an EOL day, or the last day of an EOL month).
 */
function byEndDate(
  minor: string,
  end: Date,
  endText: string,
  now: Date,
  data: KubernetesSupportData,
  label: string,
  note: string,
  projected: boolean,
): Verdict {
  const left = Math.ceil((end.getTime() - now.getTime()) / DAY);
  const proj = projected ? ' (projected date; refresh the support data)' : '';
  if (left <= 0)
    return { outcome: 'fail', message: `Kubernetes ${minor} is past its ${label} ${endText}${proj}${note}` };
  if (left <= data.warnBeforeEndDays)
    return {
      outcome: 'warn',
      message: `Kubernetes ${minor}: ${label} ${endText}, in ${left} days${proj}; plan the upgrade${note}`,
    };
  return { outcome: 'pass', message: `Kubernetes ${minor} is supported; ${label} ${endText}${proj}${note}` };
}

function newerThanData(minor: string, data: KubernetesSupportData, what: string): Verdict {
  return {
    outcome: 'warn',
    message: `Kubernetes ${minor} is newer than every ${what} in the support data (version ${data.dataVersion}, compiled ${data.compiledAt}); update the agent to judge it`,
  };
}

function upstream(minor: string, now: Date, data: KubernetesSupportData, note = ''): Verdict {
  const entry = data.upstream.find((e) => e.minor === minor);
  const known = data.upstream.map((e) => e.minor).sort(compareMinor);
  if (!entry) {
    if (compareMinor(minor, known[known.length - 1]) > 0)
      return newerThanData(minor, data, 'upstream release');
    return {
      outcome: 'fail',
      message: `Kubernetes ${minor} is older than ${known[0]}, out of upstream support for years${note}`,
    };
  }
  const end = new Date(`${entry.endOfLife}T00:00:00Z`);
  return byEndDate(
    minor,
    end,
    `on ${entry.endOfLife}`,
    now,
    data,
    'upstream end of life',
    note,
    !!entry.projected,
  );
}

function aks(minor: string, now: Date, data: KubernetesSupportData): Verdict {
  const entry = data.aks.find((e) => e.minor === minor);
  const known = data.aks.map((e) => e.minor).sort(compareMinor);
  const lts = ' (standard tier; Premium-tier long-term support extends it, which the agent cannot see)';
  if (!entry) {
    if (compareMinor(minor, known[known.length - 1]) > 0) return newerThanData(minor, data, 'AKS minor');
    return {
      outcome: 'fail',
      message: `Kubernetes ${minor} is older than ${known[0]}, long out of AKS support${lts}`,
    };
  }
  if (now < monthStart(entry.gaMonth))
    return {
      outcome: 'warn',
      message: `Kubernetes ${minor} is in preview on AKS until ${entry.gaMonth}${entry.projected ? ' (projected)' : ''}: previews are not supported for production`,
    };
  const end = monthEnd(entry.endOfLifeMonth);
  const text = `in ${entry.endOfLifeMonth} (support through ${day(new Date(end.getTime() - 1))})`;
  return byEndDate(minor, end, text, now, data, 'AKS end of life', lts, !!entry.projected);
}

function aksArc(minor: string, now: Date, data: KubernetesSupportData): Verdict {
  const released = data.aksArc
    .filter((r) => monthStart(r.month) <= now)
    .sort((a, b) => a.month.localeCompare(b.month));
  const current = released[released.length - 1];
  if (!current)
    return upstream(
      minor,
      now,
      data,
      ' (no AKS Arc release in the support data is older than the evaluation time; judged by the upstream calendar)',
    );
  const minors = [...current.minors].sort(compareMinor);
  const list = [...minors].reverse().join(', ');
  const oldest = minors[0];
  const newest = minors[minors.length - 1];
  if (compareMinor(minor, oldest) < 0)
    return {
      outcome: 'fail',
      message: `Kubernetes ${minor} is outside the AKS Arc support window: release ${current.release} supports ${list} (N-2)`,
      evidence: { release: current.release, supported: current.minors },
    };
  if (compareMinor(minor, newest) > 0)
    return newerThanData(minor, data, `AKS Arc release (newest known: ${current.release} with ${list})`);
  const age = Math.floor((now.getTime() - monthStart(current.month).getTime()) / DAY);
  if (age > data.aksArcStaleAfterDays)
    return {
      outcome: 'warn',
      message: `Kubernetes ${minor} was supported in AKS Arc release ${current.release} (${list}), but that release is ${age} days old and newer releases have likely dropped ${oldest}; refresh the support data (version ${data.dataVersion}) to be sure`,
      evidence: { release: current.release, supported: current.minors },
    };
  const edge =
    minor === oldest ? `; ${minor} is the oldest of the three and leaves with the next new minor` : '';
  return {
    outcome: 'pass',
    message: `Kubernetes ${minor} is supported by AKS Arc release ${current.release} (${list})${edge}`,
    evidence: { release: current.release, supported: current.minors },
  };
}

/** The verdict for one platform, minor and time; exported for unit tests over the data file. */
export function supportVerdict(
  platform: Platform,
  minor: string,
  now: Date,
  data = KUBERNETES_SUPPORT,
): Verdict {
  switch (platform) {
    case 'aks-hci':
      return aksArc(minor, now, data);
    case 'aks':
      return aks(minor, now, data);
    case 'arc':
    case 'other':
      return upstream(minor, now, data);
  }
}

/** The cluster's Kubernetes minor must be inside the supported window of its own platform. */
export const k8sVersionSupported: Check = {
  id: 'k8s-version-supported',
  run: (ctx: CheckContext) => {
    const resource = { kind: 'Cluster', name: ctx.evidence.cluster.name };
    const cp = controlPlaneVersion(ctx.evidence);
    if (!cp.ok) return [{ outcome: 'error', resource, message: cp.error }];
    const minor = minorOf(cp.version);
    const v = supportVerdict(ctx.evidence.cluster.platform, minor, ctx.now);
    return [
      {
        ...v,
        resource,
        message: `${cp.version.raw} (${ctx.evidence.cluster.platform}): ${v.message}`,
        evidence: {
          ...v.evidence,
          version: cp.version.raw,
          versionSource: cp.source,
          platform: ctx.evidence.cluster.platform,
          supportDataVersion: KUBERNETES_SUPPORT.dataVersion,
        },
      },
    ];
  },
};
