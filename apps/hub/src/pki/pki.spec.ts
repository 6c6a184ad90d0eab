import { describe, expect, it } from '@jest/globals';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certificateFingerprint } from '@watchpost/shared';
import { agentIdFor, validateBinding } from './enrollment.service.js';
import { loadOrCreateHubPki } from './hub-pki.js';

describe('hub PKI files', () => {
  it('creates the CA once with 0600 keys, keeps it across starts, and reissues the server certificate when the SANs change', () => {
    const dir = mkdtempSync(join(tmpdir(), 'watchpost-pki-'));
    try {
      const dataDir = join(dir, 'hub');
      const first = loadOrCreateHubPki({ dataDir, tlsSans: ['localhost', '127.0.0.1'] });
      for (const key of ['ca.key', 'server.key', 'hub-client.key'])
        expect(statSync(join(dataDir, key)).mode & 0o777).toBe(0o600);
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
      expect(first.caHash).toBe(certificateFingerprint(readFileSync(join(dataDir, 'ca.crt'), 'utf8')));
      expect(new X509Certificate(first.client.certPem).subject).toContain('CN=watchpost-hub');

      const again = loadOrCreateHubPki({ dataDir, tlsSans: ['localhost', '127.0.0.1'] });
      expect(again.caHash).toBe(first.caHash);
      expect(again.server.certPem).toBe(first.server.certPem);

      const moved = loadOrCreateHubPki({ dataDir, tlsSans: ['hub.example.internal', '10.0.0.5'] });
      expect(moved.caHash).toBe(first.caHash);
      expect(new X509Certificate(moved.server.certPem).subjectAltName).toBe(
        'DNS:hub.example.internal, IP Address:10.0.0.5',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("gives the hub's client certificate the replica's client id on an external broker, reissued when it changes", () => {
    const dir = mkdtempSync(join(tmpdir(), 'watchpost-pki-'));
    try {
      const base = { dataDir: join(dir, 'hub'), tlsSans: ['localhost'] };
      const cn = (pem: string) =>
        new X509Certificate(pem).subject.split('\n').filter((l) => l.startsWith('CN='));
      const embedded = loadOrCreateHubPki({ ...base, mqttClientId: 'watchpost-hub-0' });
      expect(cn(embedded.client.certPem)).toEqual(['CN=watchpost-hub']);

      const external = { ...base, mqttUrl: 'mqtts://mosquitto:8883', mqttClientId: 'watchpost-hub-0' };
      const replica = loadOrCreateHubPki(external);
      expect(cn(replica.client.certPem)).toEqual(['CN=watchpost-hub-0']);
      expect(
        new X509Certificate(replica.client.certPem).checkIssued(new X509Certificate(replica.ca.certPem)),
      ).toBe(true);
      expect(loadOrCreateHubPki(external).client.certPem).toBe(replica.client.certPem);
      expect(readFileSync(join(base.dataDir, 'hub-client.crt'), 'utf8')).toBe(replica.client.certPem);

      const other = loadOrCreateHubPki({ ...external, mqttClientId: 'watchpost-hub-1' });
      expect(cn(other.client.certPem)).toEqual(['CN=watchpost-hub-1']);
      expect(other.caHash).toBe(replica.caHash);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('agent ids and cluster bindings', () => {
  it('derives [a-z0-9.-] ids from cluster and node, encoding (not collapsing) other names', () => {
    expect(agentIdFor('hci-mgmt-01')).toBe('hci-mgmt-01');
    expect(agentIdFor('HCI-Mgmt-01')).toMatch(/^hci-mgmt-01--x[a-z2-7]+$/);
    expect(agentIdFor('hci wl/retail', 'MOC_Node 1')).toMatch(
      /^hci-wl-retail--x[a-z2-7]+\.moc-node-1--x[a-z2-7]+$/,
    );
    expect(agentIdFor('-edge-', '.n.')).not.toBe('edge.n');
  });

  it('validates token bindings naming the flag at fault', () => {
    expect(validateBinding({ name: 'hci-1', platform: 'aks-hci', role: 'workload' })).toEqual({
      name: 'hci-1',
      platform: 'aks-hci',
      role: 'workload',
      location: undefined,
    });
    expect(() => validateBinding({ name: 'hci-1', platform: 'vmware', role: 'workload' })).toThrow(
      /--platform/,
    );
    expect(() => validateBinding({ name: 'hci-1', platform: 'aks', role: 'admin' })).toThrow(/--role/);
    // Any name is encoded into an id, unless the id would be too long: refused naming the flag, never truncated.
    expect(validateBinding({ name: '///', platform: 'aks', role: 'hub' }).name).toBe('///');
    expect(() => validateBinding({ name: 'c'.repeat(200), platform: 'aks', role: 'hub' })).toThrow(
      /--cluster "c+": .*at most 128/,
    );
    expect(() => validateBinding({ name: 'watchpost-hub', platform: 'aks', role: 'hub' })).toThrow(
      /--cluster/,
    );
  });
});
