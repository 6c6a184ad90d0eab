import type { Check } from '../check.js';
import { netpolFelixConfiguration } from './netpol-felix-configuration.check.js';
import { netpolGlobalPolicyAllNamespaces } from './netpol-global-policy-all-namespaces.check.js';
import { netpolImdsEgress } from './netpol-imds-egress.check.js';
import { netpolKubeSystemExposure } from './netpol-kube-system-exposure.check.js';
import { netpolNamespaceDefaultDenyEgress } from './netpol-namespace-default-deny-egress.check.js';
import { netpolNamespaceDefaultDenyIngress } from './netpol-namespace-default-deny-ingress.check.js';
import { netpolPodNotIsolated } from './netpol-pod-not-isolated.check.js';
import { netpolPolicySelectsNothing } from './netpol-policy-selects-nothing.check.js';
import { aksApiServerAccess } from './aks-api-server-access.check.js';

/** Implementations of the `network` area, in catalogue order. */
export const NETWORK_IMPLEMENTATIONS: Check[] = [
  netpolImdsEgress,
  netpolNamespaceDefaultDenyIngress,
  netpolNamespaceDefaultDenyEgress,
  netpolPodNotIsolated,
  netpolPolicySelectsNothing,
  netpolGlobalPolicyAllNamespaces,
  netpolKubeSystemExposure,
  netpolFelixConfiguration,
  aksApiServerAccess,
];
