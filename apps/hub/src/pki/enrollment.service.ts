import { createHash, randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, IsNull, type EntityManager } from 'typeorm';
import {
  AGENT_ID_PATTERN,
  CLUSTER_ROLES,
  HUB_IDENTITY,
  PkiError,
  PLATFORMS,
  signCsr,
  type ClusterRole,
  type Platform,
} from '@watchpost/shared';
import { HUB_CONFIG, type HubConfig } from '../config/hub-config.js';
import { AgentEntity } from '../persistence/agent.entity.js';
import { ClusterEntity } from '../persistence/cluster.entity.js';
import { EnrollmentTokenEntity } from '../persistence/enrollment-token.entity.js';
import { IssuedCertificateEntity } from '../persistence/issued-certificate.entity.js';
import type { HubPki } from './hub-pki.js';
import { PkiErrorCode, PkiHttpError } from './pki.errors.js';

/** Injection token of the loaded HubPki. */
export const HUB_PKI = 'WATCHPOST_HUB_PKI';

/** Prefix of enrollment tokens (recognisable when leaked; distinct from API tokens). */
export const ENROLL_TOKEN_PREFIX = 'wpe_';

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
}

/** Hex SHA-256 of an enrollment token. */
export const hashEnrollmentToken = (token: string): string =>
  createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * Agent id for a cluster (and node): lower-case, anything outside [a-z0-9.-] becomes `-`, no leading/trailing
 * separators. The hub decides it; the CSR's own CN is ignored.
 */
export function agentIdFor(cluster: string, nodeName?: string): string {
  const norm = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9.-]+/g, '-')
      .replace(/^[.-]+|[.-]+$/g, '');
  const id = nodeName ? `${norm(cluster)}.${norm(nodeName)}` : norm(cluster);
  return id.slice(0, 128).replace(/[.-]+$/, '');
}

/** Validates a cluster binding given on the command line; throws naming the flag. */
export function validateBinding(b: {
  name?: string;
  platform?: string;
  role?: string;
  location?: string;
}): ClusterBinding {
  if (!b.name || b.name.length > 253) throw new Error('--cluster is required (1 to 253 characters)');
  if (!AGENT_ID_PATTERN.test(agentIdFor(b.name)) || agentIdFor(b.name) === HUB_IDENTITY) {
    throw new Error(`--cluster "${b.name}" cannot become an agent id: use letters, digits, dots and dashes`);
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

  /** `POST /api/v1/enroll`: spends the token and signs the CSR with CN = the agent id the hub chose. */
  async enroll(
    body: { token: string; csr: string; nodeName?: string | undefined },
    now = new Date(),
  ): Promise<EnrollResponse> {
    const hash = hashEnrollmentToken(body.token);
    return this.dataSource.transaction(async (m) => {
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
      const agentId = agentIdFor(token.clusterName, body.nodeName);
      if (!AGENT_ID_PATTERN.test(agentId) || agentId === HUB_IDENTITY) {
        throw new PkiHttpError(
          HttpStatus.BAD_REQUEST,
          PkiErrorCode.BadRequest,
          `nodeName "${body.nodeName ?? ''}" does not make a valid agent id`,
        );
      }
      const signed = this.sign(body.csr, agentId, now);
      // Spend the token with a guarded update: two concurrent enrollments with one token cannot both win.
      const spent = await m
        .getRepository(EnrollmentTokenEntity)
        .update({ id: token.id, usedAt: IsNull() }, { usedAt: now.toISOString(), usedByAgentId: agentId });
      if (!spent.affected)
        throw new PkiHttpError(
          HttpStatus.UNAUTHORIZED,
          PkiErrorCode.TokenUsed,
          'enrollment token was already used; tokens are single-use',
        );

      const clusters = m.getRepository(ClusterEntity);
      if (!(await clusters.existsBy({ name: token.clusterName }))) {
        await clusters.insert({
          name: token.clusterName,
          platform: token.platform,
          role: token.role,
          location: token.location,
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
      const agents = m.getRepository(AgentEntity);
      const existing = await agents.findOneBy({ id: agentId });
      if (existing) {
        // Re-enrollment (expired certificate, rebuilt node) with a token an admin issued: the new certificate
        // counts, the old ones stay revoked if they were. Its seq continues from its store (kept on the node).
        await agents.update(
          { id: agentId },
          {
            revoked: false,
            revokedAt: null,
            clusterName: token.clusterName,
            nodeName: body.nodeName ?? null,
          },
        );
      } else {
        await agents.insert({
          id: agentId,
          clusterName: token.clusterName,
          nodeName: body.nodeName ?? null,
          enrolledAt: now.toISOString(),
        });
      }
      await this.record(m, agentId, signed, 'enroll', now);
      this.logger.log(
        `enrolled agent "${agentId}" for cluster "${token.clusterName}" (certificate ${signed.serial})`,
      );
      return {
        agentId,
        certificate: signed.certPem,
        caCertificate: this.pki.ca.certPem,
        mqtt: { url: this.config.mqttPublicUrl, protocolVersion: this.config.mqttUrl ? 5 : 4 },
        cluster: {
          name: token.clusterName,
          platform: token.platform,
          role: token.role,
          ...(token.location ? { location: token.location } : {}),
        },
      };
    });
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
    if (!cn || cn === HUB_IDENTITY)
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
    for (const l of this.revocationListeners) l(agentId);
    return result;
  }

  /** For the embedded broker: is this certificate revoked or unknown? The hub's own client certificate is not in the table. */
  async isRevoked(peer: { identity: string; serial: string }): Promise<boolean> {
    if (peer.identity === HUB_IDENTITY) return false;
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
