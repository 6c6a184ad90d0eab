import { describe, expect, test } from '@jest/globals';
import type { Evidence } from './evidence.js';
import { PROBE_SCHEMAS, readProbe } from './probes.js';
import { readTlsEndpoints } from './tls-endpoints.js';

function evidence(
  probes: Record<string, unknown>,
  collectorErrors: Evidence['collectorErrors'] = [],
): Evidence {
  return {
    schemaVersion: 1,
    collectedAt: '2026-06-01T00:00:00Z',
    cluster: { name: 'c', platform: 'other', role: 'workload' },
    kube: {},
    host: {},
    probes,
    collectorErrors,
    source: 'test',
  };
}

describe('probe contract', () => {
  test('every probe the checks read has a schema', () => {
    expect(Object.keys(PROBE_SCHEMAS).sort()).toEqual(['etcd-secrets', 'kms', 'tls-endpoints']);
  });

  test('readProbe validates and applies defaults', () => {
    const r = readProbe(
      evidence({ kms: { providers: [{ name: 'p', apiVersion: 'v2', endpoint: 'unix:///kms.sock' }] } }),
      'kms',
    );
    expect(r).toEqual({
      ok: true,
      value: { providers: [{ name: 'p', apiVersion: 'v2', endpoint: 'unix:///kms.sock', resources: [] }] },
    });
  });

  test('a wrong field is named with its probe file', () => {
    const r = readProbe(
      evidence({ 'etcd-secrets': { endpoints: [], total: -1, sampled: 0, groups: [] } }),
      'etcd-secrets',
    );
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain('probes/etcd-secrets.json does not have the expected shape: total');
  });

  test('a recorded failure and a missing probe are told apart', () => {
    const failed = readProbe(
      evidence({ 'etcd-secrets': { endpoints: [], error: 'no client certificate' } }),
      'etcd-secrets',
    );
    expect(failed).toEqual({ ok: false, reason: 'probe "etcd-secrets" failed: no client certificate' });
    const crashed = readProbe(evidence({}, [{ source: 'probe/kms', message: 'boom' }]), 'kms');
    expect(crashed).toEqual({ ok: false, reason: 'probe "kms" failed: boom' });
    const missing = readProbe(evidence({}), 'kms');
    if (missing.ok) throw new Error('expected a reason');
    expect(missing.reason).toContain('probes/kms.json is missing');
  });

  test('TLS endpoints: defaults for optional fields, host and port required', () => {
    expect(readTlsEndpoints({ endpoints: [{ host: '10.0.0.1', port: 6443 }] })).toEqual({
      status: 'ok',
      value: {
        probedAt: '',
        endpoints: [{ name: 'endpoint', host: '10.0.0.1', port: 6443, from: 'unknown' }],
      },
    });
    const bad = readTlsEndpoints({ endpoints: [{ host: '10.0.0.1' }] });
    expect(bad).toEqual({
      status: 'invalid',
      reason: 'probes/tls-endpoints.json: endpoints[0].port needs "host" (string) and "port" (number)',
    });
    expect(readTlsEndpoints({})).toMatchObject({ status: 'invalid' });
    expect(readTlsEndpoints(undefined)).toEqual({ status: 'absent' });
  });
});
