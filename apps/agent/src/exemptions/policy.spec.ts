// Exemptions through the real runner over a real bundle folder: annotations on workloads and namespaces, config
// exemptions and severity overrides, and every refusal (no reason, unknown or non-exemptable check, expiry, error).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { reportEnvelopeV1Schema, type CheckResult, type Evidence, type Report } from '@watchpost/shared';
import { readBundle } from '../collectors/bundle.reader.js';
import { runChecks } from '../scan/runner.js';
import type { AgentPolicy } from './policy.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const REASON = 'legacy vendor agent, replaced in Q3 (ticket OPS-1)';

function list(items: unknown[]): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
}

function container(name: string, privileged: boolean) {
  return { name, image: `contoso.azurecr.io/${name}:1.0`, securityContext: { privileged } };
}

function deployment(ns: string, name: string, annotations: Record<string, string>, tpl = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, uid: `uid-${name}`, annotations },
    spec: {
      template: {
        metadata: { labels: { app: name }, annotations: tpl },
        spec: { containers: [container(name, true)] },
      },
    },
  };
}

function namespace(name: string, annotations: Record<string, string> = {}) {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, annotations } };
}

function writeBundle(dir: string, kube: Record<string, unknown[]>): void {
  mkdirSync(join(dir, 'kube'), { recursive: true });
  writeFileSync(
    join(dir, 'cluster.json'),
    JSON.stringify({
      name: 'test-cluster',
      platform: 'aks-hci',
      role: 'workload',
      kubernetesVersion: 'v1.31.5',
      collectedAt: '2026-05-31T22:00:00Z',
    }),
  );
  for (const [resource, items] of Object.entries(kube))
    writeFileSync(join(dir, 'kube', `${resource}.json`), list(items));
}

const exempt = (ids: string, reason: string | null = REASON, until?: string) => ({
  'watchpost.io/exempt': ids,
  ...(reason !== null ? { 'watchpost.io/exempt-reason': reason } : {}),
  ...(until ? { 'watchpost.io/exempt-until': until } : {}),
});

