import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { QuarantineEntity } from '../persistence/quarantine.entity.js';
import { decodeCursor, encodeCursor } from './cursor.js';

/** Messages the ingest refused, newest first (an operator looks at what just went wrong). */
@Injectable()
export class QuarantineQueryService {
  constructor(private readonly ds: DataSource) {}

  async quarantine(filters: { agent?: string[]; reason?: string[] }, limit: number, cursor?: string) {
    const qb = this.ds.getRepository(QuarantineEntity).createQueryBuilder('q');
    if (filters.agent?.length) qb.andWhere('q.agentId IN (:...agent)', { agent: filters.agent });
    if (filters.reason?.length) qb.andWhere('q.reason IN (:...reason)', { reason: filters.reason });
    if (cursor) {
      const [id] = decodeCursor('quarantine', cursor, ['number']);
      qb.andWhere('q.id < :before', { before: id });
    }
    const rows = await qb
      .orderBy('q.id', 'DESC')
      .take(limit + 1)
      .getMany();
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    return { items: page, nextCursor: more && last ? encodeCursor('quarantine', [last.id]) : null };
  }
}
