import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import {
  parseConnection,
  SelectorSyntaxError,
  trySelector,
  type DirectionVerdict,
  type PolicyEngine,
  type ReachVerdict,
} from '@watchpost/netpol';
import { BundleError } from '../collectors/bundle.reader.js';
import { IMDS, networkModel } from '../checks/network/network-model.js';
import { loadEvidence } from '../scan/evidence-source.js';
import type { RegisterCommand } from './commands.js';
import { evidenceOptions, evidenceSource } from './scan.command.js';

interface SourceFlags {
  bundle?: string;
  kubeconfig?: string;
  context?: string;
  hostRoot?: string;
  json?: boolean;
}

/** Same as main.ts EXIT_USAGE (importing main would run the program). */
const EXIT_USAGE = 2;

/** Thrown for bad input the user must fix; main prints the message and exits 2. */
class UsageError extends Error {}

async function engineFrom(flags: SourceFlags): Promise<PolicyEngine> {
  let evidence;
  try {
    // Policy questions need the API only: no host files, no probes.
    evidence = await loadEvidence(evidenceSource({ ...flags, apiOnly: true }));
  } catch (err) {
    if (err instanceof BundleError) throw new UsageError(err.message);
    throw err;
  }
  const built = networkModel(evidence);
  if (!built.ok) throw new Error(built.reason);
  for (const n of built.model.notes) process.stderr.write(`watchpost: note: ${n}\n`);
  return built.model.engine;
}

function connectionOf(text: string): ReturnType<typeof parseConnection> {
  try {
    return parseConnection(text);
  } catch (err) {
    throw new UsageError(`--port: ${(err as Error).message}`);
  }
}

function directionLines(label: string, v: DirectionVerdict | null, peer: string): string[] {
  if (!v) return [`  ${label}: ${peer} is not a pod: nothing to evaluate`];
  const lines = [
    `  ${label} at ${v.endpoint}: ${v.allowed ? 'allowed' : 'DENIED'}${v.enforced ? '' : ' (not enforced)'}`,
    `    ${v.reason}`,
  ];
  for (const step of v.path)
    lines.push(
      `    ${step.action.toLowerCase()}: ${step.policyId} rule ${step.rule ?? '-'}: ${step.ruleText ?? ''}`,
    );
  if (v.policies.length)
    lines.push(`    policies selecting it for ${v.direction}, in order: ${v.policies.join(', ')}`);
  return lines;
}

function printReach(v: ReachVerdict): void {
  const lines = [
    `${v.from} -> ${v.to} ${v.protocol}${v.port !== undefined ? `/${v.port}` : ''}: ${v.allowed ? 'ALLOWED' : 'DENIED'}`,
    ...directionLines('egress', v.egress, v.from),
    ...directionLines('ingress', v.ingress, v.to),
  ];
  if (!v.egress && !v.ingress) lines.push(`  ${v.reason}`);
  process.stdout.write(lines.join('\n') + '\n');
}

