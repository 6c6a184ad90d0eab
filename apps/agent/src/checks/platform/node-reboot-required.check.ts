import { kubeItems, type KubeObject } from '@watchpost/shared';
import type { Check, CheckFinding } from '../check.js';
import {
  KURED_IMAGE_PATTERN,
  KURED_IN_PROGRESS_ANNOTATIONS,
  KURED_LAST_NEEDED_ANNOTATIONS,
  KURED_LOCK_ANNOTATIONS,
  KURED_STUCK_AFTER_HOURS,
  REBOOT_SENTINEL_PATHS,
} from './data/reboot-signals.js';

const HOUR = 3_600_000;

function firstAnnotation(
  obj: KubeObject,
  keys: readonly string[],
): { key: string; value: string } | undefined {
  for (const key of keys) {
    const value = obj.metadata.annotations?.[key];
    if (value !== undefined) return { key, value };
  }
  return undefined;
}

function isKured(ds: KubeObject): boolean {
  if (ds.metadata.name === 'kured') return true;
  const spec = ds['spec'] as { template?: { spec?: { containers?: { image?: string }[] } } } | undefined;
  return (spec?.template?.spec?.containers ?? []).some(
    (c) => typeof c.image === 'string' && KURED_IMAGE_PATTERN.test(c.image),
  );
}

/** `--reboot-sentinel=/path` or `--reboot-sentinel /path` from kured's container args. */
function kuredSentinels(ds: KubeObject): string[] {
  const spec = ds['spec'] as
    { template?: { spec?: { containers?: { command?: string[]; args?: string[] }[] } } } | undefined;
  const out: string[] = [];
  for (const c of spec?.template?.spec?.containers ?? []) {
    const argv = [...(c.command ?? []), ...(c.args ?? [])];
    argv.forEach((a, i) => {
      if (a.startsWith('--reboot-sentinel=')) out.push(a.slice('--reboot-sentinel='.length));
      else if (a === '--reboot-sentinel' && argv[i + 1]) out.push(argv[i + 1]);
    });
  }
  return out;
}

function hoursSince(ts: string, now: Date): number | undefined {
  const t = Date.parse(ts);
  return Number.isNaN(t) ? undefined : (now.getTime() - t) / HOUR;
}

/**
 * A node that installed patches but has not rebooted still runs the old kernel and libraries. Signals: the
 * reboot-required flag file on the host the agent runs on (and kured's configured sentinel), and kured's lock
 * and node annotations in the cluster. With neither host files nor kured there is nothing to judge: `error`.
 */
export const nodeRebootRequired: Check = {
  id: 'node-reboot-required',
  run: (ctx) => {
    const { evidence, now } = ctx;
    const out: CheckFinding[] = [];
    const cluster = { kind: 'Cluster', name: evidence.cluster.name };

    const daemonsets = kubeItems(evidence, 'daemonsets.apps');
    const kured = daemonsets.ok ? daemonsets.items.filter(isKured) : [];
    const sentinels = [...new Set([...REBOOT_SENTINEL_PATHS, ...kured.flatMap(kuredSentinels)])];

    // Host: the VM the agent runs on (or the host files copied into a bundle).
    const hostCollected = Object.keys(evidence.host).length > 0;
    if (hostCollected) {
      const flagged = sentinels.map((p) => evidence.host[p]).filter((f) => f !== undefined);
      const readable = flagged.filter((f) => !f.error);
      if (readable.length) {
        const f = readable[0];
        const pkgs = evidence.host[`${f.path}.pkgs`]?.content
          ?.split('\n')
          .map((l) => l.trim())
          .filter(Boolean);
        const list = pkgs?.length
          ? `: ${pkgs.slice(0, 8).join(', ')}${pkgs.length > 8 ? ` and ${pkgs.length - 8} more` : ''}`
          : '';
        out.push({
          outcome: 'warn',
          resource: { kind: 'Host', path: f.path },
          message: `${f.path} exists: patches are installed but the host has not rebooted into them${list}`,
          evidence: { path: f.path, packages: pkgs ?? [] },
        });
      } else if (flagged.length) {
        out.push({
          outcome: 'error',
          resource: { kind: 'Host', path: flagged[0].path },
          message: `cannot read ${flagged[0].path}: ${flagged[0].error ?? ''}`,
        });
      } else {
        out.push({
          outcome: 'pass',
          resource: { kind: 'Host', path: REBOOT_SENTINEL_PATHS[0] },
          message: `no reboot-required flag on this host (${sentinels.join(', ')}); Debian/Ubuntu write it, Azure Linux/Mariner hosts rely on kured or image updates`,
        });
      }
    }

    // Cluster: kured's lock and node annotations.
    if (kured.length) {
      const nodes = kubeItems(evidence, 'nodes');
      if (!nodes.ok) {
        out.push({
          outcome: 'error',
          resource: cluster,
          message: `kured is installed but nodes cannot be read: ${nodes.reason}`,
        });
        return out;
      }
      let lockNode: string | undefined;
      let lockAge: number | undefined;
      for (const ds of kured) {
        const lock = firstAnnotation(ds, KURED_LOCK_ANNOTATIONS);
        if (!lock) continue;
        try {
          const parsed = JSON.parse(lock.value) as { nodeID?: unknown; created?: unknown };
          if (typeof parsed.nodeID === 'string' && parsed.nodeID) {
            lockNode = parsed.nodeID;
            if (typeof parsed.created === 'string') lockAge = hoursSince(parsed.created, now);
          }
        } catch {
          out.push({
            outcome: 'error',
            resource: { kind: 'DaemonSet', namespace: ds.metadata.namespace, name: ds.metadata.name },
            message: `${lock.key} is not JSON`,
          });
        }
      }
      for (const node of nodes.items) {
        const resource = { kind: 'Node', name: node.metadata.name };
        const inProgress = firstAnnotation(node, KURED_IN_PROGRESS_ANNOTATIONS);
        const holdsLock = lockNode === node.metadata.name;
        if (inProgress || holdsLock) {
          const since = inProgress?.value;
          const hours = since ? hoursSince(since, now) : lockAge;
          const stuck = hours !== undefined && hours > KURED_STUCK_AFTER_HOURS;
          const age = hours !== undefined ? ` for ${hours.toFixed(1)} h` : '';
          out.push({
            outcome: 'warn',
            ...(stuck ? { severity: 'high' as const } : {}),
            resource,
            message: stuck
              ? `kured has been rebooting this node${age} (${inProgress ? inProgress.key : 'node lock'}): the reboot looks stuck; check the drain and kured's logs`
              : `kured is rebooting this node to apply patches${age} (${inProgress ? inProgress.key : 'node lock'})`,
            evidence: { annotation: inProgress?.key, since, holdsLock },
          });
          continue;
        }
        const last = firstAnnotation(node, KURED_LAST_NEEDED_ANNOTATIONS);
        out.push({
          outcome: 'pass',
          resource,
          message: `kured is not rebooting this node${last ? ` (last patch reboot ${last.value})` : ''}`,
        });
      }
    }

    if (out.length === 0) {
      out.push({
        outcome: 'error',
        resource: cluster,
        message: daemonsets.ok
          ? 'no reboot signal to read: no host files were collected (run the agent as the node DaemonSet) and kured is not installed'
          : `no host files were collected and daemonsets cannot be read to look for kured: ${daemonsets.reason}`,
      });
    }
    return out;
  },
};
