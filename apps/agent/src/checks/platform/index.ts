import type { Check } from '../check.js';
import { fleetHubNoWorkloads } from './fleet-hub-no-workloads.check.js';
import { k8sVersionSupported } from './k8s-version-supported.check.js';
import { kubeletVersionSkew } from './kubelet-version-skew.check.js';
import { nodeImageAge } from './node-image-age.check.js';
import { nodeRebootRequired } from './node-reboot-required.check.js';

/** Implementations of the `platform` area, in catalogue order. */
export const PLATFORM_IMPLEMENTATIONS: Check[] = [
  k8sVersionSupported,
  kubeletVersionSkew,
  nodeRebootRequired,
  nodeImageAge,
  fleetHubNoWorkloads,
];
