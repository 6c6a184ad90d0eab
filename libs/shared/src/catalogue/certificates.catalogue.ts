import type { CheckDefinition } from './types.js';

/** Catalogue entries of the `certificates` area, in display order. */
export const CERTIFICATES_CHECKS: CheckDefinition[] = [];
