import type { Check } from '../check.js';
import { defaultDenyFindings } from './default-deny.js';

/** User namespaces where a new pod may open connections to unrelated peers. */
export const netpolNamespaceDefaultDenyEgress: Check = {
  id: 'netpol-namespace-default-deny-egress',
  run: (ctx) => defaultDenyFindings(ctx, 'egress'),
};
