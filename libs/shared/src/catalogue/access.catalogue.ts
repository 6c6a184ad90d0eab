import type { CheckDefinition } from './types.js';

/** Catalogue entries of the `access` area, in display order. */
export const ACCESS_CHECKS: CheckDefinition[] = [];
