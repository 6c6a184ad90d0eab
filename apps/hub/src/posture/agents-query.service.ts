import { Inject, Injectable, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { decodeCursor, encodeCursor } from '../api/cursor.js';
import { HUB_CLOCK, type HubClock, systemClock } from '../clock.js';
import { AgentEntity } from '../persistence/agent.entity.js';
import { IssuedCertificateEntity } from '../persistence/issued-certificate.entity.js';
import { daysBetween } from './posture-store.js';
import type { AgentView, Page } from './posture.types.js';

/** An agent row as the API shows it; `now` (ms) dates the certificate's remaining life. */
export function agentView(a: AgentEntity, now: number): AgentView {
  const notAfter = a.certNotAfter ? Date.parse(a.certNotAfter) : null;
  return {
    id: a.id,
    cluster: a.clusterName,
    nodeName: a.nodeName,
    status: a.status,
    statusAt: a.statusAt,
    agentVersion: a.agentVersion,
    lastSeq: a.lastSeq,
    lastScannedAt: a.lastScannedAt,
    lastReceivedAt: a.lastReceivedAt,
    clockSkewMs: a.clockSkewMs,
    droppedTotal: a.droppedTotal,
    certificate: {
      serial: a.certSerial,
      notAfter: a.certNotAfter,
      expiresInDays: notAfter === null ? null : daysBetween(notAfter, now),
      expired: notAfter === null ? null : notAfter <= now,
    },
    revoked: a.revoked,
    revokedAt: a.revokedAt,
    supersededBy: a.supersededBy,
    supersededAt: a.supersededAt,
    enrolledAt: a.enrolledAt,
  };
}

/** Agents: liveness, clock skew, certificate expiry, revocation. */
@Injectable()
export class AgentsQueryService {
  private readonly clock: HubClock;

  constructor(
    private readonly ds: DataSource,
    @Optional() @Inject(HUB_CLOCK) clock?: HubClock,
  ) {
    this.clock = clock ?? systemClock;
  }

  async agents(
    filters: { cluster?: string[]; status?: ('online' | 'offline' | 'unknown')[]; revoked?: boolean },
    limit: number,
    cursor?: string,
  ): Promise<Page<AgentView>> {
    const qb = this.ds.getRepository(AgentEntity).createQueryBuilder('a');
    if (filters.cluster?.length) qb.andWhere('a.clusterName IN (:...cluster)', { cluster: filters.cluster });
    if (filters.status?.length) qb.andWhere('a.status IN (:...status)', { status: filters.status });
    if (filters.revoked !== undefined) qb.andWhere('a.revoked = :revoked', { revoked: filters.revoked });
    if (cursor) {
      const [id] = decodeCursor('agents', cursor, ['string']);
      qb.andWhere('a.id > :after', { after: id });
    }
    const rows = await qb
      .orderBy('a.id', 'ASC')
      .take(limit + 1)
      .getMany();
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const now = this.clock.now().getTime();
    const last = page[page.length - 1];
    return {
      items: page.map((a) => agentView(a, now)),
      nextCursor: more && last ? encodeCursor('agents', [last.id]) : null,
    };
  }

  /** One agent with the certificates the hub issued to it (newest 50), or null. */
  async agent(id: string) {
    const a = await this.ds.getRepository(AgentEntity).findOne({ where: { id } });
    if (!a) return null;
    const certs = await this.ds
      .getRepository(IssuedCertificateEntity)
      .find({ where: { agentId: id }, order: { issuedAt: 'DESC', serial: 'ASC' }, take: 50 });
    return {
      ...agentView(a, this.clock.now().getTime()),
      issuedCertificates: certs.map((c) => ({
        serial: c.serial,
        fingerprint: c.fingerprint,
        notBefore: c.notBefore,
        notAfter: c.notAfter,
        issuedAt: c.issuedAt,
        reason: c.reason,
        revokedAt: c.revokedAt,
      })),
    };
  }
}
