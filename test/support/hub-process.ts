import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const HUB_BIN = join(ROOT, 'apps', 'hub', 'bin', 'watchpost-hub.js');

/** A hub started as its own process (`watchpost-hub serve`), so a test can SIGKILL it. Needs `npm run build`. */
export interface HubProcess {
  proc: ChildProcess;
  /** Resolves when the ingest has subscribed ("ingest ready"); rejects if the process exits first. */
  ready: Promise<void>;
  output(): string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** Starts `watchpost-hub serve` with exactly these WATCHPOST_* variables (plus PATH and TZ). */
export function spawnHub(env: Record<string, string>): HubProcess {
  if (!existsSync(join(ROOT, 'apps', 'hub', 'dist', 'src', 'cli', 'main.js'))) {
    throw new Error('apps/hub/dist is missing: run `npm run build` before the e2e tests');
  }
  const proc = spawn(process.execPath, [HUB_BIN, 'serve'], {
    env: { PATH: process.env['PATH'] ?? '', TZ: 'UTC', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (c: Buffer) => {
      out += c.toString('utf8');
      if (out.includes('ingest ready')) resolve();
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.once('exit', (code, signal) =>
      reject(new Error(`hub exited (${code ?? signal}) before it was ready:\n${out}`)),
    );
  });
  return {
    proc,
    ready,
    output: () => out,
    kill: async (signal) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill(signal);
      await exited;
    },
  };
}
