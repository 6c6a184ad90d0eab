import type { CheckDefinition } from './types.js';

/** Catalogue entries of the `encryption` area, in display order. */
export const ENCRYPTION_CHECKS: CheckDefinition[] = [];
