import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCsr, createKeyPair } from '@watchpost/shared';
import type { DataSource } from 'typeorm';
import { loadHubConfig, type HubConfig } from '../config/hub-config.js';
import { AgentEntity, IssuedCertificateEntity } from '../persistence/index.js';
import { migratedThrowawayDatabase } from '../persistence/throwaway-database.js';
import { agentIdFor } from './agent-id.js';
import { EnrollmentService, type ClusterBinding } from './enrollment.service.js';
import { loadOrCreateHubPki, type HubPki } from './hub-pki.js';

const T0 = new Date('2026-11-23T10:00:00.000Z');
const keys = createKeyPair();
const csr = createCsr({ commonName: 'ignored', privateKeyPem: keys.privateKeyPem });
const hci = (name: string): ClusterBinding => ({ name, platform: 'aks-hci', role: 'workload' });

/** The error body a refused enrollment carries. */
async function refusal(p: Promise<unknown>): Promise<{ status: number; code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { getStatus(): number; getResponse(): { error: { code: string; message: string } } };
    return { status: err.getStatus(), ...err.getResponse().error };
  }
  throw new Error('expected a refusal');
}

describe('agent ids are injective in cluster and node names', () => {
  it('keeps canonical names as they are and encodes everything else, never collapsing two names into one', () => {
    expect(agentIdFor('hci-mgmt-01')).toBe('hci-mgmt-01');
    expect(agentIdFor('hci-wl', 'moc-node-1.contoso.local')).toBe('hci-wl.moc-node-1.contoso.local');
    const names = ['victim-a', 'VICTIM_A', 'victim_a', 'Victim-A', 'a.b', 'a', 'a-b', 'a--b', 'ü', 'u'];
    const nodes = [undefined, 'b', '+', '#', '..', '.', ' ', 'ü', 'B', 'b.', 'x--b', 'b--r2'];
    const seen = new Map<string, string>();
    for (const c of names)
      for (const n of nodes)
        for (const g of [1, 2]) {
          const id = agentIdFor(c, n, g);
          expect(id).toMatch(/^[a-z0-9](?:[a-z0-9.-]{0,126}[a-z0-9])?$/);
          const key = JSON.stringify([c, n, g]);
          expect(seen.get(id) ?? key).toBe(key);
          seen.set(id, key);
        }
    // The collisions of the old scheme, one by one.
    expect(agentIdFor('VICTIM_A')).not.toBe(agentIdFor('victim-a'));
    expect(agentIdFor('a', 'b')).not.toBe(agentIdFor('a.b'));
    for (const n of ['+', '#', '..', '.', ' ', 'ü']) expect(agentIdFor('hci', n)).not.toBe(agentIdFor('hci'));
    expect(agentIdFor('VICTIM_A')).toMatch(/^victim-a--x/);
  });

  it('refuses what cannot be an id with a message naming the name, never truncating', () => {
    expect(() => agentIdFor('c'.repeat(129))).toThrow(/at most 128/);
    expect(() => agentIdFor('hci', 'n'.repeat(130))).toThrow(/node "n+" would be \d+ characters/);
    expect(() => agentIdFor('watchpost-hub')).toThrow(/hub's own identity/);
    // every hub replica's identity (watchpost-hub-0 .. on Mosquitto) is out of reach, whatever the node
    expect(() => agentIdFor('watchpost-hub-0')).toThrow(/hub's own identity .*use another cluster name/);
    expect(() => agentIdFor('watchpost-hub-prod', 'node-1')).toThrow(/hub's own identity/);
    expect(() => agentIdFor('watchpost-hub', 'node-1')).toThrow(/hub's own identity/);
    expect(agentIdFor('watchpost-hubble')).toBe('watchpost-hubble');
    expect(() => agentIdFor('')).toThrow(/empty/);
  });
});

describe.each(['sqlite', 'postgres'] as const)('enrollment on %s', (kind) => {
  let ds: DataSource;
  let closeDb: () => Promise<void>;
  let dir: string;
  let config: HubConfig;
  let pki: HubPki;
  let svc: EnrollmentService;
  const revokedEvents: string[] = [];

  beforeEach(async () => {
    ({ ds, close: closeDb } = await migratedThrowawayDatabase(kind));
    dir = mkdtempSync(join(tmpdir(), 'watchpost-enroll-'));
    config = loadHubConfig({ WATCHPOST_DATA_DIR: dir });
    pki = loadOrCreateHubPki(config, T0);
    svc = new EnrollmentService(ds, config, pki);
    revokedEvents.length = 0;
    svc.onRevoked((id) => revokedEvents.push(id));
  });
  afterEach(async () => {
    await closeDb();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a token for cluster VICTIM_A cannot produce, move or revoke the agent of cluster victim-a', async () => {
    const victim = await svc.enroll(
      { token: (await svc.createToken(hci('victim-a'), { now: T0 })).token, csr },
      T0,
    );
    const attacker = await svc.enroll(
      { token: (await svc.createToken(hci('VICTIM_A'), { now: T0 })).token, csr },
      T0,
    );
    expect(victim.agentId).toBe('victim-a');
    expect(attacker.agentId).not.toBe('victim-a');
    const row = await ds.getRepository(AgentEntity).findOneByOrFail({ id: 'victim-a' });
    expect(row).toMatchObject({ clusterName: 'victim-a', revoked: false, supersededBy: null });
    // A node name cannot reach the cluster-level id or another cluster's: a.b vs a + b.
    const ab = await svc.enroll({ token: (await svc.createToken(hci('a.b'), { now: T0 })).token, csr }, T0);
    const aNodeB = await svc.enroll(
      { token: (await svc.createToken(hci('a'), { now: T0 })).token, csr, nodeName: 'b' },
      T0,
    );
    expect(aNodeB.agentId).toBe('a.b');
    expect(ab.agentId).not.toBe('a.b');
  });

  it('refuses an enrollment whose id already belongs to another cluster (legacy ids) and changes nothing', async () => {
    await ds
      .getRepository(AgentEntity)
      .insert({ id: 'legacy-x', clusterName: 'Legacy_X', enrolledAt: T0.toISOString() });
    const r = await refusal(
      svc.enroll({ token: (await svc.createToken(hci('legacy-x'), { now: T0 })).token, csr }, T0),
    );
    expect(r).toMatchObject({ status: 409, code: 'agent_id_collision' });
    expect(r.message).toContain('"Legacy_X"');
    expect(await ds.getRepository(AgentEntity).findOneByOrFail({ id: 'legacy-x' })).toMatchObject({
      clusterName: 'Legacy_X',
      revoked: false,
    });
  });

  it('refuses a weak key with weak_key at enrollment and at renewal', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const weak = generateKeyPairSync('rsa', {
      modulusLength: 1024,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const token = (await svc.createToken(hci('hci-1'), { now: T0 })).token;
    const r = await refusal(
      svc.enroll({ token, csr: createCsr({ commonName: 'x', privateKeyPem: weak.privateKey }) }, T0),
    );
    expect(r).toMatchObject({ status: 400, code: 'weak_key' });
    expect(r.message).toContain('RSA-1024');

    // Renewal applies the same policy: a valid agent asking for a certificate on a weak key is refused.
    const ok = await svc.enroll({ token, csr }, T0);
    const peer = { authorized: true, cert: { raw: new X509Certificate(ok.certificate).raw } as never };
    const renewal = await refusal(
      svc.renew(peer, createCsr({ commonName: ok.agentId, privateKeyPem: weak.privateKey }), T0),
    );
    expect(renewal).toMatchObject({ status: 400, code: 'weak_key' });
    expect((await svc.renew(peer, csr, T0)).certificate).toMatch(/BEGIN CERTIFICATE/);
  });

  it('a cluster credential enrolls up to N distinct nodes, each under <cluster>.<node>; more, expired or revoked are refused', async () => {
    const c = await svc.createCredential(hci('hci-wl'), { maxAgents: 3, ttlMs: 86_400_000, now: T0 });
    expect(c.credential).toMatch(/^wpc_/);
    const ids: string[] = [];
    for (const node of ['moc-n1', 'moc-n2', 'moc-n3'])
      ids.push((await svc.enroll({ token: c.credential, csr, nodeName: node }, T0)).agentId);
    expect(ids).toEqual(['hci-wl.moc-n1', 'hci-wl.moc-n2', 'hci-wl.moc-n3']);
    const fourth = await refusal(svc.enroll({ token: c.credential, csr, nodeName: 'moc-n4' }, T0));
    expect(fourth).toMatchObject({ status: 403, code: 'enrollment_credential_exhausted' });
    expect(fourth.message).toContain('3 nodes already enrolled');
    expect((await refusal(svc.enroll({ token: c.credential, csr }, T0))).message).toMatch(/needs nodeName/);
    // Stored hashed only.
    const stored = JSON.stringify(await svc.listCredentials());
    expect(stored).not.toContain(c.credential.slice(4));
    expect(JSON.parse(stored)).toEqual([expect.objectContaining({ usedBy: 3, maxAgents: 3 })]);

    const later = new Date(T0.getTime() + 86_400_000);
    const expired = await refusal(svc.enroll({ token: c.credential, csr, nodeName: 'moc-n1' }, later));
    expect(expired).toMatchObject({ status: 401, code: 'enrollment_credential_expired' });
    const c2 = await svc.createCredential(hci('hci-wl'), { maxAgents: 5, ttlMs: 86_400_000, now: T0 });
    await svc.revokeCredential(c2.id, T0);
    const revoked = await refusal(svc.enroll({ token: c2.credential, csr, nodeName: 'moc-n9' }, T0));
    expect(revoked).toMatchObject({ status: 401, code: 'enrollment_credential_revoked' });
  });

  it('a node enrolling again gets a new identity; the old one keeps its history, is superseded, revoked and on the CRL', async () => {
    const c = await svc.createCredential(hci('hci-wl'), { maxAgents: 1, ttlMs: 86_400_000, now: T0 });
    const first = await svc.enroll({ token: c.credential, csr, nodeName: 'moc-n1' }, T0);
    await ds.getRepository(AgentEntity).update({ id: first.agentId }, { lastSeq: 56 });
    const oldSerial = new X509Certificate(first.certificate).serialNumber.toUpperCase();
    const t1 = new Date(T0.getTime() + 3_600_000);
    // The same node again (its store was lost): allowed by a credential for one node, not counted twice.
    const second = await svc.enroll({ token: c.credential, csr, nodeName: 'moc-n1' }, t1);
    expect(second.agentId).toBe('hci-wl.moc-n1--r2');
    expect(second.supersedes).toEqual(['hci-wl.moc-n1']);
    const old = await ds.getRepository(AgentEntity).findOneByOrFail({ id: first.agentId });
    expect(old).toMatchObject({
      revoked: true,
      supersededBy: second.agentId,
      supersededAt: t1.toISOString(),
      lastSeq: 56,
    });
    const fresh = await ds.getRepository(AgentEntity).findOneByOrFail({ id: second.agentId });
    expect(fresh).toMatchObject({ revoked: false, lastSeq: null, nodeName: 'moc-n1', clusterName: 'hci-wl' });
    expect(
      (await ds.getRepository(IssuedCertificateEntity).findOneByOrFail({ serial: oldSerial })).revokedAt,
    ).toBe(t1.toISOString());
    expect(revokedEvents).toEqual([first.agentId]);
    expect(await svc.isRevoked({ identity: first.agentId, serial: oldSerial })).toBe(true);
    // The CRL names the old serial (openssl-free check: the DER carries the serial bytes).
    const crl = readFileSync(join(dir, 'crl.pem'), 'utf8');
    const der = Buffer.from(crl.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    expect(der.includes(Buffer.from(oldSerial.padStart(32, '0'), 'hex'))).toBe(true);
    // A single-use token re-enrolling a cluster-level agent supersedes it the same way.
    const a = await svc.enroll({ token: (await svc.createToken(hci('solo'), { now: T0 })).token, csr }, T0);
    const b = await svc.enroll({ token: (await svc.createToken(hci('solo'), { now: T0 })).token, csr }, t1);
    expect([a.agentId, b.agentId]).toEqual(['solo', 'solo--r2']);
    expect((await ds.getRepository(AgentEntity).findOneByOrFail({ id: 'solo' })).supersededBy).toBe(
      'solo--r2',
    );
  });
});
