import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCa, createCrl, HUB_IDENTITY, issueCertificate, type CaMaterial } from '@watchpost/shared';

/**
 * A real Mosquitto for tests: mutual TLS, identity = certificate CN, the shipped ACL. The config is generated
 * from `deploy/hci/mosquitto/mosquitto.conf` by rewriting only paths, port, bind address, the run-as user and
 * the log destination, so the tested broker and the shipped broker cannot drift apart.
 */

const DEPLOY_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'deploy', 'hci', 'mosquitto');
const MOSQUITTO = '/usr/sbin/mosquitto';

/** Client TLS material for one MQTT identity. */
export interface ClientIdentity {
  certPem: string;
  keyPem: string;
  caPem: string;
}

/** A running test Mosquitto. */
export interface TestMosquitto {
  port: number;
  /** `mqtts://127.0.0.1:<port>`. */
  url: string;
  /** `localhost`: the name on the broker's server certificate. */
  servername: string;
  ca: CaMaterial;
  dir: string;
  /** A client certificate for `commonName` from the broker's CA (agent ids, `watchpost-hub`). */
  identity(commonName: string): ClientIdentity;
  /** The hub's identity (`watchpost-hub`). */
  hubIdentity(): ClientIdentity;
  /** Graceful stop (SIGTERM; Mosquitto saves its persistence file). */
  stop(): Promise<void>;
  /** Start again on the same port with the same persistence. */
  start(): Promise<void>;
  /** Stop and remove the temp dir. */
  close(): Promise<void>;
  /** Log lines so far (for diagnostics in assertions). */
  log(): string;
  /** The documented reload: SIGHUP, Mosquitto re-reads its configuration and the CRL. */
  reload(): void;
}

/** Options for `startMosquitto`. */
export interface MosquittoOptions {
  /** Use this CA instead of a fresh one (e.g. the hub's CA). */
  ca?: CaMaterial;
  /** Override `max_queued_messages` (outage sizing). */
  maxQueuedMessages?: number;
  /** The CRL file Mosquitto reads (e.g. the hub's `<data dir>/crl.pem`); default: an empty CRL of the CA in the temp dir. */
  crlFile?: string;
}

/** Renders the shipped config for a test broker. Exported so a test can assert the rewrite touched every line it must. */
export async function renderTestConfig(opts: {
  port: number;
  dir: string;
  maxQueuedMessages?: number;
  crlFile?: string;
}): Promise<string> {
  const template = await readFile(join(DEPLOY_DIR, 'mosquitto.conf'), 'utf8');
  const rewrites: Record<string, string> = {
    listener: `listener ${opts.port} 127.0.0.1`,
    cafile: `cafile ${join(opts.dir, 'ca.crt')}`,
    certfile: `certfile ${join(opts.dir, 'server.crt')}`,
    keyfile: `keyfile ${join(opts.dir, 'server.key')}`,
    acl_file: `acl_file ${join(opts.dir, 'acl')}`,
    crlfile: `crlfile ${opts.crlFile ?? join(opts.dir, 'crl.pem')}`,
    persistence_location: `persistence_location ${join(opts.dir, 'data')}/`,
    // Started as root, Mosquitto would drop to `mosquitto`, which cannot read the 0600 keys in our temp dir.
    user: 'user root',
    log_dest: 'log_dest stderr',
  };
  if (opts.maxQueuedMessages !== undefined)
    rewrites['max_queued_messages'] = `max_queued_messages ${opts.maxQueuedMessages}`;
  const seen = new Set<string>();
  const lines = template.split('\n').map((line) => {
    const key = /^([a-z_]+)\s/.exec(line)?.[1];
    if (!key || !(key in rewrites)) return line;
    seen.add(key);
    return rewrites[key];
  });
  const missing = Object.keys(rewrites).filter((k) => !seen.has(k));
  if (missing.length > 0)
    throw new Error(
      `deploy/hci/mosquitto/mosquitto.conf lacks directives the test rewrites: ${missing.join(', ')}`,
    );
  return lines.join('\n');
}

/** A loopback port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts Mosquitto on a free loopback port in a temp dir and resolves once it accepts connections. */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<TestMosquitto> {
  const dir = await mkdtemp(join(tmpdir(), 'watchpost-mosquitto-'));
  await mkdir(join(dir, 'data'));
  const ca = options.ca ?? createCa({ commonName: 'Watchpost Test CA', validDays: 30 });
  const server = issueCertificate({
    ca,
    commonName: 'localhost',
    usage: 'server',
    sans: ['localhost', '127.0.0.1'],
    validDays: 30,
  });
  await writeFile(join(dir, 'ca.crt'), ca.certPem);
  await writeFile(join(dir, 'server.crt'), server.certPem);
  await writeFile(join(dir, 'server.key'), server.keyPem, { mode: 0o600 });
  await writeFile(join(dir, 'acl'), await readFile(join(DEPLOY_DIR, 'acl'), 'utf8'));
  if (!options.crlFile)
    await writeFile(join(dir, 'crl.pem'), createCrl({ ca, revoked: [], now: new Date(), validDays: 30 }));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(
    conf,
    await renderTestConfig({
      port,
      dir,
      maxQueuedMessages: options.maxQueuedMessages,
      crlFile: options.crlFile,
    }),
  );
  await chmod(conf, 0o600);

  let child: ChildProcess | undefined;
  let logText = '';

  async function start(): Promise<void> {
    if (child) return;
    const proc = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    await new Promise<void>((resolve, reject) => {
      let buffered = '';
      const onData = (chunk: Buffer): void => {
        const text = chunk.toString('utf8');
        logText += text;
        buffered += text;
        // Mosquitto prints this after every listener is bound: the event that it accepts connections.
        if (/mosquitto version \S+ running/.test(buffered)) resolve();
      };
      proc.stdout.on('data', onData);
      proc.stderr.on('data', onData);
      proc.once('exit', (code, signal) => {
        if (child === proc) child = undefined;
        reject(new Error(`mosquitto exited (${code ?? signal}) before accepting connections:\n${logText}`));
      });
      proc.once('error', reject);
    });
  }

  async function stop(): Promise<void> {
    const proc = child;
    if (!proc) return;
    child = undefined;
    const exited = once(proc, 'exit');
    proc.kill('SIGTERM');
    // Mosquitto 2.0.11 now and then misses a SIGTERM that lands right after start-up; it then never exits.
    // SIGKILL is the fallback (the persistence file is then the last autosave, which tests do not rely on).
    const fallback = setTimeout(() => proc.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(fallback);
  }

  const identity = (commonName: string): ClientIdentity => {
    const issued = issueCertificate({ ca, commonName, usage: 'client', validDays: 30 });
    return { certPem: issued.certPem, keyPem: issued.keyPem, caPem: ca.certPem };
  };

  await start();
  return {
    port,
    url: `mqtts://127.0.0.1:${port}`,
    servername: 'localhost',
    ca,
    dir,
    identity,
    hubIdentity: () => identity(HUB_IDENTITY),
    stop,
    start,
    close: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
    log: () => logText,
    reload: () => {
      if (!child) throw new Error('mosquitto is not running');
      child.kill('SIGHUP');
    },
  };
}
