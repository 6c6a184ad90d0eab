/**
 * scan-large: the full `scan --bundle` of a generated large cluster (10,000 pods, 500 namespaces, 2,000
 * Kubernetes NetworkPolicies, 200 Calico GlobalNetworkPolicies) against `JSON.parse` of the same evidence
 * files, measured in the same run. Targets: ratio <= 5, peak RSS <= 150 MB.
 *
 * - scanMs: wall time of the built CLI as a child process, spawn to exit (node start-up included), output
 *   discarded.
 * - parseMs: readFileSync + JSON.parse of every file of the bundle in this process, median of three passes.
 * - points: the same measurement at 1,000, 5,000, 10,000 and 20,000 pods (namespaces, policies and nodes scaled
 *   with the pods), so growth is visible; `msPerKPod` should stay flat or fall (linear or better).
 * - peakRssMb: the child's maximum resident set, from GNU `/usr/bin/time -f %M` (kernel rusage ru_maxrss of
 *   the waited-for child, exact); where that binary is missing, the child's /proc/<pid>/status VmHWM sampled
 *   every 10 ms until exit (can miss a final spike).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCAN_LARGE_SPEC, writeLargeBundle, type LargeBundleSpec } from './large-bundle.generator.js';

export const name = 'scan-large';

const BIN = fileURLToPath(new URL('../../../bin/watchpost-agent.js', import.meta.url));
const GNU_TIME = '/usr/bin/time';

function parseAll(dir: string): number {
  const files = [
    join(dir, 'cluster.json'),
    ...readdirSync(join(dir, 'kube')).map((f) => join(dir, 'kube', f)),
  ];
  const t0 = performance.now();
  let items = 0;
  for (const f of files) {
    const parsed = JSON.parse(readFileSync(f, 'utf8')) as { items?: unknown[] };
    items += parsed.items?.length ?? 0;
  }
  const ms = performance.now() - t0;
  if (items === 0) throw new Error('generated bundle is empty');
  return ms;
}

async function runScan(
  dir: string,
): Promise<{ ms: number; peakKb: number; source: string; code: number | null }> {
  const args = [BIN, 'scan', '--bundle', dir, '--format', 'json', '--fail-on', 'none'];
  const useTime = existsSync(GNU_TIME);
  const t0 = performance.now();
  const child = useTime
    ? spawn(GNU_TIME, ['-f', '%M', process.execPath, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => (stderr += d));
  let sampled = 0;
  const timer = useTime
    ? undefined
    : setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) sampled = Math.max(sampled, Number(m[1]));
        } catch {
          // the child has gone; the last sample stands
        }
      }, 10);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (c) => resolve(c));
  });
  const ms = performance.now() - t0;
  if (timer) clearInterval(timer);
  // The generated bundle is Kubernetes objects only (no host files, no probes), so the certificate and
  // encryption checks err and scan reports it as incomplete (exit 3): expected here, the timing is what counts.
  if (code !== 0 && code !== 3) throw new Error(`scan exited ${code}: ${stderr.slice(-2000)}`);
  if (useTime) {
    const last = stderr.trim().split('\n').at(-1) ?? '';
    const kb = Number(last);
    if (!Number.isFinite(kb) || kb <= 0) throw new Error(`could not read peak RSS from ${GNU_TIME}: ${last}`);
    return { ms, peakKb: kb, source: `${GNU_TIME} -f %M`, code };
  }
  return { ms, peakKb: sampled, source: '/proc/<pid>/status VmHWM (sampled)', code };
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** The cluster scaled to `pods` (same shape: 20 pods a namespace, 0.22 policies a pod). */
function scaled(pods: number): LargeBundleSpec {
  const f = pods / SCAN_LARGE_SPEC.pods;
  return {
    pods,
    namespaces: Math.max(1, Math.round(SCAN_LARGE_SPEC.namespaces * f)),
    k8sPolicies: Math.round(SCAN_LARGE_SPEC.k8sPolicies * f),
    globalPolicies: Math.max(1, Math.round(SCAN_LARGE_SPEC.globalPolicies * f)),
    nodes: Math.max(3, Math.round(SCAN_LARGE_SPEC.nodes * f)),
  };
}

async function measure(spec: LargeBundleSpec): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'watchpost-scan-large-'));
  try {
    const counts = writeLargeBundle(dir, spec);
    const parses = [parseAll(dir), parseAll(dir), parseAll(dir)].sort((a, b) => a - b);
    const parseMs = parses[1];
    const scan = await runScan(dir);
    return {
      pods: counts.pods,
      policies: counts.policies,
      namespaces: counts.namespaces,
      scanMs: round(scan.ms),
      parseMs: round(parseMs),
      ratio: round(scan.ms / parseMs, 2),
      peakRssMb: round(scan.peakKb / 1024),
      msPerKPod: round(scan.ms / (counts.pods / 1000)),
      rssSource: scan.source,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<Record<string, unknown>[]> {
  if (!existsSync(BIN)) throw new Error(`${BIN} missing: run npm run build`);
  const main = await measure(SCAN_LARGE_SPEC);
  const points: Record<string, unknown>[] = [];
  for (const pods of [1_000, 5_000, 10_000, 20_000]) {
    const p = pods === SCAN_LARGE_SPEC.pods ? main : await measure(scaled(pods));
    const { rssSource: _source, ...figures } = p;
    points.push(figures);
  }
  return [{ name, ...main, targets: { ratio: 5, peakRssMb: 150 }, points }];
}
