import { localAccountsVerdict } from '../access/aks-local-accounts-disabled.check.js';
import type { Check } from '../check.js';

/**
 * The Fleet hub holds the placements for every member cluster: a static admin credential there reaches the
 * whole fleet. Same rule as aks-local-accounts-disabled, at hub severity; the catalogue limits it to hubs.
 */
export const fleetHubLocalAccountsDisabled: Check = {
  id: 'fleet-hub-local-accounts-disabled',
  run: (ctx) => localAccountsVerdict(ctx.evidence, true),
};
