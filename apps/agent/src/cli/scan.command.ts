import { InvalidArgumentError, Option, type Command } from 'commander';
import { CATALOGUE } from '@watchpost/shared';
import { BundleError } from '../collectors/bundle.reader.js';
import { parseAt } from '../report/at-time.js';
import { gatingResults, incompleteReason, parseFailOn, SCAN_EXIT, type FailOn } from '../report/gate.js';
import { toCsv } from '../report/csv.js';
import { jsonReportChunks } from '../report/json-writer.js';
import { toSarif } from '../report/sarif.js';
import { renderTable } from '../report/table.printer.js';
import { loadEvidence, type EvidenceSourceOptions } from '../scan/evidence-source.js';
import { runChecks } from '../scan/runner.js';
import type { RegisterCommand } from './commands.js';
import { agentVersion } from './version.js';

interface ScanFlags {
  bundle?: string;
  kubeconfig?: string;
  context?: string;
  hostRoot?: string;
  apiOnly?: boolean;
  at?: string;
  format: 'table' | 'json' | 'sarif' | 'csv';
  includePasses?: boolean;
  failOn: FailOn;
  verbose?: boolean;
  remediation: boolean;
  check?: string[];
  config?: string;
  showExempted?: boolean;
}

/** The evidence-source flags shared by `scan`, `collect` and `policy`. */
export interface EvidenceFlags {
  bundle?: string;
  kubeconfig?: string;
  context?: string;
  hostRoot?: string;
  apiOnly?: boolean;
}

/** `loadEvidence` options from the flags; live collection reports progress on stderr. */
export function evidenceSource(flags: EvidenceFlags): EvidenceSourceOptions {
  return {
    ...(flags.bundle ? { bundle: flags.bundle } : {}),
    ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}),
    ...(flags.context ? { context: flags.context } : {}),
    ...(flags.hostRoot ? { hostRoot: flags.hostRoot } : {}),
    ...(flags.apiOnly ? { apiOnly: true } : {}),
    ...(!flags.bundle ? { progress: (m: string) => process.stderr.write(`watchpost: ${m}\n`) } : {}),
  };
}

/** Adds the evidence-source options shared by `scan`, `collect` and `policy`. */
export function evidenceOptions(cmd: Command): Command {
  return cmd
    .option('--bundle <dir>', 'scan a bundle folder instead of the live cluster')
    .option(
      '--kubeconfig <file>',
      'kubeconfig of the cluster (default: KUBECONFIG, ~/.kube/config, in-cluster)',
    )
    .option('--context <name>', 'kubeconfig context')
    .option('--host-root <dir>', "where the host's / is mounted (default WATCHPOST_HOST_ROOT or /)")
    .option('--api-only', 'skip host files and host probes (AKS in Azure)');
}

/**
 * Writes `chunks` to `out`, waiting for it to drain whenever its buffer is full. Standard output to a pipe is
 * asynchronous: a report written in one go sat in memory whole (at 10,000 pods 17 MB of text, and its bytes)
 * until the reader had taken it, ~35 MB more at the scan's peak than printing to a file.
 */
async function writeChunks(out: NodeJS.WriteStream, chunks: Iterable<string>): Promise<void> {
  for (const chunk of chunks) {
    // Gone when the reader went away (EPIPE, quiet: cli/program.ts): the rest is not made at all.
    if (out.destroyed) return;
    if (!out.write(chunk))
      await new Promise<void>((resolve) => {
        const done = () => {
          out.off('drain', done);
          out.off('close', done);
          resolve();
        };
        out.on('drain', done);
        out.on('close', done);
      });
  }
}

