import type { CheckDefinition } from './types.js';

/** Catalogue entries of the `workload` area, in display order. */
export const WORKLOAD_CHECKS: CheckDefinition[] = [];
