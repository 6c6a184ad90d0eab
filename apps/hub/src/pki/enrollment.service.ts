import { createHash, randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import type { PeerCertificate } from 'node:tls';
import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, IsNull, MoreThan, Not, type EntityManager } from 'typeorm';
import {
  CLUSTER_ROLES,
  createCrl,
  isHubIdentity,
  PkiError,
  PLATFORMS,
  signCsr,
  type ClusterRole,
  type Platform,
} from '@watchpost/shared';
import { HUB_CONFIG, hubPaths, type HubConfig } from '../config/hub-config.js';
import { AgentEntity } from '../persistence/agent.entity.js';
import { ClusterEntity } from '../persistence/cluster.entity.js';
import { EnrollmentCredentialEntity } from '../persistence/enrollment-credential.entity.js';
import { EnrollmentTokenEntity } from '../persistence/enrollment-token.entity.js';
import { IssuedCertificateEntity } from '../persistence/issued-certificate.entity.js';
import { AgentIdError, agentIdFor } from './agent-id.js';
import type { HubPki } from './hub-pki.js';
import { PkiErrorCode, PkiHttpError } from './pki.errors.js';

/** Injection token of the loaded HubPki. */
export const HUB_PKI = 'WATCHPOST_HUB_PKI';

/** Prefix of enrollment tokens (recognisable when leaked; distinct from API tokens). */
export const ENROLL_TOKEN_PREFIX = 'wpe_';

/** Prefix of cluster enrollment credentials (one secret for a DaemonSet's nodes). */
export const ENROLL_CREDENTIAL_PREFIX = 'wpc_';

/**
 * How long a CRL the hub writes stays valid for a broker (`nextUpdate`). Long on purpose: a broker holds the CRL it
 * last loaded, and once that is past `nextUpdate` OpenSSL refuses every client, so a short window turns a missed
 * reload into a fleet-wide outage, while a stale CRL only lacks the newest revocations (which the reload after
 * each revocation brings). Rewritten at hub start and on every revocation.
 */
export const CRL_VALID_DAYS = 365;

export { agentIdFor, AgentIdError } from './agent-id.js';

/** The cluster an enrollment token is bound to. */
export interface ClusterBinding {
  name: string;
  platform: Platform;
  role: ClusterRole;
  location?: string | undefined;
}

/** The answer to a successful enrollment (hub-agent contract 3). */
export interface EnrollResponse {
  agentId: string;
  certificate: string;
  caCertificate: string;
  mqtt: { url: string; protocolVersion: 4 | 5 };
  cluster: { name: string; platform: string; role: string; location?: string };
  /** Earlier identities of this node (or cluster-level agent) that this enrollment superseded and revoked. */
  supersedes?: string[];
}

/** Most nodes one cluster credential may enroll. */
export const MAX_CREDENTIAL_AGENTS = 10_000;

/** What an admitted token or credential grants: its cluster, and how to spend it once the CSR was signed. */
interface Grant {
  id: string;
  binding: ClusterBinding;
  spend(agentId: string): Promise<void>;
}

function bindingOf(row: {
  clusterName: string;
  platform: Platform;
  role: ClusterRole;
  location: string | null;
}): ClusterBinding {
  return {
    name: row.clusterName,
    platform: row.platform,
    role: row.role,
    ...(row.location ? { location: row.location } : {}),
  };
}

/** Hex SHA-256 of an enrollment token. */
export const hashEnrollmentToken = (token: string): string =>
  createHash('sha256').update(token, 'utf8').digest('hex');

