import type { Check } from '../check.js';

/** Implementations of the `identity` area, in catalogue order. */
export const IDENTITY_IMPLEMENTATIONS: Check[] = [];
