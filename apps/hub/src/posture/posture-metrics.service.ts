import { Inject, Injectable, Optional } from '@nestjs/common';
import { certificateFacts, kmsKeyFacts, type Platform, type Severity } from '@watchpost/shared';
import { DataSource } from 'typeorm';
import { HUB_CLOCK, type HubClock, systemClock } from '../clock.js';
import { ClusterEntity } from '../persistence/cluster.entity.js';
import { CERT_EXPIRY_CHECK_IDS, KMS_KEY_ROTATION_CHECK_ID } from './fleet-summary.service.js';
import { findingsQb, parseJson, PROBLEMS, SEVERITY_LIST, toNum } from './posture-store.js';

/** Per-cluster posture numbers behind the alertable `/metrics` series (one row per cluster). */
export interface ClusterPostureMetrics {
  cluster: string;
  platform: Platform;
  /** Score per area plus `overall`, 0-100, from the newest report; areas with nothing evaluated are absent. */
  scores: Record<string, number>;
  /** Open problems (fail, warn, error; unresolved; not exempted) per effective severity, every severity present. */
  openBySeverity: Record<Severity, number>;
  /** Exempted problems (fail, warn; unresolved) per effective severity, every severity present: never page. */
  exemptedBySeverity: Record<Severity, number>;
  /** Hub receive time of the newest report, Unix seconds; null when the cluster never reported. */
  lastReportSeconds: number | null;
  /** Receive time minus scan time of the newest report, seconds. */
  clockSkewSeconds: number | null;
  /** Least time left (s, negative once expired) among certificates not renewed automatically. */
  certificateExpirySeconds: number | null;
  /** Least share of its own lifetime left (0-1, negative once expired) among the same certificates. */
  certificateLifetimeLeftRatio: number | null;
  /** Age of the oldest KMS key with a known first sighting, seconds, to the hub's now. */
  kmsKeyAgeSeconds: number | null;
}

/**
 * The roll-up reads behind the posture metrics: what `/metrics` exposes per cluster, computed from the posture
 * tables and the typed facts (never evidence), at scrape time.
 */
@Injectable()
export class PostureMetricsService {
  private readonly clock: HubClock;

  constructor(
    private readonly ds: DataSource,
    @Optional() @Inject(HUB_CLOCK) clock?: HubClock,
  ) {
    this.clock = clock ?? systemClock;
  }

  async clusterMetrics(): Promise<ClusterPostureMetrics[]> {
    const now = this.clock.now().getTime();
    const clusters = await this.ds.getRepository(ClusterEntity).find({ order: { name: 'ASC' } });
    const out = new Map<string, ClusterPostureMetrics>();
    for (const c of clusters) {
      const scores: Record<string, number> = { ...(c.scores ?? {}) };
      if (c.score !== null) scores['overall'] = c.score;
      out.set(c.name, {
        cluster: c.name,
        platform: c.platform,
        scores,
        openBySeverity: Object.fromEntries(SEVERITY_LIST.map((s) => [s, 0])) as Record<Severity, number>,
        exemptedBySeverity: Object.fromEntries(SEVERITY_LIST.map((s) => [s, 0])) as Record<Severity, number>,
        lastReportSeconds: c.lastReceivedAt ? Math.floor(Date.parse(c.lastReceivedAt) / 1000) : null,
        clockSkewSeconds: c.clockSkewMs === null ? null : c.clockSkewMs / 1000,
        certificateExpirySeconds: null,
        certificateLifetimeLeftRatio: null,
        kmsKeyAgeSeconds: null,
      });
    }

    const open = await findingsQb(this.ds, 'f')
      .select('f.clusterName', 'cluster')
      .addSelect('f.severity', 'severity')
      .addSelect(`CASE WHEN f.exemptionSource IS NULL THEN 0 ELSE 1 END`, 'exempted')
      .addSelect('COUNT(*)', 'n')
      .where('f.resolvedAt IS NULL')
      .andWhere('f.outcome IN (:...problems)', { problems: PROBLEMS })
      .groupBy('f.clusterName')
      .addGroupBy('f.severity')
      .addGroupBy('exempted')
      .getRawMany<{ cluster: string; severity: Severity; exempted: string | number; n: string | number }>();
    for (const r of open) {
      const m = out.get(r.cluster);
      const counts = toNum(r.exempted) ? m?.exemptedBySeverity : m?.openBySeverity;
      if (counts && r.severity in counts) counts[r.severity] = toNum(r.n);
    }

    const certs = await findingsQb(this.ds, 'f')
      .select('f.clusterName', 'cluster')
      .addSelect('f.facts', 'facts')
      .where('f.checkId IN (:...certChecks)', { certChecks: CERT_EXPIRY_CHECK_IDS })
      .andWhere('f.resolvedAt IS NULL')
      .andWhere('f.facts IS NOT NULL')
      // An accepted risk never pages (docs/exemptions.md).
      .andWhere('f.exemptionSource IS NULL')
      .getRawMany<{ cluster: string; facts: unknown }>();
    for (const r of certs) {
      const m = out.get(r.cluster);
      const facts = certificateFacts(parseJson<unknown>(r.facts));
      if (!m || !facts || facts.renewedAutomatically) continue;
      const left = (Date.parse(facts.notAfter) - now) / 1000;
      const ratio = facts.lifetimeSeconds > 0 ? left / facts.lifetimeSeconds : -1;
      m.certificateExpirySeconds = Math.min(m.certificateExpirySeconds ?? Infinity, Math.round(left));
      m.certificateLifetimeLeftRatio = Math.min(m.certificateLifetimeLeftRatio ?? Infinity, ratio);
    }

    const keys = await findingsQb(this.ds, 'f')
      .select('f.clusterName', 'cluster')
      .addSelect('f.facts', 'facts')
      .where('f.checkId = :kms', { kms: KMS_KEY_ROTATION_CHECK_ID })
      .andWhere('f.resolvedAt IS NULL')
      .andWhere('f.facts IS NOT NULL')
      .andWhere('f.exemptionSource IS NULL')
      .getRawMany<{ cluster: string; facts: unknown }>();
    for (const r of keys) {
      const m = out.get(r.cluster);
      const facts = kmsKeyFacts(parseJson<unknown>(r.facts));
      if (!m || !facts?.firstSeen) continue;
      const age = Math.max(0, Math.round((now - Date.parse(facts.firstSeen)) / 1000));
      m.kmsKeyAgeSeconds = Math.max(m.kmsKeyAgeSeconds ?? 0, age);
    }
    return [...out.values()];
  }
}
