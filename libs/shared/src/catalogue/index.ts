import { ACCESS_CHECKS } from './access.catalogue.js';
import { ANNOTATION_EXEMPTABLE_CHECKS } from './annotation-exemptions.js';
import { CERTIFICATES_CHECKS } from './certificates.catalogue.js';
import { ENCRYPTION_CHECKS } from './encryption.catalogue.js';
import { IDENTITY_CHECKS } from './identity.catalogue.js';
import { NETWORK_CHECKS } from './network.catalogue.js';
import { PLATFORM_CHECKS } from './platform.catalogue.js';
import type { CheckDefinition } from './types.js';
import { WORKLOAD_CHECKS } from './workload.catalogue.js';

export * from './types.js';
export { ANNOTATION_EXEMPTABLE_CHECKS } from './annotation-exemptions.js';

/** The whole catalogue, in one explicit order: area by area as in AREAS, then as each area lists them. */
export const CATALOGUE: readonly CheckDefinition[] = [
  ...CERTIFICATES_CHECKS,
  ...ENCRYPTION_CHECKS,
  ...NETWORK_CHECKS,
  ...IDENTITY_CHECKS,
  ...ACCESS_CHECKS,
  ...WORKLOAD_CHECKS,
  ...PLATFORM_CHECKS,
];

const byId = new Map(CATALOGUE.map((c) => [c.id, c]));

/** Catalogue entry by id, or undefined. */
export function catalogueEntry(id: string): CheckDefinition | undefined {
  return byId.get(id);
}

const annotationExemptable = new Set(ANNOTATION_EXEMPTABLE_CHECKS);

/** Whether a `watchpost.io/exempt` annotation may exempt this check (ANNOTATION_EXEMPTABLE_CHECKS; unknown ids: false). */
export function exemptableByAnnotation(id: string): boolean {
  return byId.has(id) && annotationExemptable.has(id);
}