export const register: RegisterCommand = (program) => {
  evidenceOptions(program.command('scan').description('run every check once and print the report'))
    .option('--at <time>', 'evaluate as of an ISO time or an offset such as +30d ("what breaks in 30 days")')
    .addOption(
      new Option(
        '--format <format>',
        'output format (csv and sarif hold open findings unless --include-passes)',
      )
        .choices(['table', 'json', 'sarif', 'csv'])
        .default('table'),
    )
    .option(
      '--fail-on <gate>',
      'exit 1 when a failing result has this severity or worse (critical, high, medium, low, info, none); ' +
        'add ",warn" to count warnings at that severity too, ",error" to count checks that could not decide',
      (v: string) => {
        try {
          return parseFailOn(v);
        } catch (err) {
          throw new InvalidArgumentError((err as Error).message);
        }
      },
      parseFailOn('high'),
    )
    .option('--check <id...>', 'run only these check ids (see `watchpost-agent checks`)')
    .option('-v, --verbose', 'table format: list passing and not-applicable results too')
    .option('--include-passes', 'csv and sarif formats: pass and not-applicable results too')
    .option('--no-remediation', "table format: leave out the catalogue's remediation under failing results")
    .option(
      '--config <file>',
      "apply this agent config's exemptions, severityOverrides and platformNamespaces (other settings are ignored)",
    )
    .option(
      '--show-exempted',
      'table format: list the results exemptions hide (json, csv and sarif always carry them, marked)',
    )
    .action(async (flags: ScanFlags) => {
      if (flags.check) {
        const known = new Set(CATALOGUE.map((c) => c.id));
        const unknown = flags.check.filter((id) => !known.has(id));
        if (unknown.length)
          throw new Error(
            `unknown check id ${unknown.map((id) => `"${id}"`).join(', ')}; known ids: ${[...known].join(', ')}`,
          );
      }
      const startedAt = new Date();
      const at = flags.at ? parseAt(flags.at, startedAt) : startedAt;
      // Validated before any collection, like the daemon's start-up: a bad config fails fast, naming the field.
      const policy = flags.config
        ? (await import('../config/agent-config.js')).loadPolicyConfig(flags.config, process.env, startedAt)
        : undefined;
      for (const w of policy?.warnings ?? []) process.stderr.write(`watchpost-agent: config: ${w}\n`);
      let evidence;
      try {
        evidence = await loadEvidence(evidenceSource(flags));
      } catch (err) {
        if (err instanceof BundleError) throw new Error(err.message);
        throw err;
      }
      const report = runChecks(evidence, {
        now: at,
        ...(flags.check ? { only: flags.check } : {}),
        ...(policy
          ? {
              platformNamespaces: policy.platformNamespaces,
              policy: {
                ...(policy.exemptions ? { exemptions: policy.exemptions } : {}),
                ...(policy.severityOverrides ? { severityOverrides: policy.severityOverrides } : {}),
              },
            }
          : {}),
      });
      // Decided before printing, so the evidence (and what checks derived from it) can go while the report is written.
      const incomplete = incompleteReason(evidence, report);
      evidence = undefined;
      if (flags.format === 'json') await writeChunks(process.stdout, jsonReportChunks(report));
      else if (flags.format === 'sarif')
        process.stdout.write(
          JSON.stringify(
            toSarif(report, agentVersion(), { includePasses: flags.includePasses ?? false }),
            null,
            2,
          ) + '\n',
        );
      else if (flags.format === 'csv')
        process.stdout.write(toCsv(report, { includePasses: flags.includePasses ?? false }));
      else
        process.stdout.write(
          renderTable(report, {
            verbose: flags.verbose ?? false,
            remediation: flags.remediation,
            showExempted: flags.showExempted ?? false,
          }),
        );
      const gating = gatingResults(report, flags.failOn);
      if (incomplete) {
        process.stderr.write(
          `watchpost-agent: scan incomplete, exit ${SCAN_EXIT.incomplete}: ${incomplete}` +
            (gating.length ? ` (and ${gating.length} results at or above --fail-on)` : '') +
            '\n',
        );
        process.exitCode = SCAN_EXIT.incomplete;
      } else process.exitCode = gating.length ? SCAN_EXIT.findings : SCAN_EXIT.clean;
    });
};
