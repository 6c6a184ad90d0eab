import {
  AREAS,
  type Area,
  type Outcome,
  type Platform,
  type ResourceRef,
  type ResultFacts,
  type Severity,
} from '@watchpost/shared';
import type { DataSource, EntityManager } from 'typeorm';
import { AgentEntity } from '../../persistence/agent.entity.js';
import { ClusterEntity } from '../../persistence/cluster.entity.js';
import { FindingEntity } from '../../persistence/finding.entity.js';
import { QuarantineEntity } from '../../persistence/quarantine.entity.js';
import { ReportEntity } from '../../persistence/report.entity.js';
import { refreshPostureCounts } from '../../posture/posture-counts.js';

/**
 * Writes posture rows straight into the hub tables, shaped as hub-core's ingest leaves them. For API tests and
 * the fleet-summary benchmark, which need many clusters without running agents and a broker.
 */

/** One finding to seed; times default to the cluster's last receive time. */
export interface SeedFinding {
  checkId: string;
  area: Area;
  severity: Severity;
  outcome: Outcome;
  resource: ResourceRef;
  message: string;
  evidence?: Record<string, unknown>;
  /** Typed facts, as a current agent sends them. */
  facts?: ResultFacts;
  resolvedAt?: string;
}

/** Certificate facts for a seeded certificate that expires at `notAfter` after a lifetime of `lifetimeDays`. */
export function seedCertificateFacts(opts: {
  notAfter: string;
  lifetimeDays: number;
  subject: string;
  source: { kind: 'file' | 'kubeconfig' | 'secret' | 'webhook' | 'endpoint'; locator: string };
  renewedBy?: string;
}): ResultFacts {
  const end = Date.parse(opts.notAfter);
  const lifetimeMs = opts.lifetimeDays * 86_400_000;
  return {
    type: 'certificate',
    version: 1,
    source: opts.source,
    subject: opts.subject,
    issuer: 'CN=kubernetes',
    serial: '0A1B2C',
    notBefore: new Date(end - lifetimeMs).toISOString(),
    notAfter: new Date(end).toISOString(),
    lifetimeSeconds: Math.round(lifetimeMs / 1000),
    isCa: false,
    renewedAutomatically: opts.renewedBy !== undefined,
    ...(opts.renewedBy ? { renewedBy: opts.renewedBy } : {}),
    renewalDueAt: new Date(end - lifetimeMs * 0.2).toISOString(),
  };
}

/** One cluster to seed with its agents and current findings. */
export interface SeedCluster {
  name: string;
  platform: Platform;
  role: 'management' | 'workload' | 'hub';
  location?: string;
  kubernetesVersion?: string;
  /** Hub receive time of the newest report; null = enrolled, never reported. */
  receivedAt: string | null;
  agents: {
    id: string;
    status: 'online' | 'offline' | 'unknown';
    revoked?: boolean;
    certNotAfter?: string;
    clockSkewMs?: number;
  }[];
  findings: SeedFinding[];
}

export function resourceKeyOf(r: ResourceRef): string {
  return [r.kind, r.namespace ?? '', r.name ?? '', r.path ?? ''].join('|');
}

function scoresOf(findings: readonly SeedFinding[]): {
  scores: Partial<Record<Area, number>>;
  score: number | null;
} {
  const per = new Map<Area, { pass: number; evaluated: number }>();
  let pass = 0;
  let evaluated = 0;
  for (const f of findings) {
    if (f.outcome === 'not_applicable') continue;
    const a = per.get(f.area) ?? { pass: 0, evaluated: 0 };
    a.evaluated += 1;
    evaluated += 1;
    if (f.outcome === 'pass') {
      a.pass += 1;
      pass += 1;
    }
    per.set(f.area, a);
  }
  const scores: Partial<Record<Area, number>> = {};
  for (const [area, a] of per) scores[area] = Math.round((100 * a.pass) / a.evaluated);
  return { scores, score: evaluated ? Math.round((100 * pass) / evaluated) : null };
}

async function insertChunked<T extends object>(
  m: EntityManager,
  entity: new () => T,
  rows: T[],
  chunk: number,
): Promise<void> {
  const repo = m.getRepository(entity);
  for (let i = 0; i < rows.length; i += chunk) await repo.insert(rows.slice(i, i + chunk));
}

