import { readFileSync } from 'node:fs';
import { human, readAgentStatus, STATUS_EXIT, type AgentStatus } from '../store/status.reader.js';

const DEFAULT_CONFIG = '/etc/watchpost/agent.yaml';
const DEFAULT_STORE = '/var/lib/watchpost/agent.sqlite';

/** Finds the store without validating the whole config (status must work even when the config is half broken). */
async function storePathFrom(flags: { config?: string; store?: string }): Promise<string> {
  if (flags.store) return flags.store;
  if (process.env['WATCHPOST_STORE_PATH']) return process.env['WATCHPOST_STORE_PATH'];
  const file = flags.config ?? process.env['WATCHPOST_CONFIG'] ?? DEFAULT_CONFIG;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return DEFAULT_STORE;
  }
  // A one-line regex first: loading the YAML parser costs more than the rest of `status`.
  const simple = /^storePath:\s*["']?([^"'\n#]+?)["']?\s*(?:#.*)?$/m.exec(text);
  if (simple) return simple[1];
  const { parse } = await import('yaml');
  const doc = parse(text) as { storePath?: unknown } | null;
  return typeof doc?.storePath === 'string' ? doc.storePath : DEFAULT_STORE;
}

/** Runs `status`; returns the exit code. */
export async function statusCommand(flags: {
  json?: boolean;
  config?: string;
  store?: string;
}): Promise<number> {
  const path = await storePathFrom(flags);
  const now = new Date();
  const status = readAgentStatus(path, now);
  process.stdout.write(flags.json ? JSON.stringify(status, null, 2) + '\n' : render(status));
  return STATUS_EXIT[status.health];
}

function when(iso: string | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  return `${iso} (${human(Math.max(0, (now - Date.parse(iso)) / 1000))} ago)`;
}

/** Human-readable status. */
export function render(s: AgentStatus): string {
  const lines: string[] = [];
  const verdict = s.health === 'no-data' ? 'NO DATA' : s.health.toUpperCase();
  lines.push(`watchpost-agent status: ${verdict}`);
  for (const p of s.problems) lines.push(`  ! ${p}`);
  lines.push(`agent:        ${s.agentId ?? 'unknown'}`);
  if (s.cluster)
    lines.push(
      `cluster:      ${[s.cluster.name, s.cluster.platform, s.cluster.role, s.cluster.location].filter(Boolean).join(' / ')}`,
    );
  lines.push(`store:        ${s.storePath}`);
  if (s.daemon) {
    const d = s.daemon;
    lines.push(
      `daemon:       ${d.stoppedAt ? `stopped ${when(d.stoppedAt)}` : `pid ${d.pid}, started ${when(d.startedAt)}`}, every ${human(d.intervalSeconds)}; store ${d.store.state === 'ok' ? 'ok' : `FAILING since ${d.store.since ?? '?'}`}`,
    );
  }
  if (s.lastScan) {
    const sum = s.lastScan.summary;
    lines.push(
      `last scan:    #${s.lastScan.seq} at ${when(s.lastScan.scannedAt)}: ${sum.fail} fail, ${sum.warn} warn, ${sum.error} error, ${sum.pass} pass${s.exempted.length ? ` (${s.exempted.length} of the fail/warn exempted)` : ''}`,
    );
    for (const [area, c] of Object.entries(sum.byArea).sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(
        `  ${area.padEnd(14)} ${String(c.fail).padStart(4)} fail ${String(c.warn).padStart(4)} warn ${String(c.error).padStart(4)} error ${String(c.pass).padStart(4)} pass`,
      );
    }
  }
  if (s.failing.length > 0) {
    lines.push(`failing (worst first, ${s.failing.length}):`);
    for (const f of s.failing.slice(0, 15))
      lines.push(
        `  ${f.severity.padEnd(8)} ${f.outcome.padEnd(5)} ${f.checkId}  ${f.resource}: ${f.message}`,
      );
    if (s.failing.length > 15) lines.push(`  ... ${s.failing.length - 15} more (status --json lists all)`);
  }
  if (s.exempted.length > 0) {
    lines.push(`exempted (${s.exempted.length}, accepted risks not counted as failing):`);
    for (const f of s.exempted.slice(0, 5))
      lines.push(
        `  ${f.severity.padEnd(8)} ${f.outcome.padEnd(5)} ${f.checkId}  ${f.resource}: ${f.exemption.reason} (${f.exemption.source}${f.exemption.ref ? ` ${f.exemption.ref}` : ''}${f.exemption.expiresAt ? `, until ${f.exemption.expiresAt}` : ''})`,
      );
    if (s.exempted.length > 5) lines.push(`  ... ${s.exempted.length - 5} more (status --json lists all)`);
  }
  const o = s.outbox;
  lines.push(
    `outbox:       ${o.undelivered} awaiting the hub's ack${o.oldestUndeliveredAgeSeconds !== undefined ? ` (oldest ${human(o.oldestUndeliveredAgeSeconds)})` : ''}, ${o.acked} acked, ${o.rejected} rejected`,
  );
  lines.push(`broker:       ${s.brokerUrl ?? 'unknown'}; last connect ${when(s.lastConnectAt)}`);
  lines.push(`last ack:     ${when(s.lastAckAt)}`);
  lines.push(
    `rejected:     ${s.rejectedTotal}${s.lastRejectionReason ? ` (last: ${s.lastRejectionReason})` : ''}`,
  );
  lines.push(`dropped:      ${s.droppedTotal} (${s.droppedUnreported} not yet reported to the hub)`);
  if (s.lastError) lines.push(`last problem: ${s.lastError.message} (${when(s.lastError.at)})`);
  lines.push(`certificate:  ${s.certificateNotAfter ? `expires ${s.certificateNotAfter}` : 'unknown'}`);
  return lines.join('\n') + '\n';
}
