import { kubeItems } from '@watchpost/shared';
import type { Check } from '../check.js';
import { GMSA_CRD, GMSA_RESOURCES, gmsaScope } from './gmsa.js';

interface CrdVersion {
  name?: string;
  served?: boolean;
  storage?: boolean;
}

export const gmsaCrdInstalled: Check = {
  id: 'gmsa-crd-installed',
  run({ evidence }) {
    const scope = gmsaScope(evidence);
    if (!scope.applicable) return scope.findings;
    const resource = { kind: 'CustomResourceDefinition', name: GMSA_CRD };
    const crds = kubeItems(evidence, GMSA_RESOURCES.crds);
    const specs = kubeItems(evidence, GMSA_RESOURCES.credSpecs);
    if (crds.ok) {
      const crd = crds.items.find((c) => c.metadata.name === GMSA_CRD);
      if (!crd) {
        return [
          {
            outcome: 'fail',
            resource,
            message: `${GMSA_CRD} is not installed, but this cluster has ${scope.why}`,
          },
        ];
      }
      const spec = (crd['spec'] ?? {}) as { versions?: CrdVersion[] };
      const served = (spec.versions ?? []).filter((v) => v.served).map((v) => v.name ?? '?');
      const conditions =
        (crd['status'] as { conditions?: { type?: string; status?: string }[] } | undefined)?.conditions ??
        [];
      const established = conditions.find((c) => c.type === 'Established');
      if (established && established.status !== 'True') {
        return [
          {
            outcome: 'fail',
            resource,
            message: `${GMSA_CRD} exists but is not Established (status ${established.status ?? '?'}): credential specs cannot be served`,
          },
        ];
      }
      if (!served.includes('v1')) {
        return [
          {
            outcome: 'warn',
            resource,
            message: `${GMSA_CRD} serves ${served.join(', ') || 'no version'}, not windows.k8s.io/v1: upgrade the windows-gmsa release (v1alpha1 is gone upstream)`,
          },
        ];
      }
      return [
        {
          outcome: 'pass',
          resource,
          message: `${GMSA_CRD} installed and serving ${served.join(', ')} (${scope.why})`,
        },
      ];
    }
    // Without the CRD list, the credential-spec LIST itself tells: 404 = not installed, a list = installed.
    if (specs.ok)
      return [
        {
          outcome: 'pass',
          resource,
          message: `gmsacredentialspecs are served (${specs.items.length} listed; ${scope.why}); CRD details not collected: ${crds.reason}`,
        },
      ];
    if (specs.notInstalled)
      return [
        {
          outcome: 'fail',
          resource,
          message: `${GMSA_CRD} is not installed, but this cluster has ${scope.why}`,
        },
      ];
    return [
      {
        outcome: 'error',
        resource,
        message: `cannot tell whether ${GMSA_CRD} is installed: ${crds.reason}; ${specs.reason}`,
      },
    ];
  },
};
