import type { Check } from '../check.js';
import { defaultDenyFindings } from './default-deny.js';

/** User namespaces where a new pod accepts connections from unrelated peers. */
export const netpolNamespaceDefaultDenyIngress: Check = {
  id: 'netpol-namespace-default-deny-ingress',
  run: (ctx) => defaultDenyFindings(ctx, 'ingress'),
};