/** Validates a cluster binding given on the command line; throws naming the flag. */
export function validateBinding(b: {
  name?: string;
  platform?: string;
  role?: string;
  location?: string;
}): ClusterBinding {
  if (!b.name || b.name.length > 253) throw new Error('--cluster is required (1 to 253 characters)');
  try {
    agentIdFor(b.name);
  } catch (err) {
    if (err instanceof AgentIdError) throw new Error(`--cluster "${b.name}": ${err.message}`);
    throw err;
  }
  if (!b.platform || !(PLATFORMS as readonly string[]).includes(b.platform)) {
    throw new Error(
      `--platform must be one of ${PLATFORMS.join(', ')} (got ${JSON.stringify(b.platform ?? null)})`,
    );
  }
  if (!b.role || !(CLUSTER_ROLES as readonly string[]).includes(b.role)) {
    throw new Error(
      `--role must be one of ${CLUSTER_ROLES.join(', ')} for an enrollment token (got ${JSON.stringify(b.role ?? null)})`,
    );
  }
  if (b.location !== undefined && (b.location.length === 0 || b.location.length > 128))
    throw new Error('--location must be 1 to 128 characters');
  return {
    name: b.name,
    platform: b.platform as Platform,
    role: b.role as ClusterRole,
    location: b.location,
  };
}

/**
 * Enrollment tokens, certificate issuance for agents (enrollment and renewal) and revocation. The hub CA signs;
 * Node's TLS decides trust. Every issued certificate is recorded, so revocation is per serial and the broker can
 * refuse anything the hub does not know.
 */
@Injectable()
export class EnrollmentService {
  private readonly logger = new Logger('Pki');
  private readonly revocationListeners: ((agentId: string) => void)[] = [];

  constructor(
    private readonly dataSource: DataSource,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    @Inject(HUB_PKI) private readonly pki: HubPki,
  ) {}

  /** Called after an agent was revoked (the embedded broker drops its connections). */
  onRevoked(listener: (agentId: string) => void): void {
    this.revocationListeners.push(listener);
  }

