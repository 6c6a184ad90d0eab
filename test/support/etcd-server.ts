import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real etcd (Debian `etcd-server`, /usr/bin/etcd) for tests: TLS on a free loopback port with client
 * certificate auth, and a throwaway PKI made with openssl in a temp dir (EC P-256, valid one day):
 * `ca.crt`, the server pair, and a client pair named like kubeadm's (`apiserver-etcd-client.crt/.key`).
 * Start-up waits for etcd's own "ready to serve client requests" line, not a sleep.
 */

/** Files of the throwaway PKI. */
export interface TestEtcdPki {
  dir: string;
  caCert: string;
  clientCert: string;
  clientKey: string;
  /** A client pair signed by another CA, which etcd must refuse. */
  strangerCert: string;
  strangerKey: string;
}

/** A running test etcd. */
export interface TestEtcd {
  endpoint: string;
  pki: TestEtcdPki;
  /** Stops etcd (SIGTERM, waits for exit) and removes its data and PKI. */
  stop(): Promise<void>;
}

export const ETCD_BINARY = process.env['WATCHPOST_ETCD_BINARY'] ?? '/usr/bin/etcd';

/** A free loopback TCP port (asked from the kernel, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function issue(dir: string, ca: string, name: string, cn: string, ext: string): void {
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(
    [
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${cn}`,
    ],
    dir,
  );
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}.crt`,
      '-CAkey',
      `${ca}.key`,
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
    ],
    dir,
  );
}

function makeCa(dir: string, name: string, cn: string): void {
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '1',
      '-subj',
      `/CN=${cn}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
}

/** Makes the test PKI in a new temp dir. */
export function makeEtcdPki(): TestEtcdPki {
  const dir = mkdtempSync(join(tmpdir(), 'wp-etcd-pki-'));
  makeCa(dir, 'ca', 'etcd-ca');
  makeCa(dir, 'other-ca', 'some-other-ca');
  issue(
    dir,
    'ca',
    'server',
    'etcd-server',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n',
  );
  issue(dir, 'ca', 'apiserver-etcd-client', 'kube-apiserver-etcd-client', 'extendedKeyUsage=clientAuth\n');
  issue(dir, 'other-ca', 'stranger', 'stranger', 'extendedKeyUsage=clientAuth\n');
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    clientCert: join(dir, 'apiserver-etcd-client.crt'),
    clientKey: join(dir, 'apiserver-etcd-client.key'),
    strangerCert: join(dir, 'stranger.crt'),
    strangerKey: join(dir, 'stranger.key'),
  };
}

/** Starts etcd with TLS and client-cert auth; resolves once etcd says it serves clients. */
export async function startEtcd(opts: { startTimeoutMs?: number } = {}): Promise<TestEtcd> {
  const pki = makeEtcdPki();
  const dataDir = join(pki.dir, 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const endpoint = `https://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const child: ChildProcess = spawn(
    ETCD_BINARY,
    [
      '--name=watchpost-test',
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${endpoint}`,
      `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=watchpost-test=${peer}`,
      `--cert-file=${join(pki.dir, 'server.crt')}`,
      `--key-file=${join(pki.dir, 'server.key')}`,
      `--trusted-ca-file=${pki.caCert}`,
      '--client-cert-auth',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `etcd did not become ready within ${opts.startTimeoutMs ?? 20000} ms:\n${log.slice(-2000)}`,
        ),
      );
    }, opts.startTimeoutMs ?? 20000);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (/ready to serve client requests/.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        new Error(
          `etcd exited with ${code} before it was ready (is etcd-server installed? ${ETCD_BINARY}):\n${log.slice(-2000)}`,
        ),
      );
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  // Keep draining output so etcd never blocks on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();
  return {
    endpoint,
    pki,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(pki.dir, { recursive: true, force: true });
    },
  };
}
