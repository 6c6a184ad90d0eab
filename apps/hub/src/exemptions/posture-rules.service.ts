import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  Optional,
} from '@nestjs/common';
import type { Platform } from '@watchpost/shared';
import { DataSource, type EntityManager } from 'typeorm';
import { HUB_CLOCK, type HubClock, systemClock } from '../clock.js';
import { ClusterEntity } from '../persistence/cluster.entity.js';
import { reevaluateCluster } from '../posture/posture-writer.js';

/** How often the hub looks for exemptions and overrides that expired (and at start). */
export const EXPIRY_SWEEP_MS = 60_000;

/** Which clusters a rule change can affect. */
export type RuleReach =
  { kind: 'all' } | { kind: 'platform'; platform: Platform } | { kind: 'cluster'; cluster: string };

/** The reach of an exemption or override scope: one named cluster, a platform's clusters, or every cluster. */
export function reachOf(scope: { kind: string; cluster?: string; platform?: Platform }): RuleReach {
  if (scope.cluster !== undefined) return { kind: 'cluster', cluster: scope.cluster };
  if (scope.kind === 'platform' && scope.platform) return { kind: 'platform', platform: scope.platform };
  return { kind: 'all' };
}

/**
 * Keeps the materialised effect of exemptions and severity overrides on the posture rows true: re-evaluates the
 * clusters a rule change reaches (in the change's own transaction) and, every minute and at start, the clusters
 * holding a row whose exemption or override has expired. Safe with two hub replicas on one PostgreSQL: the
 * re-evaluation is idempotent and locks each cluster row, in name order.
 */
@Injectable()
export class PostureRulesService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Exemptions');
  private readonly clock: HubClock;
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<number> | null = null;

  constructor(
    private readonly ds: DataSource,
    @Optional() @Inject(HUB_CLOCK) clock?: HubClock,
  ) {
    this.clock = clock ?? systemClock;
  }

  onApplicationBootstrap(): void {
    const run = () => {
      this.sweep().catch((err: unknown) =>
        this.logger.error(
          `could not re-evaluate expired exemptions and overrides (retried in a minute): ${err instanceof Error ? err.message : String(err)}`,
        ),
      );
    };
    run();
    this.timer = setInterval(run, EXPIRY_SWEEP_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /**
   * Runs a rule change in one transaction, retried (up to three times) when PostgreSQL picks it as a deadlock
   * victim: it locks the clusters it reaches in name order, while an ingest batch locks its clusters in report
   * order, so the two can meet; the ingest side retries per message on its own.
   */
  async transaction<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.ds.transaction(fn);
      } catch (err) {
        const e = err as { code?: unknown; driverError?: { code?: unknown } };
        const code = e.code ?? e.driverError?.code;
        if (attempt >= 3 || (code !== '40P01' && code !== '40001')) throw err;
        this.logger.warn(
          `rule change retried after a ${code === '40P01' ? 'deadlock' : 'serialization failure'}`,
        );
      }
    }
  }

  /** Re-evaluates the clusters `reach` names, inside `m` (the rule change's transaction). Returns rows changed. */
  async reevaluate(m: EntityManager, reach: RuleReach, now: Date = this.clock.now()): Promise<number> {
    const qb = m.getRepository(ClusterEntity).createQueryBuilder('c').select('c.name', 'name');
    if (reach.kind === 'cluster') qb.where('c.name = :name', { name: reach.cluster });
    if (reach.kind === 'platform') qb.where('c.platform = :platform', { platform: reach.platform });
    const names = (await qb.orderBy('c.name', 'ASC').getRawMany<{ name: string }>()).map((r) => r.name);
    let n = 0;
    for (const name of names) n += await reevaluateCluster(m, name, now);
    return n;
  }

  /**
   * Re-evaluates every cluster holding a row whose exemption or severity override expired by now: expired rules
   * stop applying by themselves. One transaction per cluster. Returns rows changed.
   */
  async sweep(): Promise<number> {
    // One sweep at a time in this process; another replica's concurrent sweep is harmless (idempotent).
    this.sweeping ??= this.sweepOnce().finally(() => (this.sweeping = null));
    return this.sweeping;
  }

  private async sweepOnce(): Promise<number> {
    const now = this.clock.now();
    const at = now.toISOString();
    const rows = await this.ds
      .createQueryBuilder()
      .select('DISTINCT f.cluster_name', 'name')
      .from('findings', 'f')
      .where('f.exemption_expires_at <= :at', { at })
      .orWhere('f.override_expires_at <= :at', { at })
      .orderBy('name', 'ASC')
      .getRawMany<{ name: string }>();
    let n = 0;
    for (const { name } of rows) {
      n += await this.ds.transaction((m) => reevaluateCluster(m, name, now));
    }
    if (n)
      this.logger.log(
        `expired exemptions or overrides: ${n} finding(s) re-evaluated on ${rows.length} cluster(s)`,
      );
    return n;
  }
}
