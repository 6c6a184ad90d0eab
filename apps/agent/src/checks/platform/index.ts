import type { Check } from '../check.js';
import { fleetHubNoWorkloads } from './fleet-hub-no-workloads.check.js';
import { k8sPatchLevel } from './k8s-patch-level.check.js';
import { k8sVersionSupported } from './k8s-version-supported.check.js';
import { kubeletVersionSkew } from './kubelet-version-skew.check.js';
import { nodeImageAge } from './node-image-age.check.js';
import { nodeRebootRequired } from './node-reboot-required.check.js';
import { aksAutoUpgrade } from './aks-auto-upgrade.check.js';
import { defenderForContainers } from './defender-for-containers.check.js';
import { fleetHubRunCommandDisabled } from './fleet-hub-run-command-disabled.check.js';
import { fleetHubAzureLinuxNodes } from './fleet-hub-azure-linux-nodes.check.js';
import { fleetHubLocalAccountsDisabled } from './fleet-hub-local-accounts-disabled.check.js';

/** Implementations of the `platform` area, in catalogue order. */
export const PLATFORM_IMPLEMENTATIONS: Check[] = [
  k8sVersionSupported,
  k8sPatchLevel,
  kubeletVersionSkew,
  nodeRebootRequired,
  nodeImageAge,
  fleetHubNoWorkloads,
  aksAutoUpgrade,
  defenderForContainers,
  fleetHubRunCommandDisabled,
  fleetHubAzureLinuxNodes,
  fleetHubLocalAccountsDisabled,
];
