import { randomUUID } from 'node:crypto';
import { HttpStatus, Inject, Injectable, Optional } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { ApiPrincipal } from '../auth/api-tokens.service.js';
import { ApiError } from '../auth/auth.errors.js';
import { HUB_CLOCK, type HubClock, systemClock } from '../clock.js';
import { notFound } from '../api/validation.js';
import { ExemptionEventEntity } from './exemption-event.entity.js';
import { ExemptionEntity } from './exemption.entity.js';
import { exemptionScopeColumns, exemptionView } from './posture-rules.js';
import { PostureRulesService, reachOf } from './posture-rules.service.js';
import { revokeRule, ruleForChange, type RuleKind } from './rule-lifecycle.js';
import {
  checkExpiry,
  type ExemptionScope,
  type ExemptionStatus,
  type ExemptionTarget,
  type ExemptionView,
} from './exemption-rules.js';

/** Error codes of the exemptions API. */
export enum ExemptionErrorCode {
  InvalidExpiry = 'invalid_expiry',
  NotYours = 'not_your_exemption',
  Revoked = 'exemption_revoked',
}

const EXEMPTION_RULE: RuleKind<ExemptionEntity> = {
  entity: ExemptionEntity,
  subject: 'exemption',
  label: 'exemption',
  codes: { notYours: ExemptionErrorCode.NotYours, revoked: ExemptionErrorCode.Revoked },
};

/** One audit entry as the API shows it (of an exemption, or of a severity override: `subject`). */
export interface ExemptionEventView {
  id: number;
  /** The exemption's id, or the override's when `subject` is `override`. */
  exemptionId: string;
  subject: 'exemption' | 'override';
  action: 'created' | 'updated' | 'revoked';
  actor: string;
  at: string;
  detail: Record<string, unknown>;
}

function invalidExpiry(message: string): ApiError {
  return new ApiError(
    HttpStatus.BAD_REQUEST,
    ExemptionErrorCode.InvalidExpiry,
    `body field "expiresAt" ${message}`,
  );
}

/**
 * Exemptions (accepted risks): created by operators, changed by their author or an admin, revoked by their
 * author or an admin; every change is an audit event in the same transaction. Expiry needs no job: status and
 * `active()` compare with the hub's clock, so an exemption stops applying the moment it expires.
 */
@Injectable()
export class ExemptionsService {
  private readonly clock: HubClock;

  constructor(
    private readonly ds: DataSource,
    private readonly rules: PostureRulesService,
    @Optional() @Inject(HUB_CLOCK) clock?: HubClock,
  ) {
    this.clock = clock ?? systemClock;
  }

  now(): Date {
    return this.clock.now();
  }

  async list(filter: {
    status?: ExemptionStatus;
    cluster?: string;
    checkId?: string;
  }): Promise<ExemptionView[]> {
    const now = this.clock.now();
    const rows = await this.ds
      .getRepository(ExemptionEntity)
      .find({ order: { createdAt: 'DESC', id: 'ASC' } });
    return rows
      .map((r) => exemptionView(r, now))
      .filter(
        (v) =>
          (!filter.status || v.status === filter.status) &&
          (!filter.cluster || !('cluster' in v.scope) || v.scope.cluster === filter.cluster) &&
          (!filter.checkId || !('checkId' in v.target) || v.target.checkId === filter.checkId),
      );
  }

  /** Exemptions in force now (not revoked, not expired). */
  async active(): Promise<ExemptionView[]> {
    return this.list({ status: 'active' });
  }

  async get(id: string): Promise<ExemptionView> {
    const row = await this.ds.getRepository(ExemptionEntity).findOneBy({ id });
    if (!row) throw notFound(`exemption "${id}"`);
    return exemptionView(row, this.clock.now());
  }

