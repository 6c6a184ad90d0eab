import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCrl, issueCertificate, type CaMaterial } from '../pki/index.js';

/**
 * Mosquitto for the benchmarks, configured from the shipped deploy/hci/mosquitto files (only paths, port,
 * run-as user and logging rewritten), so they measure the broker configuration that ships.
 */
export interface ShippedMosquitto {
  url: string;
  close(): Promise<void>;
}

function deployDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'deploy', 'hci', 'mosquitto');
    if (existsSync(join(candidate, 'mosquitto.conf'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('deploy/hci/mosquitto/mosquitto.conf not found above this module');
}

async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Starts Mosquitto with `ca` as its client and server CA; resolves when it accepts connections. */
export async function startShippedMosquitto(ca: CaMaterial): Promise<ShippedMosquitto> {
  const src = deployDir();
  const dir = mkdtempSync(join(tmpdir(), 'watchpost-bench-mosquitto-'));
  const server = issueCertificate({
    ca,
    commonName: 'localhost',
    usage: 'server',
    sans: ['localhost', '127.0.0.1'],
    validDays: 2,
  });
  writeFileSync(join(dir, 'ca.crt'), ca.certPem);
  writeFileSync(join(dir, 'server.crt'), server.certPem);
  writeFileSync(join(dir, 'server.key'), server.keyPem, { mode: 0o600 });
  writeFileSync(join(dir, 'acl'), readFileSync(join(src, 'acl')));
  writeFileSync(join(dir, 'crl.pem'), createCrl({ ca, revoked: [], now: new Date(), validDays: 2 }));
  const port = await freePort();
  const rewrites: Record<string, string> = {
    listener: `listener ${port} 127.0.0.1`,
    cafile: `cafile ${join(dir, 'ca.crt')}`,
    certfile: `certfile ${join(dir, 'server.crt')}`,
    keyfile: `keyfile ${join(dir, 'server.key')}`,
    acl_file: `acl_file ${join(dir, 'acl')}`,
    crlfile: `crlfile ${join(dir, 'crl.pem')}`,
    persistence_location: `persistence_location ${dir}/`,
    user: 'user root',
    log_dest: 'log_dest stderr',
    connection_messages: 'connection_messages false',
  };
  const conf = readFileSync(join(src, 'mosquitto.conf'), 'utf8')
    .split('\n')
    .map((line) => {
      const key = /^([a-z_]+)\s/.exec(line)?.[1];
      return key && key in rewrites ? rewrites[key] : line;
    })
    .join('\n');
  writeFileSync(join(dir, 'mosquitto.conf'), conf, { mode: 0o600 });
  const proc: ChildProcess = spawn('/usr/sbin/mosquitto', ['-c', join(dir, 'mosquitto.conf')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const onData = (c: Buffer) => {
      out += c.toString();
      if (/mosquitto version \S+ running/.test(out)) resolve();
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`mosquitto exited (${code}):\n${out}`)));
  });
  return {
    url: `mqtts://127.0.0.1:${port}`,
    close: async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        // Mosquitto 2.0.11 sometimes misses a SIGTERM sent soon after start.
        const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
