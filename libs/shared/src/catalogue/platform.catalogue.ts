import type { CheckDefinition } from './types.js';

/** Catalogue entries of the `platform` area, in display order. */
export const PLATFORM_CHECKS: CheckDefinition[] = [];
