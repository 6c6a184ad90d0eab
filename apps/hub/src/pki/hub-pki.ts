import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import {
  certificateFingerprint,
  createCa,
  HUB_IDENTITY,
  issueCertificate,
  type CaMaterial,
} from '@watchpost/shared';
import { hubPaths, type HubConfig } from '../config/hub-config.js';

/** The hub's own key material: its CA (the fleet's trust anchor), its TLS server identity and its MQTT client identity. */
export interface HubPki {
  ca: CaMaterial;
  /** `sha256:<hex>` of the CA certificate: what `--ca-hash` pins at enrollment. */
  caHash: string;
  server: { certPem: string; keyPem: string };
  client: { certPem: string; keyPem: string };
}

const CA_DAYS = 3650;
const LEAF_DAYS = 365;
/** Reissue the hub's own leaves this long before they expire (at start-up). */
const RENEW_BEFORE_MS = 30 * 86_400_000;

/**
 * Loads the hub PKI from the data dir, creating what is missing: the CA on first start, the server and client
 * certificates whenever they are missing, near expiry, or no longer carry the configured SANs (server) or
 * identity (client: see hubClientIdentity).
 * Private keys are written 0600, the folder 0700.
 */
export function loadOrCreateHubPki(
  config: Pick<HubConfig, 'dataDir' | 'tlsSans'> & Partial<Pick<HubConfig, 'mqttUrl' | 'mqttClientId'>>,
  now = new Date(),
): HubPki {
  const p = hubPaths(config);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  let ca: CaMaterial;
  if (existsSync(p.caCert) && existsSync(p.caKey)) {
    ca = { certPem: readFileSync(p.caCert, 'utf8'), keyPem: readFileSync(p.caKey, 'utf8') };
  } else if (existsSync(p.caCert) || existsSync(p.caKey)) {
    throw new Error(
      `${p.caCert} and ${p.caKey} must both exist (restore both from backup, or remove both to start a new CA and re-enroll every agent)`,
    );
  } else {
    ca = createCa({ commonName: 'Watchpost hub CA', validDays: CA_DAYS, now });
    writeKeyPair(p.caCert, p.caKey, ca.certPem, ca.keyPem);
  }

  const leaf = (
    certFile: string,
    keyFile: string,
    fresh: (c: X509Certificate) => boolean,
    issue: () => { certPem: string; keyPem: string },
  ) => {
    if (existsSync(certFile) && existsSync(keyFile)) {
      const certPem = readFileSync(certFile, 'utf8');
      const c = new X509Certificate(certPem);
      if (
        c.checkIssued(new X509Certificate(ca.certPem)) &&
        Date.parse(c.validTo) - now.getTime() > RENEW_BEFORE_MS &&
        fresh(c)
      ) {
        return { certPem, keyPem: readFileSync(keyFile, 'utf8') };
      }
    }
    const made = issue();
    writeKeyPair(certFile, keyFile, made.certPem, made.keyPem);
    return made;
  };

  const wanted = new Set(config.tlsSans.map((s) => (isIP(s) ? `IP Address:${s}` : `DNS:${s}`)));
  const server = leaf(
    p.serverCert,
    p.serverKey,
    (c) => {
      const have = new Set((c.subjectAltName ?? '').split(', ').filter(Boolean));
      return [...wanted].every((s) => have.has(s)) && have.size === wanted.size;
    },
    () =>
      issueCertificate({
        ca,
        commonName: config.tlsSans[0],
        usage: 'server',
        sans: config.tlsSans,
        validDays: LEAF_DAYS,
        now,
      }),
  );
  const clientCn = hubClientIdentity(config);
  const client = leaf(
    p.clientCert,
    p.clientKey,
    (c) => c.subject.split('\n').includes(`CN=${clientCn}`),
    () => issueCertificate({ ca, commonName: clientCn, usage: 'client', validDays: LEAF_DAYS, now }),
  );
  return { ca, caHash: certificateFingerprint(ca.certPem), server, client };
}

/**
 * The CN of the hub's client certificate: on an external broker its client id (`WATCHPOST_MQTT_CLIENT_ID`), so
 * each replica has its own identity there (Mosquitto's use_username_as_clientid makes the CN the session id: two
 * replicas sharing one CN would take each other's session); on the embedded broker `watchpost-hub`.
 */
export function hubClientIdentity(config: Partial<Pick<HubConfig, 'mqttUrl' | 'mqttClientId'>>): string {
  return config.mqttUrl && config.mqttClientId ? config.mqttClientId : HUB_IDENTITY;
}

function writeKeyPair(certFile: string, keyFile: string, certPem: string, keyPem: string): void {
  writeFileSync(keyFile, keyPem, { mode: 0o600 });
  chmodSync(keyFile, 0o600); // an existing file keeps its old mode on write
  writeFileSync(certFile, certPem, { mode: 0o644 });
}
