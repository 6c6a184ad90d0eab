import type { Check } from '../check.js';

/** Implementations of the `workload` area, in catalogue order. */
export const WORKLOAD_IMPLEMENTATIONS: Check[] = [];
