import { randomUUID } from 'node:crypto';
import { HttpStatus, Inject, Injectable, Optional } from '@nestjs/common';
import type { Severity } from '@watchpost/shared';
import { DataSource, IsNull, type EntityManager } from 'typeorm';
import type { ApiPrincipal } from '../auth/api-tokens.service.js';
import { ApiError } from '../auth/auth.errors.js';
import { HUB_CLOCK, type HubClock, systemClock } from '../clock.js';
import { notFound } from '../api/validation.js';
import { ExemptionEventEntity } from './exemption-event.entity.js';
import { checkExpiry } from './exemption-rules.js';
import { type ExemptionEventView, recordRuleEvent, ruleEventView } from './exemptions.service.js';
import { overrideView } from './posture-rules.js';
import { PostureRulesService, reachOf } from './posture-rules.service.js';
import { revokeRule, ruleForChange, type RuleKind } from './rule-lifecycle.js';
import { SeverityOverrideEntity } from './severity-override.entity.js';
import type { OverrideScope, SeverityOverrideView } from './severity-override-rules.js';

/** Error codes of the severity overrides API. */
export enum OverrideErrorCode {
  InvalidExpiry = 'invalid_expiry',
  NotYours = 'not_your_override',
  Revoked = 'override_revoked',
  Exists = 'override_exists',
}

const OVERRIDE_RULE: RuleKind<SeverityOverrideEntity> = {
  entity: SeverityOverrideEntity,
  subject: 'override',
  label: 'severity override',
  codes: { notYours: OverrideErrorCode.NotYours, revoked: OverrideErrorCode.Revoked },
};

function invalidExpiry(message: string): ApiError {
  return new ApiError(
    HttpStatus.BAD_REQUEST,
    OverrideErrorCode.InvalidExpiry,
    `body field "expiresAt" ${message}`,
  );
}

function scopeColumns(s: OverrideScope): Pick<SeverityOverrideEntity, 'scopeKind' | 'platform' | 'cluster'> {
  return {
    scopeKind: s.kind,
    platform: s.kind === 'platform' ? s.platform : null,
    cluster: s.kind === 'cluster' ? s.cluster : null,
  };
}

function overrideExists(id: string, checkId: string): ApiError {
  return new ApiError(
    HttpStatus.CONFLICT,
    OverrideErrorCode.Exists,
    `severity override "${id}" already sets ${checkId} in this scope: change it (PATCH) or revoke it first`,
  );
}

/**
 * The active override of `rule`'s check and scope other than `exceptId`, if any, inside `m`. Two replicas (or two
 * requests) creating the same override at once would each find none and both insert. "Active" depends on the
 * expiry and the clock, which no unique index can express, so on PostgreSQL the changes of one check and scope
 * take turns (a transaction-scoped advisory lock): the second looks after the first committed. SQLite has one
 * writer at a time already.
 */
async function activeInScope(
  m: EntityManager,
  rule: Pick<SeverityOverrideEntity, 'checkId' | 'scopeKind' | 'platform' | 'cluster'>,
  now: Date,
  exceptId?: string,
): Promise<SeverityOverrideView | undefined> {
  if (m.connection.options.type === 'postgres')
    await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
      `severity-override|${rule.checkId}|${rule.scopeKind}|${rule.platform ?? ''}|${rule.cluster ?? ''}`,
    ]);
  const same = await m.getRepository(SeverityOverrideEntity).find({
    where: {
      checkId: rule.checkId,
      scopeKind: rule.scopeKind,
      platform: rule.platform ?? IsNull(),
      cluster: rule.cluster ?? IsNull(),
      revokedAt: IsNull(),
    },
  });
  return same
    .filter((o) => o.id !== exceptId)
    .map((o) => overrideView(o, now))
    .find((o) => o.status === 'active');
}

/**
 * Severity overrides: one check's severity per fleet, platform or cluster (the narrowest wins), with reason,
 * author and optional expiry; audited in the exemptions' history. Every change re-evaluates the clusters it reaches
 * in its own transaction, so the effective severity is used everywhere at once.
 */
@Injectable()
export class SeverityOverridesService {
  private readonly clock: HubClock;

  constructor(
    private readonly ds: DataSource,
    private readonly rules: PostureRulesService,
    @Optional() @Inject(HUB_CLOCK) clock?: HubClock,
  ) {
    this.clock = clock ?? systemClock;
  }

