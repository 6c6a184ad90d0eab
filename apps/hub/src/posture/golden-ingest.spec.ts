import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { reportEnvelopeV1Schema, type ReportEnvelopeV1 } from '@watchpost/shared';
import { loadHubConfig } from '../config/hub-config.js';
import { IngestService } from '../ingest/ingest.service.js';
import { encodeEnvelope } from '../ingest/sample-envelope.js';
import { AgentEntity, FindingEntity, QuarantineEntity } from '../persistence/index.js';
import { migratedThrowawayDatabase } from '../persistence/throwaway-database.js';
import { FleetSummaryService } from './fleet-summary.service.js';

// The golden wire sample is a real scan of the aks-hci-workload sample bundle (`npm run fixtures:wire`).
const GOLDEN = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  '..',
  'test',
  'fixtures',
  'wire',
  'report.v1.json',
);
const golden = (): ReportEnvelopeV1 => reportEnvelopeV1Schema.parse(JSON.parse(readFileSync(GOLDEN, 'utf8')));
const AGENT = 'hci-west-01.moc-node-1';
const RECEIVED = new Date('2026-11-23T10:05:05.000Z');
const topic = `watchpost/v1/agents/${AGENT}/report`;

describe.each(['sqlite', 'postgres'] as const)(
  'golden wire sample through ingest into the fleet summary (%s)',
  (kind) => {
    let ds: DataSource;
    let closeDb: () => Promise<void>;
    let ingest: IngestService;

    beforeEach(async () => {
      ({ ds, close: closeDb } = await migratedThrowawayDatabase(kind));
      ingest = new IngestService(ds, loadHubConfig({}));
      await ds.getRepository(AgentEntity).insert({
        id: AGENT,
        clusterName: 'hci-wl-retail',
        nodeName: 'moc-lwl1cp7f3c9',
        enrolledAt: '2026-11-01T00:00:00.000Z',
      });
    });
    afterEach(() => closeDb());

    const store = async (envelope: unknown) =>
      (await ingest.ingestBatch([{ topic, payload: encodeEnvelope(envelope), receivedAt: RECEIVED }]))[0];
    const summary = () =>
      new FleetSummaryService(ds, { now: () => RECEIVED }).fleetSummary({
        staleAfterMs: 6 * 3_600_000,
        certLimit: 20,
      });

    it('lists certificates by risk from their typed facts: warnings by lifetime left, then manual, then auto-renewed', async () => {
      expect((await store(golden())).status).toBe('stored');
      const s = await summary();
      const rows = s.expiringCertificates.map((c) => [c.outcome, c.renewedAutomatically, c.source.locator]);
      expect(rows).toEqual([
        // 43 of 365 days left (12 %): the kubelet's self-signed serving certificate and its CA, never renewed.
        ['warn', false, '/var/lib/kubelet/pki/kubelet.crt'],
        ['warn', false, '/var/lib/kubelet/pki/kubelet.crt#2'],
        ['warn', false, 'kubeconfig:/etc/kubernetes/admin.conf#kubernetes-admin'],
        ['pass', false, 'secret:gmsa-webhook/gmsa-webhook'],
        ['pass', false, '/etc/kubernetes/pki/ca.crt'],
        ['pass', false, '/etc/kubernetes/pki/etcd/ca.crt'],
        ['pass', false, '/etc/kubernetes/pki/front-proxy-ca.crt'],
        [
          'pass',
          false,
          'webhook:MutatingWebhookConfiguration/gmsa-webhook/admission-webhook.windows-gmsa.sigs.k8s.io',
        ],
        // AKS hybrid's 4-day leaves expire soonest (2.1 days) but are renewed by the platform: listed last.
        ['pass', true, '/etc/kubernetes/pki/apiserver-etcd-client.crt'],
        ['pass', true, '/etc/kubernetes/pki/apiserver-kubelet-client.crt'],
        ['pass', true, '/etc/kubernetes/pki/apiserver.crt'],
        ['pass', true, '/etc/kubernetes/pki/etcd/server.crt'],
        ['pass', true, '/etc/kubernetes/pki/front-proxy-client.crt'],
      ]);
      const first = s.expiringCertificates[0];
      expect(first).toMatchObject({
        cluster: 'hci-wl-retail',
        platform: 'aks-hci',
        node: 'moc-lwl1cp7f3c9',
        checkId: 'cert-expiry',
        outcome: 'warn',
        source: { kind: 'file', locator: '/var/lib/kubelet/pki/kubelet.crt' },
        subject: 'CN=moc-lwl1cp7f3c9@1767603600',
        notAfter: '2027-01-05T09:00:00.000Z',
        expiresInDays: 42.9,
        lifetimeDays: 365,
        renewedAutomatically: false,
      });
      expect(first.lifetimeLeftPercent).toBeCloseTo(11.8, 1);
      expect(first.remediation).toMatch(/\S/);
      // A secret lives in the cluster, not on a node.
      expect(s.expiringCertificates[3]).toMatchObject({ node: null, source: { kind: 'secret' } });
      const auto = s.expiringCertificates.filter((c) => c.renewedAutomatically);
      expect(auto.every((c) => c.expiresInDays === 2.1 && c.renewedBy?.includes('AKS hybrid'))).toBe(true);
    });

    it('a stale report: platform-renewed certificates past notAfter never rank above a real risk', async () => {
      expect((await store(golden())).status).toBe('stored');
      // Five days later the 4-day AKS hybrid certificates of this (now stale) report are past their notAfter.
      const later = new Date(RECEIVED.getTime() + 5 * 86_400_000);
      const s = await new FleetSummaryService(ds, { now: () => later }).fleetSummary({
        staleAfterMs: 6 * 3_600_000,
        certLimit: 20,
      });
      const rows = s.expiringCertificates;
      const expiredAuto = rows.flatMap((c, i) => (c.renewedAutomatically && c.expiresInDays < 0 ? [i] : []));
      const risks = rows.flatMap((c, i) => (c.outcome !== 'pass' || !c.renewedAutomatically ? [i] : []));
      expect(expiredAuto).toHaveLength(5);
      expect(rows[expiredAuto[0]]).toMatchObject({ outcome: 'pass', expiresInDays: -2.9 });
      expect(Math.max(...risks)).toBeLessThan(Math.min(...expiredAuto));
      expect(rows[0]).toMatchObject({
        outcome: 'warn',
        source: { locator: '/var/lib/kubelet/pki/kubelet.crt' },
      });
    });

    it('reports the KMS key and its age from the typed facts, and IMDS exposure per namespace', async () => {
      expect((await store(golden())).status).toBe('stored');
      const s = await summary();
      expect(s.kmsKeys).toMatchObject({ clusters: 1, withKnownAge: 1, withExactAge: 1, medianAgeDays: 12.2 });
      expect(s.kmsKeys.oldest).toEqual([
        expect.objectContaining({
          cluster: 'hci-wl-retail',
          provider: 'aks-hybrid-kms',
          apiVersion: 'v2',
          keyId: 'moc-kek-9f3a1c7e-2026-11-11',
          firstSeen: '2026-11-11T04:10:00Z',
          rotatedAt: '2026-11-11T04:10:00Z',
          ageDays: 12.2,
          ageExact: true,
          maxAgeDays: 30,
        }),
      ]);
      // default, gmsa-webhook, legacy-win, monitoring; system namespaces exempt.
      expect(s.imdsExposure).toEqual({
        clustersReporting: 1,
        clustersExposed: 1,
        namespacesExposed: 4,
        podsReaching: 3,
      });
    });

    it('the roll-ups read only typed facts: evidence alone (an older agent) lists nothing', async () => {
      const env = golden();
      for (const r of env.results) delete r.facts;
      expect((await store(env)).status).toBe('stored');
      const s = await summary();
      expect(s.expiringCertificates).toEqual([]);
      expect(s.kmsKeys).toMatchObject({ clusters: 0, withKnownAge: 0, oldest: [] });
      expect(s.imdsExposure.clustersReporting).toBe(0);
    });

    it('refuses a report whose known facts break their schema, naming the field; keeps unknown facts types', async () => {
      const bad = golden();
      const kms = bad.results.find((r) => r.checkId === 'kms-key-rotation');
      if (!kms?.facts) throw new Error('golden sample lost its KMS facts');
      (kms.facts as Record<string, unknown>)['ageSeconds'] = 'twelve days';
      const refused = await store(bad);
      expect(refused.status).toBe('rejected');
      const [q] = await ds.getRepository(QuarantineEntity).find();
      expect(q.detail).toContain('facts');
      expect(q.detail).toContain('ageSeconds');

      const newer = golden();
      newer.results[0].facts = { type: 'future-fact', version: 7, anything: true };
      expect((await store(newer)).status).toBe('stored');
      const stored = await ds.getRepository(FindingEntity).count();
      expect(stored).toBeGreaterThan(100);
    });
  },
);
