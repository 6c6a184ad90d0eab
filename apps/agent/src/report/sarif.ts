import { CATALOGUE, sarifKind, sarifLevel, sarifLocation, sarifRule, type Report } from '@watchpost/shared';
import { exportedResults } from './csv.js';

/**
 * Renders a report as a SARIF 2.1.0 log: one rule per check that produced a result, one result per
 * fail / warn / error; passes and not-applicable results only with `includePasses` (SARIF kinds `pass` and
 * `notApplicable`). Exempted results stay, with `suppressions`.
 */
export function toSarif(
  report: Report,
  toolVersion: string,
  opts: { includePasses?: boolean } = {},
): Record<string, unknown> {
  const used = new Set(report.results.map((r) => r.checkId));
  const defs = CATALOGUE.filter((c) => used.has(c.id));
  const ruleIndex = new Map(defs.map((c, i) => [c.id, i]));
  const results = exportedResults(report, opts.includePasses ?? false).map((r) => ({
    ruleId: r.checkId,
    ruleIndex: ruleIndex.get(r.checkId),
    kind: sarifKind(r),
    level: sarifLevel(r),
    message: { text: r.message },
    locations: [sarifLocation(r.resource, report.cluster.name)],
    properties: { outcome: r.outcome, severity: r.severity, area: r.area, cluster: report.cluster.name },
    // An accepted risk (SARIF 2.1.0 §3.35): `inSource` when the cluster object itself says so (the annotation
    // sits next to what it exempts), `external` when the agent's config does.
    ...(r.exemption && r.outcome !== 'error'
      ? {
          suppressions: [
            {
              kind: r.exemption.source === 'annotation' ? 'inSource' : 'external',
              status: 'accepted',
              justification: r.exemption.reason,
              properties: {
                source: r.exemption.source,
                ...(r.exemption.ref ? { ref: r.exemption.ref } : {}),
                ...(r.exemption.expiresAt ? { expiresAt: r.exemption.expiresAt } : {}),
              },
            },
          ],
        }
      : {}),
  }));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'watchpost-agent',
            version: toolVersion,
            informationUri: 'https://github.com/watchpost/watchpost',
            rules: defs.map(sarifRule),
          },
        },
        invocations: [
          {
            executionSuccessful: true,
            endTimeUtc: report.evaluatedAt,
            toolExecutionNotifications: report.collectorErrors.map((e) => ({
              level: 'warning',
              message: { text: `${e.source}: ${e.message}` },
            })),
          },
        ],
        properties: { cluster: report.cluster, summary: report.summary },
        results,
      },
    ],
  };
}
