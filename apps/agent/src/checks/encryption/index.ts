import type { Check } from '../check.js';

/** Implementations of the `encryption` area, in catalogue order. */
export const ENCRYPTION_IMPLEMENTATIONS: Check[] = [];
