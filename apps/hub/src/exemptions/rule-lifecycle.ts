import { HttpStatus } from '@nestjs/common';
import type { EntityManager, EntityTarget, FindOptionsWhere } from 'typeorm';
import { notFound } from '../api/validation.js';
import type { ApiPrincipal } from '../auth/api-tokens.service.js';
import { ApiError } from '../auth/auth.errors.js';
import { roleSatisfies } from '../auth/roles.js';
import { recordRuleEvent, type ExemptionEventView } from './exemptions.service.js';

/** The columns every posture rule (exemption, severity override) shares for its lifecycle. */
export interface RuleRow {
  id: string;
  author: string;
  updatedAt: string;
  revokedAt: string | null;
  revokedBy: string | null;
}

/** What differs between the rule kinds in their lifecycle: table, audit subject, wording and error codes. */
export interface RuleKind<E extends RuleRow> {
  entity: EntityTarget<E>;
  subject: ExemptionEventView['subject'];
  /** How messages name one: `exemption`, `severity override`. */
  label: string;
  codes: { notYours: string; revoked: string };
}

/**
 * Loads a rule `by` may change or revoke: 404 when unknown, 403 unless `by` wrote it or is an admin (operators
 * change and revoke their own, admins anyone's), and for a change 409 once it is revoked.
 */
export async function ruleForChange<E extends RuleRow>(
  m: EntityManager,
  kind: RuleKind<E>,
  id: string,
  by: ApiPrincipal,
  what: 'change' | 'revoke',
): Promise<E> {
  const row = await m.getRepository(kind.entity).findOneBy({ id } as FindOptionsWhere<E>);
  if (!row) throw notFound(`${kind.label} "${id}"`);
  if (row.author !== by.name && !roleSatisfies(by.role, 'admin'))
    throw new ApiError(
      HttpStatus.FORBIDDEN,
      kind.codes.notYours,
      `${kind.label} "${row.id}" was created by "${row.author}": only its author or an admin may ${what} it`,
    );
  if (what === 'change' && row.revokedAt)
    throw new ApiError(
      HttpStatus.CONFLICT,
      kind.codes.revoked,
      `${kind.label} "${id}" is revoked; create a new one`,
    );
  return row;
}

/**
 * Revokes a rule and audits it; revoking a revoked one changes nothing. Answers the row and whether it changed
 * (the caller then re-evaluates what the rule reached, in the same transaction).
 */
export async function revokeRule<E extends RuleRow>(
  m: EntityManager,
  kind: RuleKind<E>,
  id: string,
  by: ApiPrincipal,
  now: Date,
  reason: string | undefined,
): Promise<{ row: E; revoked: boolean }> {
  const row = await ruleForChange(m, kind, id, by, 'revoke');
  if (row.revokedAt) return { row, revoked: false };
  row.revokedAt = now.toISOString();
  row.revokedBy = by.name;
  row.updatedAt = row.revokedAt;
  await m.getRepository(kind.entity).save(row);
  await recordRuleEvent(m, kind.subject, id, 'revoked', by, now, reason ? { reason } : {});
  return { row, revoked: true };
}
