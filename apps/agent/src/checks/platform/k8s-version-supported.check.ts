import type { KubernetesSupportDocument, Platform } from '@watchpost/shared';
import type { Check, CheckContext, CheckFinding } from '../check.js';
import {
  SUPPORT_DATA_REFRESH,
  describeSupportData,
  staleSupportData,
  supportDataEvidence,
  supportDataOf,
} from './support-data.js';
import { compareMinor, controlPlaneVersion, minorOf } from './version.js';

type KubernetesSupportData = KubernetesSupportDocument;

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
    message: `Kubernetes ${minor} is newer than every ${what} in the support data (version ${data.dataVersion}, compiled ${data.compiledAt}), so its window is not known; ${SUPPORT_DATA_REFRESH}`,
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
  const ltsEnd = entry?.ltsEndOfLifeMonth;
  const lts = ltsEnd
    ? ` (standard tier; Premium-tier long-term support runs through ${ltsEnd}, which the agent cannot see)`
    : ' (standard tier; no long-term support for this minor)';
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
  const end = entry.endOfLifeDay
    ? new Date(`${entry.endOfLifeDay}T00:00:00Z`)
    : monthEnd(entry.endOfLifeMonth);
  const text = entry.endOfLifeDay
    ? `on ${entry.endOfLifeDay} (support through ${day(new Date(end.getTime() - 1))})`
    : `in ${entry.endOfLifeMonth} (support through ${day(new Date(end.getTime() - 1))})`;
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
      message: `Kubernetes ${minor} is outside the AKS Arc support window: release ${current.release}${current.projected ? ' (projected)' : ''} supports ${list} (N-2)`,
      evidence: { release: current.release, supported: current.minors },
    };
  if (compareMinor(minor, newest) > 0)
    return newerThanData(minor, data, `AKS Arc release (newest known: ${current.release} with ${list})`);
  const age = Math.floor((now.getTime() - monthStart(current.month).getTime()) / DAY);
  const projected = current.projected
    ? ' (a projected release: announced, not confirmed in the sources)'
    : '';
  if (age > data.aksArcStaleAfterDays)
    return {
      outcome: 'warn',
      message: `Kubernetes ${minor} is in the window of AKS Arc release ${current.release}${projected} (${list}), the newest release in the support data; that release is ${age} days old, past the ${data.aksArcStaleAfterDays}-day limit for AKS Arc release data (AKS Arc ships a release every one to three months), so the current window is not known; ${SUPPORT_DATA_REFRESH}`,
      evidence: { release: current.release, supported: current.minors, releaseAgeDays: age },
    };
  const edge =
    minor === oldest ? `; ${minor} is the oldest of the three and leaves with the next new minor` : '';
  return {
    outcome: 'pass',
    message: `Kubernetes ${minor} is supported by AKS Arc release ${current.release}${projected} (${list})${edge}`,
    evidence: { release: current.release, supported: current.minors },
  };
}

/** The verdict for one platform, minor and time; exported for unit tests over the data file. */
export function supportVerdict(
  platform: Platform,
  minor: string,
  now: Date,
  data: KubernetesSupportData,
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

/**
 * The cluster's Kubernetes minor must be inside the supported window of its own platform, judged with the
 * newest support data the agent holds (its message names the data and its age); data past its `maxAgeDays`
 * is a warning of its own.
 */
export const k8sVersionSupported: Check = {
  id: 'k8s-version-supported',
  run: (ctx: CheckContext) => {
    const data = supportDataOf(ctx);
    const resource = { kind: 'Cluster', name: ctx.evidence.cluster.name };
    const cp = controlPlaneVersion(ctx.evidence);
    if (!cp.ok)
      return [{ outcome: 'error', resource, message: cp.error }, ...staleSupportData(data, ctx.now)];
    const minor = minorOf(cp.version);
    const v = supportVerdict(ctx.evidence.cluster.platform, minor, ctx.now, data);
    return [
      {
        ...v,
        resource,
        message: `${cp.version.raw} (${ctx.evidence.cluster.platform}): ${v.message}; judged with ${describeSupportData(data, ctx.now)}`,
        evidence: {
          ...v.evidence,
          version: cp.version.raw,
          versionSource: cp.source,
          platform: ctx.evidence.cluster.platform,
          ...supportDataEvidence(data, ctx.now),
        },
      },
      ...staleSupportData(data, ctx.now),
    ];
  },
};