function explain(engine: PolicyEngine, ref: string, json: boolean): void {
  if (!/^[^/]+\/[^/]+$/.test(ref)) throw new UsageError(`--pod must be NAMESPACE/NAME, got "${ref}"`);
  const pod = engine.pod(ref);
  if (!pod) throw new UsageError(`pod ${ref} not found (or it has finished) in the evidence`);
  const iso = engine.isolation(pod);
  const imds = engine.canReach(pod, engine.ipPeer(IMDS.address), IMDS.connection);
  const policies = engine.policiesFor(pod).map((p) => ({
    id: p.id,
    tier: p.ref.tier,
    order: p.ref.order ?? null,
    types: [...p.types],
    selector: p.selector.canonical,
    ...(p.namespaceSelector ? { namespaceSelector: p.namespaceSelector.canonical } : {}),
    ingress: p.types.has('ingress') ? p.ingress.map((r) => `${r.index}: ${r.text}`) : [],
    egress: p.types.has('egress') ? p.egress.map((r) => `${r.index}: ${r.text}`) : [],
    caveats: p.caveats,
  }));
  const out = {
    pod: pod.key,
    labels: Object.fromEntries(pod.labels.labels),
    namespaceLabels: Object.fromEntries(pod.ns.labels.labels),
    serviceAccount: pod.serviceAccount,
    ips: pod.ips.map((i) => i.text),
    os: pod.os,
    hostNetwork: pod.hostNetwork,
    enforced: pod.enforced,
    ...(pod.notEnforcedReason ? { notEnforcedReason: pod.notEnforcedReason } : {}),
    isolation: { ingress: iso.ingress, egress: iso.egress },
    policies,
    imds: {
      target: `${IMDS.address}:${IMDS.connection.port}/TCP`,
      allowed: imds.allowed,
      reason: imds.egress?.reason ?? imds.reason,
      decidedBy: imds.egress?.decidedBy ?? null,
    },
  };
  if (json) {
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    return;
  }
  const l: string[] = [];
  l.push(
    `pod ${pod.key} (${pod.os}${pod.hostNetwork ? ', host network' : ''}) service account ${pod.serviceAccount}, IPs ${out.ips.join(', ') || 'none'}`,
  );
  l.push(
    `labels as Calico sees them: ${Object.entries(out.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}`,
  );
  if (!pod.enforced) l.push(`NOT ENFORCED: ${pod.notEnforcedReason ?? ''}`);
  l.push(
    `isolated for ingress: ${iso.ingress ? 'yes' : 'no'}${iso.ingressPolicies.length ? ` (${iso.ingressPolicies.join(', ')})` : ''}`,
  );
  l.push(
    `isolated for egress:  ${iso.egress ? 'yes' : 'no'}${iso.egressPolicies.length ? ` (${iso.egressPolicies.join(', ')})` : ''}`,
  );
  if (!policies.length) l.push('no policy selects this pod');
  for (const p of policies) {
    l.push(
      `- ${p.id}  tier ${p.tier} order ${p.order ?? 'unset'}  types ${p.types.join('/')}  selector ${p.selector}${p.namespaceSelector ? ` namespaceSelector ${p.namespaceSelector}` : ''}`,
    );
    for (const r of p.ingress) l.push(`    ingress ${r}`);
    for (const r of p.egress) l.push(`    egress  ${r}`);
    for (const c of p.caveats) l.push(`    note: ${c}`);
  }
  l.push(
    `instance metadata ${out.imds.target}: ${imds.allowed ? 'REACHABLE' : 'blocked'}: ${out.imds.reason}`,
  );
  process.stdout.write(l.join('\n') + '\n');
}

function matrix(engine: PolicyEngine, portText: string, json: boolean): void {
  const conn = connectionOf(portText);
  const m = engine.matrix(conn);
  if (json) {
    process.stdout.write(JSON.stringify(m, null, 2) + '\n');
    return;
  }
  const keys = Object.keys(m);
  const l = [
    `pod-to-pod on ${conn.protocol}/${conn.port} (rows: from, columns: to; egress and ingress applied)`,
  ];
  keys.forEach((k, i) => l.push(`${String(i + 1).padStart(3)} ${k}`));
  l.push('    ' + keys.map((_, i) => String(i + 1).padStart(3)).join(''));
  keys.forEach((from, i) =>
    l.push(String(i + 1).padStart(3) + ' ' + keys.map((to) => (m[from][to] ? '  Y' : '  .')).join('')),
  );
  process.stdout.write(l.join('\n') + '\n');
}

function parseLabels(text: string, where: string): Record<string, string> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new UsageError(
      `${where} is not JSON (${(err as Error).message}); give a label map such as {"app":"web"}`,
    );
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new UsageError(`${where} must be a JSON object of label: value`);
  for (const [k, val] of Object.entries(v))
    if (typeof val !== 'string') throw new UsageError(`${where}: label "${k}" must have a string value`);
  return v as Record<string, string>;
}

