import type { Check } from '../check.js';
import { namespacePodSecurityLabels } from './namespace-pod-security-labels.check.js';
import { podAddedCapabilities } from './pod-added-capabilities.check.js';
import { podApparmorProfile } from './pod-apparmor-profile.check.js';
import { podHostNamespaces } from './pod-host-namespaces.check.js';
import { podHostPath } from './pod-host-path.check.js';
import { podPrivilegeEscalation } from './pod-privilege-escalation.check.js';
import { podPrivileged } from './pod-privileged.check.js';
import { podRunAsRoot } from './pod-run-as-root.check.js';
import { podSecurityLevelCheck } from './pod-security-level.check.js';
import { podSeccompProfile } from './pod-seccomp-profile.check.js';
import { podWindowsHostprocess } from './pod-windows-hostprocess.check.js';
import { azurePolicyAddon } from './azure-policy-addon.check.js';
import { imageSignatureVerification } from './image-signature-verification.check.js';
import { imageProvenance } from './image-provenance.check.js';

/** Implementations of the `workload` area, in catalogue order. */
export const WORKLOAD_IMPLEMENTATIONS: Check[] = [
  podPrivileged,
  podPrivilegeEscalation,
  podRunAsRoot,
  podHostNamespaces,
  podHostPath,
  podAddedCapabilities,
  podSeccompProfile,
  podApparmorProfile,
  podWindowsHostprocess,
  namespacePodSecurityLabels,
  podSecurityLevelCheck,
  azurePolicyAddon,
  imageSignatureVerification,
  imageProvenance,
];
