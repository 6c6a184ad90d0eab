import { describe, expect, test } from '@jest/globals';
import { checkExpiry, covers, statusAt, type ExemptibleFinding } from './exemption-rules.js';

const f: ExemptibleFinding = {
  cluster: 'hci-wl-retail',
  platform: 'aks-hci',
  checkId: 'pod-host-path',
  area: 'workload',
  resource: { kind: 'DaemonSet', namespace: 'monitoring', name: 'node-exporter' },
};
const check = { checkId: 'pod-host-path' };

describe('which findings an exemption covers', () => {
  test.each([
    [{ kind: 'fleet' }, check, true],
    [{ kind: 'fleet' }, { checkId: 'pod-privileged' }, false],
    [{ kind: 'fleet' }, { area: 'workload' }, true],
    [{ kind: 'fleet' }, { area: 'network' }, false],
    [{ kind: 'platform', platform: 'aks-hci' }, check, true],
    [{ kind: 'platform', platform: 'aks' }, check, false],
    [{ kind: 'cluster', cluster: 'hci-wl-retail' }, check, true],
    [{ kind: 'cluster', cluster: 'aks-shop-weu' }, check, false],
    [{ kind: 'namespace', namespace: 'monitoring' }, check, true],
    [{ kind: 'namespace', cluster: 'hci-wl-retail', namespace: 'monitoring' }, check, true],
    [{ kind: 'namespace', cluster: 'other', namespace: 'monitoring' }, check, false],
    [{ kind: 'namespace', namespace: 'web' }, check, false],
    [
      {
        kind: 'resource',
        cluster: 'hci-wl-retail',
        resource: { kind: 'DaemonSet', namespace: 'monitoring', name: 'node-exporter' },
      },
      check,
      true,
    ],
    [
      {
        kind: 'resource',
        cluster: 'hci-wl-retail',
        resource: { kind: 'DaemonSet', namespace: 'monitoring', name: 'x' },
      },
      check,
      false,
    ],
    [
      { kind: 'resource', cluster: 'hci-wl-retail', resource: { kind: 'DaemonSet', name: 'node-exporter' } },
      check,
      false,
    ],
  ] as const)('%j %j -> %s', (scope, target, expected) => {
    expect(covers({ scope, target }, f)).toBe(expected);
  });

  test('host files by path', () => {
    const file = {
      ...f,
      checkId: 'cert-expiry',
      area: 'certificates' as const,
      resource: { kind: 'HostFile', path: '/etc/kubernetes/admin.conf' },
    };
    const scope = {
      kind: 'resource' as const,
      cluster: 'hci-wl-retail',
      resource: { kind: 'HostFile', path: '/etc/kubernetes/admin.conf' },
    };
    expect(covers({ scope, target: { checkId: 'cert-expiry' } }, file)).toBe(true);
    expect(
      covers(
        {
          scope: { ...scope, resource: { ...scope.resource, path: '/etc/x' } },
          target: { checkId: 'cert-expiry' },
        },
        file,
      ),
    ).toBe(false);
  });
});

describe('expiry and status', () => {
  const now = new Date('2026-11-23T12:00:00Z');
  test('status', () => {
    expect(statusAt({ expiresAt: '2026-11-23T12:00:01Z', revokedAt: null }, now)).toBe('active');
    expect(statusAt({ expiresAt: '2026-11-23T12:00:00Z', revokedAt: null }, now)).toBe('expired');
    expect(statusAt({ expiresAt: '2027-01-01T00:00:00Z', revokedAt: '2026-11-20T00:00:00Z' }, now)).toBe(
      'revoked',
    );
  });
  test('expiry limits', () => {
    expect(checkExpiry('2027-11-23T12:00:00Z', now)).toEqual({ ok: true, value: '2027-11-23T12:00:00.000Z' });
    expect(checkExpiry('2027-11-23T12:00:01Z', now)).toMatchObject({ ok: false });
    expect(checkExpiry('tomorrow', now)).toMatchObject({
      ok: false,
      message: expect.stringContaining('ISO-8601'),
    });
  });
});
