import { X509Certificate } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';

/** The agent's TLS files, read and checked. */
export interface AgentTlsFiles {
  cert: string;
  key: string;
  ca: string;
  commonName: string;
  notBefore: Date;
  notAfter: Date;
}

/** A problem with the agent's own certificate files, naming the file and what to do. */
export class TlsFilesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TlsFilesError';
  }
}

/**
 * Reads the client certificate, key and CA. The key must not be readable by group or others (like ssh, refuse
 * rather than use a leaked key). Finishes a renewal that a crash interrupted (see `installRenewedCertificate`).
 */
export function readTlsFiles(paths: { cert: string; key: string; ca: string }): AgentTlsFiles {
  finishPendingRenewal(paths);
  const read = (path: string, what: string): string => {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      throw new TlsFilesError(
        `cannot read ${what} ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)}): check tls.* in the config or re-run \`watchpost-agent enroll\``,
      );
    }
  };
  const key = read(paths.key, 'private key');
  const mode = statSync(paths.key).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new TlsFilesError(
      `private key ${paths.key} has mode 0${mode.toString(8)}: it must be 0600 (run: chmod 600 ${paths.key})`,
    );
  }
  const cert = read(paths.cert, 'client certificate');
  const ca = read(paths.ca, 'CA certificate');
  let x: X509Certificate;
  try {
    x = new X509Certificate(cert);
  } catch {
    throw new TlsFilesError(`client certificate ${paths.cert} is not a PEM certificate`);
  }
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(x.subject)?.[1] ?? '';
  return { cert, key, ca, commonName: cn, notBefore: new Date(x.validFrom), notAfter: new Date(x.validTo) };
}

/** Writes a file durably: temp file, fsync, then the caller renames. */
function writeDurably(path: string, content: string, mode: number): void {
  const fd = openSync(path, 'w', mode);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces certificate and key so that a crash at any point leaves a matching pair: `key.new` is written first,
 * `cert.new` last; the presence of `cert.new` means the new key is complete, and the next start finishes the swap.
 */
export function installRenewedCertificate(
  paths: { cert: string; key: string; ca: string },
  material: { cert: string; key: string; ca?: string },
): void {
  writeDurably(`${paths.key}.new`, material.key, 0o600);
  if (material.ca) {
    writeDurably(`${paths.ca}.new`, material.ca, 0o644);
    renameSync(`${paths.ca}.new`, paths.ca);
  }
  writeDurably(`${paths.cert}.new`, material.cert, 0o644);
  finishPendingRenewal(paths);
}

function finishPendingRenewal(paths: { cert: string; key: string }): void {
  if (!existsSync(`${paths.cert}.new`)) return;
  if (existsSync(`${paths.key}.new`)) renameSync(`${paths.key}.new`, paths.key);
  renameSync(`${paths.cert}.new`, paths.cert);
}
