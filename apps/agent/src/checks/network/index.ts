import type { Check } from '../check.js';

/** Implementations of the `network` area, in catalogue order. */
export const NETWORK_IMPLEMENTATIONS: Check[] = [];