  async list(filter: {
    status?: SeverityOverrideView['status'];
    cluster?: string;
    checkId?: string;
  }): Promise<SeverityOverrideView[]> {
    const now = this.clock.now();
    const rows = await this.ds
      .getRepository(SeverityOverrideEntity)
      .find({ order: { createdAt: 'DESC', id: 'ASC' } });
    return rows
      .map((r) => overrideView(r, now))
      .filter(
        (v) =>
          (!filter.status || v.status === filter.status) &&
          (!filter.cluster || v.scope.kind !== 'cluster' || v.scope.cluster === filter.cluster) &&
          (!filter.checkId || v.checkId === filter.checkId),
      );
  }

  async get(id: string): Promise<SeverityOverrideView> {
    const row = await this.ds.getRepository(SeverityOverrideEntity).findOneBy({ id });
    if (!row) throw notFound(`severity override "${id}"`);
    return overrideView(row, this.clock.now());
  }

  async create(
    by: ApiPrincipal,
    b: { checkId: string; scope: OverrideScope; severity: Severity; reason: string; expiresAt?: string },
  ): Promise<SeverityOverrideView> {
    const now = this.clock.now();
    let expiresAt: string | null = null;
    if (b.expiresAt !== undefined) {
      const expiry = checkExpiry(b.expiresAt, now);
      if (!expiry.ok) throw invalidExpiry(expiry.message);
      expiresAt = expiry.value;
    }
    const row: SeverityOverrideEntity = {
      id: randomUUID(),
      ...scopeColumns(b.scope),
      checkId: b.checkId,
      severity: b.severity,
      reason: b.reason,
      author: by.name,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      expiresAt,
      revokedAt: null,
      revokedBy: null,
    };
    return this.rules.transaction(async (m) => {
      const repo = m.getRepository(SeverityOverrideEntity);
      const clash = await activeInScope(m, row, now);
      if (clash) throw overrideExists(clash.id, b.checkId);
      await repo.insert(row);
      await recordRuleEvent(m, 'override', row.id, 'created', by, now, { view: overrideView(row, now) });
      await this.rules.reevaluate(m, reachOf(b.scope), now);
      return overrideView(row, now);
    });
  }

  /** Changes severity, reason and/or expiry (`expiresAt: null` removes it); check and scope never change. */
  async update(
    by: ApiPrincipal,
    id: string,
    b: { severity?: Severity; reason?: string; expiresAt?: string | null },
  ): Promise<SeverityOverrideView> {
    const now = this.clock.now();
    return this.rules.transaction(async (m) => {
      const repo = m.getRepository(SeverityOverrideEntity);
      const row = await ruleForChange(m, OVERRIDE_RULE, id, by, 'change');
      const changes: Record<string, { before: string | null; after: string | null }> = {};
      const set = (field: 'severity' | 'reason' | 'expiresAt', value: string | null) => {
        if (row[field] === value) return;
        changes[field] = { before: row[field], after: value };
        (row as unknown as Record<string, string | null>)[field] = value;
      };
      if (b.severity !== undefined) set('severity', b.severity);
      if (b.reason !== undefined) set('reason', b.reason);
      if (b.expiresAt !== undefined) {
        if (b.expiresAt === null) set('expiresAt', null);
        else {
          const expiry = checkExpiry(b.expiresAt, now);
          if (!expiry.ok) throw invalidExpiry(expiry.message);
          set('expiresAt', expiry.value);
        }
      }
      // A new expiry can make an expired override active again: not beside another active one of its scope.
      if (changes['expiresAt'] && overrideView(row, now).status === 'active') {
        const clash = await activeInScope(m, row, now, row.id);
        if (clash) throw overrideExists(clash.id, row.checkId);
      }
      if (Object.keys(changes).length) {
        row.updatedAt = now.toISOString();
        await repo.save(row);
        await recordRuleEvent(m, 'override', id, 'updated', by, now, { changes });
        await this.rules.reevaluate(m, reachOf(overrideView(row, now).scope), now);
      }
      return overrideView(row, now);
    });
  }

  async revoke(by: ApiPrincipal, id: string, reason: string | undefined): Promise<SeverityOverrideView> {
    const now = this.clock.now();
    return this.rules.transaction(async (m) => {
      const { row, revoked } = await revokeRule(m, OVERRIDE_RULE, id, by, now, reason);
      // The reported severity applies again at once.
      if (revoked) await this.rules.reevaluate(m, reachOf(overrideView(row, now).scope), now);
      return overrideView(row, now);
    });
  }

  /** One override's audit history, oldest first. */
  async history(id: string): Promise<ExemptionEventView[]> {
    await this.get(id);
    const rows = await this.ds
      .getRepository(ExemptionEventEntity)
      .find({ where: { exemptionId: id, subject: 'override' }, order: { id: 'ASC' } });
    return rows.map(ruleEventView);
  }
}
