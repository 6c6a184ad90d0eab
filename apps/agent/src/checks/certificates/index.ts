import type { Check } from '../check.js';

/** Implementations of the `certificates` area, in catalogue order. */
export const CERTIFICATES_IMPLEMENTATIONS: Check[] = [];
