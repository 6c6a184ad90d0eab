import type { Check } from '../check.js';

/** Implementations of the `platform` area, in catalogue order. */
export const PLATFORM_IMPLEMENTATIONS: Check[] = [];