async function match(selectorText: string, labels: string | undefined): Promise<void> {
  const sel = trySelector(selectorText);
  if (sel instanceof SelectorSyntaxError) {
    process.stderr.write(
      `watchpost-agent: ${sel.message}\n  ${selectorText}\n  ${' '.repeat(sel.position)}^\n`,
    );
    process.exitCode = EXIT_USAGE;
    return;
  }
  if (labels !== undefined) {
    process.stdout.write(`${sel.matches(parseLabels(labels, '--labels'))}\n`);
    return;
  }
  const rl = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  const out: string[] = [];
  for await (const line of rl) {
    n++;
    if (!line.trim()) continue;
    out.push(String(sel.matches(parseLabels(line, `stdin line ${n}`))));
    // Flush in chunks: a large stream should not sit in memory.
    if (out.length >= 1024) process.stdout.write(out.splice(0).join('\n') + '\n');
  }
  if (out.length) process.stdout.write(out.join('\n') + '\n');
}

/** Runs an action, turning usage errors into exit code 2 with the message on stderr. */
function guarded<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      process.stderr.write(`watchpost-agent: ${err.message}\n`);
      process.exitCode = EXIT_USAGE;
    }
  };
}

export const register: RegisterCommand = (program) => {
  const policy = program
    .command('policy')
    .description(
      'ask the network policy engine (Calico and Kubernetes NetworkPolicy) about pods and connections',
    );
  const sub = (name: string, description: string): Command =>
    evidenceOptions(policy.command(name).description(description));

  sub('explain', 'which policies select a pod, its isolation, its instance-metadata verdict, and why')
    .requiredOption('--pod <ns/name>', 'the pod, NAMESPACE/NAME')
    .option('--json', 'print JSON')
    .action(
      guarded(async (flags: SourceFlags & { pod: string }) =>
        explain(await engineFrom(flags), flags.pod, flags.json ?? false),
      ),
    );

  sub(
    'can-reach',
    'may one connection go through (egress of the source and ingress of the destination)? exit 0 allowed, 1 denied (as kubectl auth can-i)',
  )
    .requiredOption('--from <ns/pod|ip>', 'source pod NAMESPACE/NAME or IP address')
    .requiredOption('--to <ns/pod|ip>', 'destination pod NAMESPACE/NAME or IP address')
    .requiredOption('--port <n[/proto]>', 'destination port, optionally with protocol: 443, 53/udp')
    .option('--json', 'print JSON')
    .action(
      guarded(async (flags: SourceFlags & { from: string; to: string; port: string }) => {
        const conn = connectionOf(flags.port);
        const engine = await engineFrom(flags);
        let v: ReachVerdict;
        try {
          v = engine.canReach(flags.from, flags.to, conn);
        } catch (err) {
          throw new UsageError((err as Error).message);
        }
        if (flags.json) process.stdout.write(JSON.stringify(v, null, 2) + '\n');
        else printReach(v);
        // A script can branch on the verdict without parsing output, as with `kubectl auth can-i`.
        process.exitCode = v.allowed ? 0 : 1;
      }),
    );

  sub('matrix', 'the pod-to-pod truth table for one port (egress and ingress applied)')
    .requiredOption('--port <n[/proto]>', 'destination port, optionally with protocol')
    .option('--json', 'print {"ns/pod": {"ns/pod": true|false}}')
    .action(
      guarded(async (flags: SourceFlags & { port: string }) => {
        connectionOf(flags.port);
        matrix(await engineFrom(flags), flags.port, flags.json ?? false);
      }),
    );

  sub('match', 'evaluate a Calico selector on labels (--labels JSON, or one JSON label map per stdin line)')
    .requiredOption('--selector <s>', 'Calico selector, e.g. "app == \'web\' && !has(canary)"')
    .option('--labels <json>', 'label map as JSON; without it, read one JSON map per line from stdin')
    .action(
      guarded(async (flags: SourceFlags & { selector: string; labels?: string }) =>
        match(flags.selector, flags.labels),
      ),
    );
};