/** Inserts the clusters, their agents, findings and one report each (in one transaction). */
export async function seedClusters(
  ds: DataSource,
  clusters: readonly SeedCluster[],
  enrolledAt: string,
): Promise<void> {
  await ds.transaction(async (tx) => {
    const c: ClusterEntity[] = [];
    const a: AgentEntity[] = [];
    const f: FindingEntity[] = [];
    const r: ReportEntity[] = [];
    for (const s of clusters) {
      const { scores, score } = scoresOf(s.findings);
      const at = s.receivedAt;
      const firstAgent = s.agents[0]?.id ?? `${s.name}`;
      c.push(
        Object.assign(new ClusterEntity(), {
          name: s.name,
          platform: s.platform,
          role: s.role,
          location: s.location ?? null,
          kubernetesVersion: s.kubernetesVersion ?? null,
          lastAgentId: at ? firstAgent : null,
          lastSeq: at ? 1 : null,
          lastScannedAt: at,
          lastReceivedAt: at,
          clockSkewMs: at ? (s.agents[0]?.clockSkewMs ?? 0) : null,
          scores: at ? scores : null,
          score: at ? score : null,
          summary: null,
          createdAt: enrolledAt,
          updatedAt: at ?? enrolledAt,
        }),
      );
      for (const ag of s.agents) {
        a.push(
          Object.assign(new AgentEntity(), {
            id: ag.id,
            clusterName: s.name,
            nodeName: null,
            certSerial: `0A${ag.id.length.toString(16).toUpperCase()}`,
            certNotAfter: ag.certNotAfter ?? null,
            revoked: ag.revoked ?? false,
            revokedAt: ag.revoked ? enrolledAt : null,
            status: ag.status,
            statusAt: at,
            statusReportedAt: at,
            agentVersion: '0.1.0',
            lastSeq: at ? 1 : null,
            lastScannedAt: at,
            lastReceivedAt: at,
            clockSkewMs: ag.clockSkewMs ?? 0,
            droppedTotal: 0,
            enrolledAt,
          }),
        );
      }
      if (!at) continue;
      for (const x of s.findings) {
        f.push(
          Object.assign(new FindingEntity(), {
            clusterName: s.name,
            agentId: firstAgent,
            checkId: x.checkId,
            resourceKey: resourceKeyOf(x.resource),
            resource: x.resource,
            area: x.area,
            severity: x.severity,
            outcome: x.outcome,
            message: x.message,
            evidence: x.evidence ?? null,
            facts: x.facts ?? null,
            firstSeenAt: at,
            lastSeenAt: at,
            outcomeSince: at,
            resolvedAt: x.resolvedAt ?? null,
            lastSeq: 1,
          }),
        );
      }
      const summary = { pass: 0, fail: 0, warn: 0, error: 0, not_applicable: 0, byArea: {} };
      r.push(
        Object.assign(new ReportEntity(), {
          agentId: firstAgent,
          clusterName: s.name,
          seq: 1,
          runId: `run-${s.name}-1`,
          scannedAt: at,
          receivedAt: at,
          clockSkewMs: 0,
          agentVersion: '0.1.0',
          kubernetesVersion: s.kubernetesVersion ?? null,
          summary,
          scores,
          score,
          resultCount: s.findings.length,
          collectorErrors: [],
          dropped: 0,
          appliedToPosture: true,
        }),
      );
    }
    await insertChunked(tx, ClusterEntity, c, 200);
    await insertChunked(tx, AgentEntity, a, 200);
    await insertChunked(tx, FindingEntity, f, 400);
    await insertChunked(tx, ReportEntity, r, 200);
    // As ingest would: the fleet summary's roll-up of each seeded cluster.
    await refreshPostureCounts(
      tx,
      clusters.map((s) => s.name),
    );
  });
}

/** Extra history rows for one cluster (one per receive time). */
export async function seedHistory(
  ds: DataSource,
  cluster: string,
  agentId: string,
  points: { receivedAt: string; score: number }[],
): Promise<void> {
  await ds.getRepository(ReportEntity).insert(
    points.map((p, i) =>
      Object.assign(new ReportEntity(), {
        agentId,
        clusterName: cluster,
        seq: 100 + i,
        runId: `hist-${i}`,
        scannedAt: p.receivedAt,
        receivedAt: p.receivedAt,
        clockSkewMs: 0,
        agentVersion: '0.1.0',
        kubernetesVersion: null,
        summary: { pass: 0, fail: 0, warn: 0, error: 0, not_applicable: 0, byArea: {} },
        scores: { certificates: p.score },
        score: p.score,
        resultCount: 0,
        collectorErrors: [],
        dropped: 0,
        appliedToPosture: false,
      }),
    ),
  );
}

