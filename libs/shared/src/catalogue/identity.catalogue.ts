import type { CheckDefinition } from './types.js';

/** Catalogue entries of the `identity` area, in display order. */
export const IDENTITY_CHECKS: CheckDefinition[] = [];
