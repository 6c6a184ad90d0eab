// `watchpost-agent policy ...` as a user runs it: the built binary against the sample bundles.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const BIN = join(ROOT, 'apps/agent/bin/watchpost-agent.js');
const WORKLOAD = join(ROOT, 'test/fixtures/bundles/aks-hci-workload');
const AZURE = join(ROOT, 'test/fixtures/bundles/aks-azure');

function agent(args: string[], input?: string) {
  if (!existsSync(join(ROOT, 'apps/agent/dist/src/cli/main.js')))
    throw new Error('apps/agent is not built: run npm run build (npm test does)');
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC' },
    ...(input !== undefined ? { input } : {}),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('watchpost-agent policy', () => {
  test('explain names the selecting policies, isolation and the IMDS verdict with its deciding rule', () => {
    const r = agent([
      'policy',
      'explain',
      '--bundle',
      WORKLOAD,
      '--pod',
      'payments/payments-api-6c9d7b8f4-9fz2k',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.isolation).toEqual({ ingress: true, egress: true });
    expect(out.labels['projectcalico.org/namespace']).toBe('payments');
    expect(out.policies.map((p: { id: string }) => p.id)).toEqual([
      'GlobalNetworkPolicy security.pass-everything-else',
      'CalicoNetworkPolicy payments/default.deny-instance-metadata',
      'NetworkPolicy payments/allow-dns',
      'NetworkPolicy payments/default-deny',
      'NetworkPolicy payments/payments-api-from-web',
    ]);
    expect(out.imds.allowed).toBe(false);
    expect(out.imds.decidedBy.policyId).toBe('CalicoNetworkPolicy payments/default.deny-instance-metadata');
  });

  test('explain says a Windows pod on AKS Arc is not covered by Calico', () => {
    const r = agent([
      'policy',
      'explain',
      '--bundle',
      WORKLOAD,
      '--pod',
      'legacy-win/legacy-portal-7f8b9c5d6-r4t2s',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('NOT ENFORCED');
    expect(r.stdout).toContain('Linux pods only');
    expect(r.stdout).toMatch(/instance metadata .*REACHABLE/);
  });

  test('can-reach applies egress and ingress and names the deciding rules', () => {
    const ok = agent([
      'policy',
      'can-reach',
      '--bundle',
      WORKLOAD,
      '--from',
      'web/storefront-5b7f9c6d8-k2v9x',
      '--to',
      'payments/payments-api-6c9d7b8f4-9fz2k',
      '--port',
      '8443',
      '--json',
    ]);
    expect(ok.code).toBe(0);
    const v = JSON.parse(ok.stdout);
    expect(v.allowed).toBe(true);
    expect(v.ingress.decidedBy.policyId).toBe('NetworkPolicy payments/payments-api-from-web');
    const denied = agent([
      'policy',
      'can-reach',
      '--bundle',
      WORKLOAD,
      '--from',
      'web/storefront-5b7f9c6d8-k2v9x',
      '--to',
      'payments/payments-api-6c9d7b8f4-9fz2k',
      '--port',
      '8080/tcp',
    ]);
    expect(denied.stdout).toMatch(/DENIED/);
    expect(denied.code).toBe(1);
    expect(denied.stdout).toContain('end-of-tier');
    const imds = agent([
      'policy',
      'can-reach',
      '--bundle',
      AZURE,
      '--from',
      'shop/checkout-85f6d9c7b-b8w2l',
      '--to',
      '169.254.169.254',
      '--port',
      '80',
    ]);
    expect(imds.stdout).toMatch(/ALLOWED/);
    expect(imds.code).toBe(0);
  });

  test('can-reach refuses an unknown pod and a bad port with exit 2', () => {
    const unknown = agent([
      'policy',
      'can-reach',
      '--bundle',
      WORKLOAD,
      '--from',
      'web/nope',
      '--to',
      '10.0.0.1',
      '--port',
      '80',
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('pod web/nope not found');
    const badPort = agent([
      'policy',
      'can-reach',
      '--bundle',
      WORKLOAD,
      '--from',
      'web/nope',
      '--to',
      '10.0.0.1',
      '--port',
      '80/icmp',
    ]);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain('--port');
  });

  test('matrix --json is keyed ns/pod -> ns/pod -> boolean', () => {
    const r = agent(['policy', 'matrix', '--bundle', WORKLOAD, '--port', '8443/tcp', '--json']);
    expect(r.code).toBe(0);
    const m = JSON.parse(r.stdout) as Record<string, Record<string, boolean>>;
    expect(m['web/storefront-5b7f9c6d8-k2v9x']['payments/payments-api-6c9d7b8f4-9fz2k']).toBe(true);
    expect(m['gmsa-webhook/gmsa-webhook-6b8d9f7c5-4xk2p']['payments/payments-api-6c9d7b8f4-9fz2k']).toBe(
      false,
    );
    const keys = Object.keys(m);
    for (const k of keys) expect(Object.keys(m[k])).toEqual(keys);
  });

  test('match with --labels, with stdin lines, and a selector that does not parse', () => {
    expect(
      agent(['policy', 'match', '--selector', "app == 'web' && !has(canary)", '--labels', '{"app":"web"}'])
        .stdout,
    ).toBe('true\n');
    const lines = agent(
      ['policy', 'match', '--selector', "tier not in {'db'}"],
      '{"tier":"web"}\n{"tier":"db"}\n{}\n',
    );
    expect(lines.code).toBe(0);
    expect(lines.stdout).toBe('true\nfalse\ntrue\n');
    const bad = agent(['policy', 'match', '--selector', "app == 'web' &", '--labels', '{}']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('position 13');
    expect(bad.stdout).toBe('');
  });
});
