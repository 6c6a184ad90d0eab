/**
 * Where a pending reboot shows. Data, so a new kured release or distribution convention is one line.
 * Sources: Debian/Ubuntu `update-notifier-common` (`/var/run/reboot-required` and `.pkgs`), kured
 * (https://kured.dev/docs/configuration/): sentinel file `--reboot-sentinel` (default
 * `/var/run/reboot-required`), node lock annotation on its DaemonSet, and with `--annotate-nodes` the
 * reboot-in-progress / most-recent-reboot-needed annotations on nodes. kured moved its annotations from the
 * `weave.works/` prefix to `kured.dev/`; both are read.
 */
export const REBOOT_SENTINEL_PATHS: readonly string[] = ['/var/run/reboot-required', '/run/reboot-required'];

/** kured's annotation on its own DaemonSet naming the node that holds the reboot lock (JSON `{nodeID, created}`). */
export const KURED_LOCK_ANNOTATIONS: readonly string[] = [
  'kured.dev/kured-node-lock',
  'weave.works/kured-node-lock',
];

/** Node annotation kured sets (timestamp) while it drains and reboots the node. */
export const KURED_IN_PROGRESS_ANNOTATIONS: readonly string[] = [
  'kured.dev/kured-reboot-in-progress',
  'weave.works/kured-reboot-in-progress',
];

/** Node annotation kured sets (timestamp) when it last found the node needing a reboot; history, not pending. */
export const KURED_LAST_NEEDED_ANNOTATIONS: readonly string[] = [
  'kured.dev/kured-most-recent-reboot-needed',
  'weave.works/kured-most-recent-reboot-needed',
];

/** How kured is recognised: its DaemonSet's name or a container image. */
export const KURED_IMAGE_PATTERN = /(^|\/)kured(:|@|$)/;

/** A reboot kured holds the lock for longer than this is reported as stuck. */
export const KURED_STUCK_AFTER_HOURS = 2;
