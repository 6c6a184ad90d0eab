import { existsSync, renameSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createCrl } from '@watchpost/shared';
import { hubPaths } from '../config/hub-config.js';
import { loadOrCreateHubPki } from '../pki/hub-pki.js';
import type { RegisterCommand } from './commands.js';
import { configFrom } from './options.js';

/** Validity of the empty CRL `pki init` writes; a running hub rewrites it at start and on every revocation. */
const INITIAL_CRL_DAYS = 30;

/** What `pki init` made or found in the data dir. */
export interface PkiInitResult {
  dataDir: string;
  caHash: string;
  files: string[];
}

/**
 * Creates (or checks) the hub's data dir without starting the hub: the CA, the server certificate for the
 * configured SANs, the hub's MQTT client certificate, and a CRL. For installs where the PKI must exist before
 * anything runs: several hub replicas sharing one CA, Mosquitto needing its certificate and CRL (deploy/README.md).
 */
export function initPki(flags: { dataDir?: string; sans?: string }, now = new Date()): PkiInitResult {
  const config = configFrom(flags, { WATCHPOST_TLS_SANS: flags.sans });
  const pki = loadOrCreateHubPki(config, now);
  const p = hubPaths(config);
  if (!existsSync(p.crl)) {
    // Mosquitto's crlfile must name a valid, current CRL or OpenSSL refuses every client.
    writeFileSync(`${p.crl}.tmp`, createCrl({ ca: pki.ca, revoked: [], now, validDays: INITIAL_CRL_DAYS }), {
      mode: 0o644,
    });
    renameSync(`${p.crl}.tmp`, p.crl);
  }
  return {
    dataDir: config.dataDir,
    caHash: pki.caHash,
    files: [p.caCert, p.caKey, p.serverCert, p.serverKey, p.clientCert, p.clientKey, p.crl],
  };
}

/** `pki init`: the data dir's key material, made before the hub first runs. */
export const register: RegisterCommand = (program: Command) => {
  const pki = program.command('pki').description('the hub CA and its certificates');
  pki
    .command('init')
    .description(
      'create the CA, server and client certificates and an empty CRL in the data dir (idempotent)',
    )
    .option('--data-dir <dir>', 'hub data dir; overrides WATCHPOST_DATA_DIR')
    .option(
      '--sans <list>',
      'comma-separated DNS names and IPs for the server certificate; overrides WATCHPOST_TLS_SANS',
    )
    .action((flags: { dataDir?: string; sans?: string }) => {
      const result = initPki(flags);
      console.log(`data dir: ${result.dataDir}`);
      for (const f of result.files) console.log(`  ${f}`);
      console.log(`CA hash (agents pin it with --ca-hash): ${result.caHash}`);
      console.log('keep ca.key secret and backed up: a new CA means enrolling every agent again');
    });
};
