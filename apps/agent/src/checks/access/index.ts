import type { Check } from '../check.js';

/** Implementations of the `access` area, in catalogue order. */
export const ACCESS_IMPLEMENTATIONS: Check[] = [];