describe('exemptions', () => {
  let dir: string;
  let evidence: Evidence;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'exemptions-'));
    writeBundle(dir, {
      namespaces: [
        namespace('apps'),
        namespace('legacy', exempt('pod-privileged,namespace-pod-security-labels')),
        namespace('vendor'),
      ],
      'deployments.apps': [
        // Exempted on the object; its pods (through the ReplicaSet) inherit it.
        deployment(
          'apps',
          'web',
          exempt('pod-privileged,netpol-pod-not-isolated', REASON, '2026-12-31T00:00:00Z'),
        ),
        // No reason: nothing applied.
        deployment('apps', 'no-reason', exempt('pod-privileged', null)),
        // Unknown id and a check an annotation may not exempt, next to a valid one.
        deployment('apps', 'mixed', exempt('pod-privilegd,image-provenance,pod-privileged')),
        // Expired.
        deployment('apps', 'expired', exempt('pod-privileged', REASON, '2026-01-01T00:00:00Z')),
        // On the pod template only.
        deployment('apps', 'templated', {}, exempt('pod-privileged')),
        // In an exempting namespace, no annotation of its own.
        deployment('legacy', 'old', {}),
        // Nothing at all.
        deployment('vendor', 'plain', {}),
      ],
      'replicasets.apps': [],
      pods: [
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            name: 'web-5d8f-abcde',
            namespace: 'apps',
            labels: { app: 'web', 'pod-template-hash': '5d8f' },
            ownerReferences: [
              { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d8f', controller: true },
            ],
          },
          spec: { containers: [container('web', true)] },
        },
      ],
      'daemonsets.apps': [],
      'statefulsets.apps': [],
      'jobs.batch': [],
      'cronjobs.batch': [],
      nodes: [],
      'networkpolicies.networking.k8s.io': [],
    });
    evidence = await readBundle(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const scan = (policy?: AgentPolicy, now = NOW, only?: string[]): Report =>
    runChecks(evidence, {
      now,
      only: only ?? [
        'pod-privileged',
        'namespace-pod-security-labels',
        'netpol-pod-not-isolated',
        'image-provenance',
      ],
      ...(policy ? { policy } : {}),
    });
  const find = (r: Report, checkId: string, kind: string, ns: string, name: string): CheckResult => {
    const hit = r.results.find(
      (x) =>
        x.checkId === checkId &&
        x.resource.kind === kind &&
        x.resource.namespace === ns &&
        x.resource.name === name,
    );
    if (!hit) throw new Error(`no ${checkId} result on ${kind} ${ns}/${name}`);
    return hit;
  };

  test('an annotated workload keeps its outcome and carries the exemption; its pods inherit it', () => {
    const r = scan();
    const web = find(r, 'pod-privileged', 'Deployment', 'apps', 'web');
    expect(web.outcome).toBe('fail');
    expect(web.exemption).toEqual({
      source: 'annotation',
      reason: REASON,
      ref: 'Deployment apps/web',
      expiresAt: '2026-12-31T00:00:00.000Z',
    });
    // netpol-pod-not-isolated judges the pod; the pod belongs to Deployment apps/web (ReplicaSet not collected).
    const pod = r.results.find(
      (x) => x.checkId === 'netpol-pod-not-isolated' && x.resource.name === 'web-5d8f-abcde',
    );
    expect(pod?.outcome).toBe('fail');
    expect(pod?.exemption?.ref).toBe('Deployment apps/web');
    // The pod template's annotations count too, and a namespace's annotation covers its workloads and itself.
    expect(find(r, 'pod-privileged', 'Deployment', 'apps', 'templated').exemption?.ref).toBe(
      'Deployment apps/templated (pod template)',
    );
    expect(find(r, 'pod-privileged', 'Deployment', 'legacy', 'old').exemption?.ref).toBe('Namespace legacy');
    const ns = r.results.find(
      (x) => x.checkId === 'namespace-pod-security-labels' && x.resource.name === 'legacy',
    );
    expect([ns?.outcome, ns?.exemption?.ref]).toEqual(['fail', 'Namespace legacy']);
    expect(find(r, 'pod-privileged', 'Deployment', 'vendor', 'plain').exemption).toBeUndefined();
    // Outcomes and counts are the scan's own; the envelope accepts the exemptions.
    expect(r.summary).toEqual(scan({}, NOW).summary);
    expect(() =>
      reportEnvelopeV1Schema.parse({
        schemaVersion: 1,
        agentId: 'a.b',
        seq: 1,
        runId: '6f1c2d1e-8a3b-4c5d-9e0f-1a2b3c4d5e6f',
        scannedAt: r.scannedAt,
        evaluatedAt: r.evaluatedAt,
        agentVersion: '0.1.0',
        cluster: r.cluster,
        summary: r.summary,
        results: r.results,
        collectorErrors: r.collectorErrors,
        dropped: 0,
      }),
    ).not.toThrow();
  });

  test('refusals: no reason, unknown id, non-exemptable check, past expiry: not applied, each named as a collector error', () => {
    const r = scan();
    expect(find(r, 'pod-privileged', 'Deployment', 'apps', 'no-reason').exemption).toBeUndefined();
    expect(find(r, 'pod-privileged', 'Deployment', 'apps', 'expired').exemption).toBeUndefined();
    // The valid id of a mixed annotation still applies; the refused ones stay open.
    expect(find(r, 'pod-privileged', 'Deployment', 'apps', 'mixed').exemption?.ref).toBe(
      'Deployment apps/mixed',
    );
    const provenance = find(r, 'image-provenance', 'Deployment', 'apps', 'mixed');
    expect(provenance.outcome).not.toBe('pass');
    expect(provenance.exemption).toBeUndefined();
    const errors = r.collectorErrors.map((e) => `${e.source}: ${e.message}`);
    expect(errors).toEqual([
      expect.stringMatching(
        /^annotation\/Deployment\/apps\/no-reason: .*on Deployment apps\/no-reason is not applied: it has no watchpost.io\/exempt-reason/,
      ),
      expect.stringMatching(/^annotation\/Deployment\/apps\/mixed: .*unknown check id "pod-privilegd"/),
      expect.stringMatching(
        /^annotation\/Deployment\/apps\/mixed: .*names image-provenance, which an annotation cannot exempt/,
      ),
      expect.stringMatching(/^annotation\/Deployment\/apps\/expired: .*expired at 2026-01-01T00:00:00.000Z/),
    ]);
  });

  test('an exemption expires by itself: evaluated after exempt-until, the finding is open again', () => {
    const later = scan(undefined, new Date('2027-01-01T00:00:00Z'));
    expect(find(later, 'pod-privileged', 'Deployment', 'apps', 'web').exemption).toBeUndefined();
    expect(later.collectorErrors.some((e) => e.source === 'annotation/Deployment/apps/web')).toBe(true);
  });

  test('config exemptions may exempt what annotations cannot, by check or area and scope; expired ones do not apply', () => {
    const policy: AgentPolicy = {
      exemptions: [
        {
          checkId: 'image-provenance',
          scope: { kind: 'resource', resource: { kind: 'Deployment', namespace: 'apps', name: 'mixed' } },
          reason: 'vendor image mirrored next quarter',
          expiresAt: '2026-09-01T00:00:00.000Z',
        },
        {
          area: 'workload',
          scope: { kind: 'namespace', namespace: 'vendor' },
          reason: 'old',
          expiresAt: '2026-05-01T00:00:00.000Z',
        },
        {
          area: 'workload',
          scope: { kind: 'namespace', namespace: 'apps' },
          reason: 'apps team accepts',
          expiresAt: '2026-09-01T00:00:00.000Z',
        },
      ],
    };
    const r = scan(policy);
    expect(find(r, 'image-provenance', 'Deployment', 'apps', 'mixed').exemption).toEqual({
      source: 'config',
      reason: 'vendor image mirrored next quarter',
      ref: 'config exemptions[0]',
      expiresAt: '2026-09-01T00:00:00.000Z',
    });
    // Expired entry: nothing in vendor is exempted.
    expect(find(r, 'pod-privileged', 'Deployment', 'vendor', 'plain').exemption).toBeUndefined();
    // Config wins over an annotation on the same result.
    expect(find(r, 'pod-privileged', 'Deployment', 'apps', 'web').exemption?.ref).toBe(
      'config exemptions[2]',
    );
    // Area scope: a network check in apps is not a workload check.
    const pod = r.results.find(
      (x) => x.checkId === 'netpol-pod-not-isolated' && x.resource.name === 'web-5d8f-abcde',
    );
    expect(pod?.exemption?.source).toBe('annotation');
  });

  test('never an error outcome: a cluster-wide config exemption leaves error results open', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'exemptions-err-'));
    try {
      writeBundle(broken, { namespaces: [namespace('apps')] }); // no workload lists at all: the checks err
      const r = runChecks(await readBundle(broken), {
        now: NOW,
        only: ['pod-privileged'],
        policy: {
          exemptions: [
            {
              area: 'workload',
              scope: { kind: 'cluster' },
              reason: 'all',
              expiresAt: '2026-09-01T00:00:00Z',
            },
          ],
        },
      });
      const errors = r.results.filter((x) => x.outcome === 'error');
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.filter((x) => x.exemption)).toEqual([]);
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });

  test('hostile annotations (not a map, not strings) never throw: a non-string value reads as empty', async () => {
    const odd = mkdtempSync(join(tmpdir(), 'exemptions-odd-'));
    try {
      const weird = (annotations: unknown, name: string) => ({
        ...deployment('apps', name, {}),
        metadata: { name, namespace: 'apps', annotations },
      });
      writeBundle(odd, {
        namespaces: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps', annotations: 'x' } }],
        'deployments.apps': [
          weird(null, 'a'),
          weird('watchpost.io/exempt', 'b'),
          weird({ 'watchpost.io/exempt': 42, 'watchpost.io/exempt-reason': ['r'] }, 'c'),
        ],
        pods: [],
        'replicasets.apps': [],
        'daemonsets.apps': [],
        'statefulsets.apps': [],
        'jobs.batch': [],
        'cronjobs.batch': [],
      });
      const r = runChecks(await readBundle(odd), { now: NOW, only: ['pod-privileged'] });
      expect(r.results.filter((x) => x.exemption)).toEqual([]);
      expect(r.collectorErrors.map((e) => e.source)).toEqual([
        'annotation/Deployment/apps/c',
        'annotation/Deployment/apps/c',
      ]);
      expect(r.collectorErrors[0].message).toContain('it names no check id');
    } finally {
      rmSync(odd, { recursive: true, force: true });
    }
  });

  test('severity overrides change every result of the check and say what the severity was', () => {
    const r = scan({ severityOverrides: { 'pod-privileged': 'low' } });
    const web = find(r, 'pod-privileged', 'Deployment', 'vendor', 'plain');
    expect([web.severity, web.evidence?.['severityOverriddenFrom']]).toEqual(['low', 'critical']);
    expect(r.results.filter((x) => x.checkId === 'pod-privileged' && x.severity !== 'low')).toEqual([]);
  });

  test('platform namespaces come from the run options: a listed namespace is not blamed', () => {
    const r = runChecks(evidence, {
      now: NOW,
      only: ['pod-privileged'],
      platformNamespaces: ['vendor', 'kube-*'],
    });
    expect(find(r, 'pod-privileged', 'Deployment', 'vendor', 'plain').outcome).toBe('not_applicable');
    expect(find(scan(), 'pod-privileged', 'Deployment', 'vendor', 'plain').outcome).toBe('fail');
  });
});
