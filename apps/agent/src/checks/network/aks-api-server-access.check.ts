import type { Check } from '../check.js';
import { azAksUpdate, managedClusterRef, readManagedCluster } from '../lib/azure.js';

const OPEN = new Set(['0.0.0.0/0', '0.0.0.0/00', '::/0']);

/**
 * The AKS API server is on the internet unless the cluster is private or authorised IP ranges limit who may
 * connect. Ranges that include `0.0.0.0/0` limit nothing. Private cluster or non-empty ranges without it pass.
 */
export const aksApiServerAccess: Check = {
  id: 'aks-api-server-access',
  run: (ctx) => {
    const mc = readManagedCluster(ctx.evidence);
    if (!mc.ok) return mc.findings;
    const { enablePrivateCluster, authorizedIpRanges } = mc.facts.apiServer;
    const resource = managedClusterRef(ctx.evidence, mc.facts);
    const evidence = {
      enablePrivateCluster: enablePrivateCluster ?? false,
      authorizedIPRanges: authorizedIpRanges,
    };
    if (enablePrivateCluster === true)
      return [
        {
          outcome: 'pass',
          resource,
          message:
            'private cluster: the API server has only a private endpoint in the cluster virtual network',
          evidence,
        },
      ];
    const open = authorizedIpRanges.filter((r) => OPEN.has(r.trim()));
    if (authorizedIpRanges.length && !open.length)
      return [
        {
          outcome: 'pass',
          resource,
          message: `public API server limited to ${authorizedIpRanges.length} authorised IP range${authorizedIpRanges.length > 1 ? 's' : ''} (${authorizedIpRanges.slice(0, 5).join(', ')}${authorizedIpRanges.length > 5 ? ', ...' : ''})`,
          evidence,
        },
      ];
    return [
      {
        outcome: 'fail',
        resource,
        message: `${open.length ? `authorised IP ranges include ${open.join(', ')}, which allows every address` : 'public API server without authorised IP ranges'}: anyone on the internet can reach it; run \`${azAksUpdate(ctx.evidence, '--api-server-authorized-ip-ranges <your-cidrs>')}\` or use a private cluster`,
        evidence,
      },
    ];
  },
};