  async create(
    by: ApiPrincipal,
    b: { scope: ExemptionScope; target: ExemptionTarget; reason: string; expiresAt: string },
  ): Promise<ExemptionView> {
    const now = this.clock.now();
    const expiry = checkExpiry(b.expiresAt, now);
    if (!expiry.ok) throw invalidExpiry(expiry.message);
    const row = Object.assign(new ExemptionEntity(), {
      id: randomUUID(),
      ...exemptionScopeColumns(b.scope),
      checkId: 'checkId' in b.target ? b.target.checkId : null,
      area: 'area' in b.target ? b.target.area : null,
      reason: b.reason,
      author: by.name,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      expiresAt: expiry.value,
      revokedAt: null,
      revokedBy: null,
    });
    await this.rules.transaction(async (m) => {
      await m.getRepository(ExemptionEntity).insert(row);
      await this.audit(m, row.id, 'created', by, now, { view: exemptionView(row, now) });
      // The findings it covers stop counting in the same transaction.
      await this.rules.reevaluate(m, reachOf(b.scope), now);
    });
    return exemptionView(row, now);
  }

  /** Changes reason and/or expiry (the scope and target are what was accepted: revoke and create anew). */
  async update(
    by: ApiPrincipal,
    id: string,
    b: { reason?: string; expiresAt?: string },
  ): Promise<ExemptionView> {
    const now = this.clock.now();
    return this.rules.transaction(async (m) => {
      const repo = m.getRepository(ExemptionEntity);
      const row = await ruleForChange(m, EXEMPTION_RULE, id, by, 'change');
      const changes: Record<string, { before: string; after: string }> = {};
      if (b.reason !== undefined && b.reason !== row.reason) {
        changes['reason'] = { before: row.reason, after: b.reason };
        row.reason = b.reason;
      }
      if (b.expiresAt !== undefined) {
        const expiry = checkExpiry(b.expiresAt, now);
        if (!expiry.ok) throw invalidExpiry(expiry.message);
        if (expiry.value !== row.expiresAt)
          changes['expiresAt'] = { before: row.expiresAt, after: expiry.value };
        row.expiresAt = expiry.value;
      }
      if (Object.keys(changes).length) {
        row.updatedAt = now.toISOString();
        await repo.save(row);
        await this.audit(m, id, 'updated', by, now, { changes });
        await this.rules.reevaluate(m, reachOf(exemptionView(row, now).scope), now);
      }
      return exemptionView(row, now);
    });
  }

  async revoke(by: ApiPrincipal, id: string, reason: string | undefined): Promise<ExemptionView> {
    const now = this.clock.now();
    return this.rules.transaction(async (m) => {
      const { row, revoked } = await revokeRule(m, EXEMPTION_RULE, id, by, now, reason);
      // Its findings count again at once.
      if (revoked) await this.rules.reevaluate(m, reachOf(exemptionView(row, now).scope), now);
      return exemptionView(row, now);
    });
  }

  /** Audit history, oldest first: of one exemption or override, or of all of both. */
  async history(exemptionId?: string): Promise<ExemptionEventView[]> {
    if (exemptionId) await this.get(exemptionId);
    const rows = await this.ds.getRepository(ExemptionEventEntity).find({
      where: exemptionId ? { exemptionId } : {},
      order: { id: 'ASC' },
    });
    return rows.map(ruleEventView);
  }

  private async audit(
    m: EntityManager,
    exemptionId: string,
    action: ExemptionEventView['action'],
    by: ApiPrincipal,
    now: Date,
    detail: Record<string, unknown>,
  ): Promise<void> {
    await recordRuleEvent(m, 'exemption', exemptionId, action, by, now, detail);
  }
}

/** An audit row as the API shows it. */
export function ruleEventView(r: ExemptionEventEntity): ExemptionEventView {
  return {
    id: r.id,
    exemptionId: r.exemptionId,
    subject: r.subject === 'override' ? 'override' : 'exemption',
    action: r.action as ExemptionEventView['action'],
    actor: r.actor,
    at: r.at,
    detail: JSON.parse(r.detail) as Record<string, unknown>,
  };
}

/** Appends one entry to the audit history both exemptions and severity overrides keep. */
export async function recordRuleEvent(
  m: EntityManager,
  subject: ExemptionEventView['subject'],
  id: string,
  action: ExemptionEventView['action'],
  by: ApiPrincipal,
  now: Date,
  detail: Record<string, unknown>,
): Promise<void> {
  await m.getRepository(ExemptionEventEntity).insert({
    exemptionId: id,
    subject,
    action,
    actor: by.name,
    at: now.toISOString(),
    detail: JSON.stringify(detail),
  });
}
