import { CATALOGUE } from '@watchpost/shared';
import { ACCESS_IMPLEMENTATIONS } from './access/index.js';
import { CERTIFICATES_IMPLEMENTATIONS } from './certificates/index.js';
import type { Check, RegisteredCheck } from './check.js';
import { ENCRYPTION_IMPLEMENTATIONS } from './encryption/index.js';
import { IDENTITY_IMPLEMENTATIONS } from './identity/index.js';
import { NETWORK_IMPLEMENTATIONS } from './network/index.js';
import { PLATFORM_IMPLEMENTATIONS } from './platform/index.js';
import { WORKLOAD_IMPLEMENTATIONS } from './workload/index.js';

/** Every implementation, one explicit list; `registry.spec.ts` proves it matches the catalogue one to one. */
export const IMPLEMENTATIONS: readonly Check[] = [
  ...CERTIFICATES_IMPLEMENTATIONS,
  ...ENCRYPTION_IMPLEMENTATIONS,
  ...NETWORK_IMPLEMENTATIONS,
  ...IDENTITY_IMPLEMENTATIONS,
  ...ACCESS_IMPLEMENTATIONS,
  ...WORKLOAD_IMPLEMENTATIONS,
  ...PLATFORM_IMPLEMENTATIONS,
];

/** Catalogue order, each entry with its implementation. Throws at start-up if the two disagree. */
export function registeredChecks(): RegisteredCheck[] {
  const impl = new Map(IMPLEMENTATIONS.map((c) => [c.id, c]));
  const out: RegisteredCheck[] = [];
  for (const definition of CATALOGUE) {
    if (definition.deprecated) continue;
    const check = impl.get(definition.id);
    if (!check)
      throw new Error(`catalogue entry "${definition.id}" has no implementation in apps/agent/src/checks`);
    out.push({ definition, check });
  }
  return out;
}
