import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startKubeApiServer, type KubeApiServer } from '../testing/kube-api-server.js';
import { collectKube, listResource, loadKubeConfig } from './kube.collector.js';
import { RESOURCES } from './resources.js';

const BUNDLE = fileURLToPath(new URL('../../../../test/fixtures/bundles/aks-hci-workload', import.meta.url));
const spec = (name: string) => RESOURCES.find((r) => r.resource === name)!;

describe('kube collector against the fixture API server', () => {
  let server: KubeApiServer;
  let dir: string;
  let kubeconfig: string;

  beforeAll(async () => {
    server = await startKubeApiServer({
      fixtures: BUNDLE,
      forbidden: ['secrets', 'clusterrolebindings.rbac.authorization.k8s.io'],
    });
    dir = mkdtempSync(join(tmpdir(), 'wp-kube-'));
    kubeconfig = server.writeKubeconfig(dir);
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('pages through a list with limit/continue and gets every item once', async () => {
    const kc = loadKubeConfig({ kubeconfig });
    const expected = (
      JSON.parse(readFileSync(join(BUNDLE, 'kube/pods.json'), 'utf8')) as {
        items: { metadata: { name: string } }[];
      }
    ).items.map((p) => p.metadata.name);
    const before = server.requests.length;
    const res = await listResource(kc, spec('pods'), 3);
    expect(res.status).toBe('ok');
    if (res.status !== 'ok') return;
    expect(res.items.map((p) => p.metadata.name)).toEqual(expected);
    const pages = server.requests.slice(before).filter((r) => r.startsWith('/api/v1/pods'));
    expect(pages.length).toBe(Math.ceil(expected.length / 3));
    expect(pages.slice(1).every((r) => r.includes('continue='))).toBe(true);
    // Replicas' alike parts are one object, across pages too (PodSharing); the JSON stays each pod's own.
    const byText = new Map<string, unknown[]>();
    for (const p of res.items) {
      const c = (p['spec'] as { containers: Record<string, unknown>[] }).containers[0];
      if (!c?.['resources']) continue;
      const text = JSON.stringify(c['resources']);
      byText.set(text, [...(byText.get(text) ?? []), c['resources']]);
    }
    const alike = [...byText.values()].filter((same) => same.length > 1);
    expect(alike.length).toBeGreaterThan(0);
    for (const same of alike) expect(new Set(same).size).toBe(1);
  });

  test('403 becomes a forbidden collector error naming the resource and permission', async () => {
    const res = await listResource(
      loadKubeConfig({ kubeconfig }),
      spec('clusterrolebindings.rbac.authorization.k8s.io'),
    );
    expect(res.status).toBe('forbidden');
    if (res.status !== 'forbidden') return;
    expect(res.error.source).toBe('kube/clusterrolebindings.rbac.authorization.k8s.io');
    expect(res.error.message).toContain('list rbac.authorization.k8s.io/clusterrolebindings');
  });

  test('404 on an optional CRD means not installed; on a core resource it is an error', async () => {
    const kc = loadKubeConfig({ kubeconfig });
    expect(await listResource(kc, spec('globalnetworksets.projectcalico.org'))).toEqual({
      status: 'not-installed',
    });
    const core = await listResource(kc, spec('endpoints'));
    expect(core.status).toBe('error');
  });

  test('an expired continue token (410) is an error, not a partial list', async () => {
    const s = await startKubeApiServer({ fixtures: BUNDLE, expireContinueAfterPages: 1 });
    try {
      const kc = loadKubeConfig({
        kubeconfig: s.writeKubeconfig(mkdtempSync(join(tmpdir(), 'wp-kube410-'))),
      });
      const res = await listResource(kc, spec('pods'), 2);
      expect(res.status).toBe('error');
      if (res.status === 'error') expect(res.error.message).toContain('410');
    } finally {
      await s.close();
    }
  });

  test('wrong credentials are reported as a 401, not as an empty cluster', async () => {
    const s = await startKubeApiServer({ fixtures: BUNDLE, token: 'right-token' });
    const d = mkdtempSync(join(tmpdir(), 'wp-kube401-'));
    try {
      const file = s.writeKubeconfig(d);
      writeFileSync(file, readFileSync(file, 'utf8').replace('token: right-token', 'token: wrong-token'));
      const res = await listResource(loadKubeConfig({ kubeconfig: file }), spec('pods'));
      expect(res.status).toBe('error');
      if (res.status === 'error') expect(res.error.message).toContain('401');
    } finally {
      await s.close();
      rmSync(d, { recursive: true, force: true });
    }
  });

  test('collectKube gathers everything, records errors, never throws, and reads /version', async () => {
    const progress: string[] = [];
    const res = await collectKube({ kubeconfig, progress: (m) => progress.push(m) });
    expect(res.version).toBe('v1.31.5');
    expect(res.kube['nodes']?.status).toBe('ok');
    expect(res.kube['secrets']?.status).toBe('forbidden');
    expect(res.kube['tiers.projectcalico.org']).toEqual({ status: 'not-installed' });
    expect(res.errors.map((e) => e.source)).toEqual(
      expect.arrayContaining(['kube/secrets', 'kube/clusterrolebindings.rbac.authorization.k8s.io']),
    );
    expect(progress.length).toBe(RESOURCES.length);
  });
});

describe('Gatekeeper constraints (one resource per ConstraintTemplate)', () => {
  test('collectKube lists the constraint kinds the collected templates define', async () => {
    const fixtures = mkdtempSync(join(tmpdir(), 'wp-gk-'));
    const list = (items: unknown[]) => JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
    const template = (kind: string) => ({
      apiVersion: 'templates.gatekeeper.sh/v1',
      kind: 'ConstraintTemplate',
      metadata: { name: kind.toLowerCase() },
      spec: {
        crd: { spec: { names: { kind } } },
        targets: [{ target: 'admission.k8s.gatekeeper.sh', rego: 'package x' }],
      },
      status: { created: true },
    });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(fixtures, 'kube'));
    writeFileSync(
      join(fixtures, 'kube/constrainttemplates.templates.gatekeeper.sh.json'),
      list([template('K8sAzureV2NoPrivilege'), template('RatifyVerification')]),
    );
    writeFileSync(
      join(fixtures, 'kube/k8sazurev2noprivilege.constraints.gatekeeper.sh.json'),
      list([
        {
          apiVersion: 'constraints.gatekeeper.sh/v1beta1',
          kind: 'K8sAzureV2NoPrivilege',
          metadata: { name: 'azurepolicy-k8sazurev2noprivilege-4c1d' },
          spec: { enforcementAction: 'deny' },
          status: { totalViolations: 3 },
        },
      ]),
    );
    const gk = await startKubeApiServer({ fixtures });
    try {
      const { kube } = await collectKube({ kubeconfig: gk.writeKubeconfig(fixtures) });
      expect(kube['k8sazurev2noprivilege.constraints.gatekeeper.sh']).toMatchObject({
        status: 'ok',
        items: [{ status: { totalViolations: 3 } }],
      });
      // A template whose constraint CRD is not served yet is "not installed", not an error.
      expect(kube['ratifyverification.constraints.gatekeeper.sh']).toEqual({ status: 'not-installed' });
      expect(
        gk.requests.some((r) => r.includes('/apis/constraints.gatekeeper.sh/v1beta1/k8sazurev2noprivilege')),
      ).toBe(true);
    } finally {
      await gk.close();
      rmSync(fixtures, { recursive: true, force: true });
    }
  });
});
