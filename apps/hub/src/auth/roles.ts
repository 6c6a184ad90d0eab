/** API roles, least privileged first: each role may do everything the ones before it may. */
export const API_ROLES = ['viewer', 'operator', 'admin'] as const;
/** One API role. */
export type ApiRole = (typeof API_ROLES)[number];

/** True when `held` is at least `required` (viewer < operator < admin). */
export function roleSatisfies(held: ApiRole, required: ApiRole): boolean {
  return API_ROLES.indexOf(held) >= API_ROLES.indexOf(required);
}

/** Narrows user input to a role, or null. */
export function parseRole(value: unknown): ApiRole | null {
  return typeof value === 'string' && (API_ROLES as readonly string[]).includes(value)
    ? (value as ApiRole)
    : null;
}
