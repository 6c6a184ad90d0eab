import type { CheckDefinition } from './types.js';

/** Catalogue entries of the `network` area, in display order. */
export const NETWORK_CHECKS: CheckDefinition[] = [];