/** Quarantine rows. */
export async function seedQuarantine(
  ds: DataSource,
  rows: { agentId: string; reason: string; receivedAt: string }[],
): Promise<void> {
  await ds.getRepository(QuarantineEntity).insert(
    rows.map((q) =>
      Object.assign(new QuarantineEntity(), {
        topic: `watchpost/v1/agents/${q.agentId}/report`,
        agentId: q.agentId,
        envelopeAgentId: null,
        seq: null,
        reason: q.reason,
        detail: `refused: ${q.reason}`,
        receivedAt: q.receivedAt,
        payloadBytes: 12,
        payloadExcerpt: Buffer.from('not json at all').toString('base64'),
      }),
    ),
  );
}

/**
 * A generated fleet for the benchmark: `clusters` clusters, each with `checks` results spread over the areas
 * (a tenth failing), every tenth check a certificate expiry with certificate facts, one KMS key-rotation result each.
 */
export function generatedFleet(clusters: number, checks: number, now: Date): SeedCluster[] {
  const platforms: Platform[] = ['aks-hci', 'aks-hci', 'arc', 'aks'];
  const severities: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
  const out: SeedCluster[] = [];
  for (let i = 0; i < clusters; i++) {
    const name = `cluster-${String(i).padStart(5, '0')}`;
    const findings: SeedFinding[] = [];
    for (let j = 0; j < checks; j++) {
      const area = AREAS[j % AREAS.length];
      const fails = (i + j) % 10 === 0;
      if (j === 0) {
        findings.push({
          checkId: 'kms-key-rotation',
          area: 'encryption',
          severity: 'medium',
          outcome: i % 7 === 0 ? 'warn' : 'pass',
          resource: { kind: 'KMSProvider', name: 'kms-plugin' },
          message: 'KMS key rotation observed',
          facts: {
            type: 'kms-key',
            version: 1,
            provider: 'kms-plugin',
            apiVersion: 'v2',
            keyId: `key-${i}`,
            firstSeen: new Date(now.getTime() - ((i % 60) + 1) * 86_400_000).toISOString(),
            ageExact: false,
            maxAgeSeconds: 30 * 86_400,
          },
        });
        continue;
      }
      if (j % 10 === 1) {
        const notAfter = new Date(now.getTime() + (((i * 37 + j) % 400) - 5) * 3_600_000 * 6).toISOString();
        findings.push({
          checkId: 'cert-expiry',
          area: 'certificates',
          severity: 'high',
          outcome: fails ? 'fail' : 'pass',
          resource: { kind: 'HostFile', path: `/etc/kubernetes/pki/cert-${j}.crt` },
          message: `certificate expires ${notAfter}`,
          facts: seedCertificateFacts({
            notAfter,
            lifetimeDays: j % 20 === 1 ? 4 : 365,
            subject: `CN=cert-${j}`,
            source: { kind: 'file', locator: `/etc/kubernetes/pki/cert-${j}.crt` },
            ...(j % 20 === 1 ? { renewedBy: 'its 4d lifetime means it is renewed automatically' } : {}),
          }),
        });
        continue;
      }
      findings.push({
        checkId: `bench-check-${String(j).padStart(3, '0')}`,
        area,
        severity: severities[j % severities.length],
        outcome: fails ? 'fail' : j % 13 === 0 ? 'not_applicable' : 'pass',
        resource: { kind: 'Namespace', name: `ns-${j % 5}` },
        message: fails ? 'the thing is wrong' : 'ok',
      });
    }
    const received = new Date(
      now.getTime() - (i % 50 === 0 ? 2 * 86_400_000 : (i % 60) * 60_000),
    ).toISOString();
    out.push({
      name,
      platform: platforms[i % platforms.length],
      role: i % 10 === 0 ? 'management' : 'workload',
      location: `site-${i % 20}`,
      kubernetesVersion: 'v1.31.4',
      receivedAt: received,
      agents: [{ id: `${name}.node-1`, status: i % 9 === 0 ? 'offline' : 'online' }],
      findings,
    });
  }
  return out;
}