  /** Creates a single-use enrollment token; the token itself is returned once and stored only hashed. */
  async createToken(
    binding: ClusterBinding,
    opts: { ttlMs?: number; now?: Date } = {},
  ): Promise<{ token: string; id: string; expiresAt: string; caHash: string }> {
    const now = opts.now ?? new Date();
    const token = `${ENROLL_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const row: EnrollmentTokenEntity = {
      id: randomUUID(),
      tokenHash: hashEnrollmentToken(token),
      clusterName: binding.name,
      platform: binding.platform,
      role: binding.role,
      location: binding.location ?? null,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + (opts.ttlMs ?? this.config.enrollTokenTtlMs)).toISOString(),
      usedAt: null,
      usedByAgentId: null,
    };
    await this.dataSource.getRepository(EnrollmentTokenEntity).insert(row);
    return { token, id: row.id, expiresAt: row.expiresAt, caHash: this.pki.caHash };
  }

  /**
   * Creates a cluster enrollment credential for a DaemonSet: at most `maxAgents` distinct nodes may enroll with
   * it, each under its own id `<cluster>.<node>`, until it expires or is revoked. Returned once, stored hashed.
   */
  async createCredential(
    binding: ClusterBinding,
    opts: { maxAgents: number; ttlMs: number; now?: Date },
  ): Promise<{ credential: string; id: string; expiresAt: string; maxAgents: number; caHash: string }> {
    if (!Number.isInteger(opts.maxAgents) || opts.maxAgents < 1 || opts.maxAgents > MAX_CREDENTIAL_AGENTS)
      throw new Error(
        `--max-agents must be a whole number from 1 to ${MAX_CREDENTIAL_AGENTS} (got ${opts.maxAgents})`,
      );
    const now = opts.now ?? new Date();
    const credential = `${ENROLL_CREDENTIAL_PREFIX}${randomBytes(32).toString('base64url')}`;
    const row: EnrollmentCredentialEntity = {
      id: randomUUID(),
      credentialHash: hashEnrollmentToken(credential),
      clusterName: binding.name,
      platform: binding.platform,
      role: binding.role,
      location: binding.location ?? null,
      maxAgents: opts.maxAgents,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + opts.ttlMs).toISOString(),
      revokedAt: null,
    };
    await this.dataSource.getRepository(EnrollmentCredentialEntity).insert(row);
    return {
      credential,
      id: row.id,
      expiresAt: row.expiresAt,
      maxAgents: row.maxAgents,
      caHash: this.pki.caHash,
    };
  }

  /** Cluster credentials with how many nodes used each (never the secret: only its hash is kept). */
  async listCredentials(): Promise<(EnrollmentCredentialEntity & { usedBy: number })[]> {
    const rows = await this.dataSource
      .getRepository(EnrollmentCredentialEntity)
      .find({ order: { createdAt: 'ASC' } });
    const out: (EnrollmentCredentialEntity & { usedBy: number })[] = [];
    for (const r of rows)
      out.push({ ...r, usedBy: await this.nodesEnrolledWith(this.dataSource.manager, r.id) });
    return out;
  }

  /** Revokes a credential: no further node may enroll with it (agents already enrolled keep their identity). */
  async revokeCredential(id: string, now = new Date()): Promise<{ id: string; revokedAt: string }> {
    const repo = this.dataSource.getRepository(EnrollmentCredentialEntity);
    const row = await repo.findOneBy({ id });
    if (!row) throw new Error(`no enrollment credential with id ${id} (see watchpost-hub credential list)`);
    const revokedAt = row.revokedAt ?? now.toISOString();
    await repo.update({ id }, { revokedAt });
    return { id, revokedAt };
  }

  /**
   * `POST /api/v1/enroll`: with a single-use token (`wpe_`) or a cluster credential (`wpc_`, node name
   * required), signs the CSR with CN = the agent id the hub chose. A node (or cluster-level agent) that enrolls
   * again gets a new identity; the old one is kept with its history, marked superseded and revoked, and its
   * certificates go on the CRL.
   */
  async enroll(
    body: { token: string; csr: string; nodeName?: string | undefined },
    now = new Date(),
  ): Promise<EnrollResponse> {
    const hash = hashEnrollmentToken(body.token);
    const superseded: string[] = [];
    const result = await this.dataSource.transaction(async (m) => {
      const grant = body.token.startsWith(ENROLL_CREDENTIAL_PREFIX)
        ? await this.admitCredential(m, hash, body.nodeName, now)
        : await this.admitToken(m, hash, now);
      const binding = grant.binding;
      let baseId: string;
      try {
        baseId = agentIdFor(binding.name, body.nodeName);
      } catch (err) {
        if (err instanceof AgentIdError)
          throw new PkiHttpError(HttpStatus.BAD_REQUEST, PkiErrorCode.BadRequest, err.message);
        throw err;
      }
      const agents = m.getRepository(AgentEntity);
      const sameBase = await agents.findOneBy({ id: baseId });
      if (sameBase && sameBase.clusterName !== binding.name) {
        // Only possible with ids enrolled before ids were injective: refuse rather than move that agent.
        throw new PkiHttpError(
          HttpStatus.CONFLICT,
          PkiErrorCode.AgentIdCollision,
          `agent id "${baseId}" already belongs to an agent of cluster "${sameBase.clusterName}", not "${binding.name}"; ` +
            'nothing was changed. Revoke that agent or enroll under another node name',
        );
      }
      // Every earlier, still active identity of this node: superseded by the new one.
      const previous = await agents.find({
        where: { clusterName: binding.name, nodeName: body.nodeName ?? IsNull(), supersededBy: IsNull() },
      });
      let agentId = baseId;
      for (let generation = 2; await agents.existsBy({ id: agentId }); generation++) {
        agentId = agentIdFor(binding.name, body.nodeName, generation);
      }
      const signed = this.sign(body.csr, agentId, now);
      await grant.spend(agentId);

      const clusters = m.getRepository(ClusterEntity);
      if (!(await clusters.existsBy({ name: binding.name }))) {
        await clusters.insert({
          name: binding.name,
          platform: binding.platform,
          role: binding.role,
          location: binding.location ?? null,
          kubernetesVersion: null,
          lastAgentId: null,
          lastSeq: null,
          lastScannedAt: null,
          lastReceivedAt: null,
          clockSkewMs: null,
          scores: null,
          score: null,
          summary: null,
          createdAt: now.toISOString(),
          updatedAt: now.toISOString(),
        });
      }
      await agents.insert({
        id: agentId,
        clusterName: binding.name,
        nodeName: body.nodeName ?? null,
        enrolledAt: now.toISOString(),
        enrolledWith: grant.id,
      });
      for (const old of previous) {
        await agents.update(
          { id: old.id },
          {
            revoked: true,
            revokedAt: old.revokedAt ?? now.toISOString(),
            supersededBy: agentId,
            supersededAt: now.toISOString(),
          },
        );
        await m
          .getRepository(IssuedCertificateEntity)
          .update({ agentId: old.id, revokedAt: IsNull() }, { revokedAt: now.toISOString() });
        superseded.push(old.id);
      }
      await this.record(m, agentId, signed, 'enroll', now);
      this.logger.log(
        `enrolled agent "${agentId}" for cluster "${binding.name}" (certificate ${signed.serial})` +
          (superseded.length ? `; supersedes ${superseded.map((id) => `"${id}"`).join(', ')}` : ''),
      );
      return {
        agentId,
        certificate: signed.certPem,
        caCertificate: this.pki.ca.certPem,
        mqtt: { url: this.config.mqttPublicUrl, protocolVersion: this.config.mqttUrl ? 5 : 4 },
        cluster: {
          name: binding.name,
          platform: binding.platform,
          role: binding.role,
          ...(binding.location ? { location: binding.location } : {}),
        },
        ...(superseded.length ? { supersedes: superseded } : {}),
      } satisfies EnrollResponse;
    });
    if (superseded.length) {
      await this.writeCrl(now);
      for (const id of superseded) for (const l of this.revocationListeners) l(id);
    }
    return result;
  }

  private async admitToken(m: EntityManager, hash: string, now: Date): Promise<Grant> {
    const token = await m.getRepository(EnrollmentTokenEntity).findOneBy({ tokenHash: hash });
    if (!token)
      throw new PkiHttpError(
        HttpStatus.UNAUTHORIZED,
        PkiErrorCode.InvalidToken,
        'unknown enrollment token: ask the hub admin for a new one (watchpost-hub token create --enroll)',
      );
    if (token.usedAt)
      throw new PkiHttpError(
        HttpStatus.UNAUTHORIZED,
        PkiErrorCode.TokenUsed,
        `enrollment token was already used at ${token.usedAt}; tokens are single-use`,
      );
    if (now.toISOString() >= token.expiresAt)
      throw new PkiHttpError(
        HttpStatus.UNAUTHORIZED,
        PkiErrorCode.TokenExpired,
        `enrollment token expired at ${token.expiresAt}; ask for a new one`,
      );
    return {
      id: token.id,
      binding: bindingOf(token),
      spend: async (agentId) => {
        // A guarded update: two concurrent enrollments with one token cannot both win.
        const spent = await m
          .getRepository(EnrollmentTokenEntity)
          .update({ id: token.id, usedAt: IsNull() }, { usedAt: now.toISOString(), usedByAgentId: agentId });
        if (!spent.affected)
          throw new PkiHttpError(
            HttpStatus.UNAUTHORIZED,
            PkiErrorCode.TokenUsed,
            'enrollment token was already used; tokens are single-use',
          );
      },
    };
  }

  private async admitCredential(
    m: EntityManager,
    hash: string,
    nodeName: string | undefined,
    now: Date,
  ): Promise<Grant> {
    const cred = await m.getRepository(EnrollmentCredentialEntity).findOneBy({ credentialHash: hash });
    if (!cred)
      throw new PkiHttpError(
        HttpStatus.UNAUTHORIZED,
        PkiErrorCode.InvalidToken,
        'unknown enrollment credential: ask the hub admin for the current one (watchpost-hub credential create)',
      );
    if (cred.revokedAt)
      throw new PkiHttpError(
        HttpStatus.UNAUTHORIZED,
        PkiErrorCode.CredentialRevoked,
        `enrollment credential ${cred.id} for cluster "${cred.clusterName}" was revoked at ${cred.revokedAt}; ask for a new one`,
      );
    if (now.toISOString() >= cred.expiresAt)
      throw new PkiHttpError(
        HttpStatus.UNAUTHORIZED,
        PkiErrorCode.CredentialExpired,
        `enrollment credential ${cred.id} for cluster "${cred.clusterName}" expired at ${cred.expiresAt}; ask for a new one`,
      );
    if (!nodeName)
      throw new PkiHttpError(
        HttpStatus.BAD_REQUEST,
        PkiErrorCode.BadRequest,
        'a cluster enrollment credential needs nodeName (watchpost-agent enroll --node-name <node>): each node gets its own identity',
      );
    const known = await m
      .getRepository(AgentEntity)
      .existsBy({ enrolledWith: cred.id, clusterName: cred.clusterName, nodeName });
    if (!known && (await this.nodesEnrolledWith(m, cred.id)) >= cred.maxAgents)
      throw new PkiHttpError(
        HttpStatus.FORBIDDEN,
        PkiErrorCode.CredentialExhausted,
        `enrollment credential ${cred.id} for cluster "${cred.clusterName}" is used up: ${cred.maxAgents} nodes already enrolled with it; ` +
          'create a new one (watchpost-hub credential create --max-agents N)',
      );
    return { id: cred.id, binding: bindingOf(cred), spend: async () => {} };
  }

  /** Distinct nodes that enrolled with a credential (a node enrolling again does not count twice). */
  private async nodesEnrolledWith(m: EntityManager, credentialId: string): Promise<number> {
    const rows = await m
      .getRepository(AgentEntity)
      .createQueryBuilder('a')
      .select('COUNT(DISTINCT a.nodeName)', 'n')
      .where('a.enrolledWith = :id', { id: credentialId })
      .getRawOne<{ n: number | string }>();
    return Number(rows?.n ?? 0);
  }

  /**
   * Writes the CRL (every revoked certificate not yet expired) for an external broker, atomically (a broker
   * reloading at that moment sees the old or the new file, never half of one). Mosquitto reads it on SIGHUP.
   */
  async writeCrl(now = new Date()): Promise<{ path: string; revoked: number }> {
    const rows = await this.dataSource.getRepository(IssuedCertificateEntity).find({
      where: { revokedAt: Not(IsNull()), notAfter: MoreThan(now.toISOString()) },
      order: { serial: 'ASC' },
    });
    const pem = createCrl({
      ca: this.pki.ca,
      revoked: rows.map((r) => ({ serial: r.serial, revokedAt: r.revokedAt! })),
      now,
      validDays: CRL_VALID_DAYS,
    });
    const path = hubPaths(this.config).crl;
    writeFileSync(`${path}.tmp`, pem, { mode: 0o644 });
    renameSync(`${path}.tmp`, path);
    return { path, revoked: rows.length };
  }

  /**
   * `POST /api/v1/agents/renew`: the TLS peer certificate must chain to the hub CA, be unexpired (Node's verdict
   * in `authorized`), and be a known, unrevoked certificate of a known, unrevoked agent.
   */
  async renew(
    peer: { authorized: boolean; authorizationError?: string | Error | null; cert?: PeerCertificate | null },
    csr: string,
    now = new Date(),
  ): Promise<{ certificate: string; caCertificate: string }> {
    if (!peer.cert || !peer.cert.raw) {
      throw new PkiHttpError(
        HttpStatus.UNAUTHORIZED,
        PkiErrorCode.ClientCertificateRequired,
        'renewal needs the current agent certificate as TLS client certificate',
      );
    }
    if (!peer.authorized) {
      const why =
        peer.authorizationError instanceof Error
          ? peer.authorizationError.message
          : String(peer.authorizationError ?? 'not trusted');
      throw new PkiHttpError(
        HttpStatus.UNAUTHORIZED,
        PkiErrorCode.ClientCertificateRejected,
        `client certificate rejected (${why}); an agent whose certificate expired must re-enroll with a new token`,
      );
    }
    const x509 = new X509Certificate(peer.cert.raw);
    const cn = /(?:^|\n)CN=([^\n]+)/.exec(x509.subject)?.[1];
    const serial = x509.serialNumber.toUpperCase();
    if (!cn || isHubIdentity(cn))
      throw new PkiHttpError(
        HttpStatus.FORBIDDEN,
        PkiErrorCode.ClientCertificateRejected,
        'this certificate is not an agent certificate',
      );
    return this.dataSource.transaction(async (m) => {
      const agent = await m.getRepository(AgentEntity).findOneBy({ id: cn });
      const issued = await m.getRepository(IssuedCertificateEntity).findOneBy({ serial });
      if (!agent || !issued || issued.agentId !== cn) {
        throw new PkiHttpError(
          HttpStatus.UNAUTHORIZED,
          PkiErrorCode.ClientCertificateRejected,
          `certificate ${serial} of "${cn}" was not issued by this hub; re-enroll`,
        );
      }
      if (agent.revoked || issued.revokedAt)
        throw new PkiHttpError(HttpStatus.FORBIDDEN, PkiErrorCode.AgentRevoked, `agent "${cn}" is revoked`);
      const signed = this.sign(csr, cn, now);
      await this.record(m, cn, signed, 'renew', now);
      this.logger.log(`renewed certificate of "${cn}" (${serial} -> ${signed.serial})`);
      return { certificate: signed.certPem, caCertificate: this.pki.ca.certPem };
    });
  }

  /** `POST /api/v1/agents/:id/revoke`: the agent and every certificate it holds. Idempotent. */
  async revoke(
    agentId: string,
    now = new Date(),
  ): Promise<{ agentId: string; revokedAt: string; certificates: number }> {
    const result = await this.dataSource.transaction(async (m) => {
      const agent = await m.getRepository(AgentEntity).findOneBy({ id: agentId });
      if (!agent)
        throw new PkiHttpError(HttpStatus.NOT_FOUND, PkiErrorCode.AgentNotFound, `no agent "${agentId}"`);
      const revokedAt = agent.revokedAt ?? now.toISOString();
      await m.getRepository(AgentEntity).update({ id: agentId }, { revoked: true, revokedAt });
      const certs = await m
        .getRepository(IssuedCertificateEntity)
        .update({ agentId, revokedAt: IsNull() }, { revokedAt });
      return { agentId, revokedAt, certificates: certs.affected ?? 0 };
    });
    this.logger.log(`revoked agent "${agentId}"`);
    await this.writeCrl(now);
    for (const l of this.revocationListeners) l(agentId);
    return result;
  }

  /** For the embedded broker: is this certificate revoked or unknown? The hub's own client certificate is not in the table. */
  async isRevoked(peer: { identity: string; serial: string }): Promise<boolean> {
    if (isHubIdentity(peer.identity)) return false;
    const issued = await this.dataSource
      .getRepository(IssuedCertificateEntity)
      .findOneBy({ serial: peer.serial.toUpperCase() });
    if (!issued || issued.agentId !== peer.identity || issued.revokedAt) return true;
    const agent = await this.dataSource.getRepository(AgentEntity).findOneBy({ id: peer.identity });
    return !agent || agent.revoked;
  }

  private sign(csr: string, agentId: string, now: Date): { certPem: string; serial: string } {
    try {
      const s = signCsr({
        ca: this.pki.ca,
        csrPem: csr,
        validDays: this.config.agentCertDays,
        usage: 'client',
        commonName: agentId,
        now,
      });
      return { certPem: s.certPem, serial: s.serial.toUpperCase() };
    } catch (err) {
      if (err instanceof PkiError)
        throw new PkiHttpError(
          HttpStatus.BAD_REQUEST,
          err.code === 'weak-key' ? PkiErrorCode.WeakKey : PkiErrorCode.BadCsr,
          err.message,
        );
      throw err;
    }
  }

  private async record(
    m: EntityManager,
    agentId: string,
    signed: { certPem: string; serial: string },
    reason: 'enroll' | 'renew',
    now: Date,
  ): Promise<void> {
    const x = new X509Certificate(signed.certPem);
    const notBefore = new Date(x.validFrom).toISOString();
    const notAfter = new Date(x.validTo).toISOString();
    await m.getRepository(IssuedCertificateEntity).insert({
      serial: signed.serial,
      agentId,
      fingerprint: `sha256:${x.fingerprint256.replaceAll(':', '').toLowerCase()}`,
      notBefore,
      notAfter,
      issuedAt: now.toISOString(),
      reason,
      revokedAt: null,
    });
    await m
      .getRepository(AgentEntity)
      .update({ id: agentId }, { certSerial: signed.serial, certNotAfter: notAfter });
  }
}
