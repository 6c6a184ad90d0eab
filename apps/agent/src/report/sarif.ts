import { CATALOGUE, type CheckResult, type Report } from '@watchpost/shared';

/** SARIF 2.1.0 level of a result (pass and not_applicable are not reported). */
function level(r: CheckResult): 'error' | 'warning' | 'note' | undefined {
  if (r.outcome === 'fail') return r.severity === 'critical' || r.severity === 'high' ? 'error' : 'warning';
  if (r.outcome === 'warn') return 'warning';
  if (r.outcome === 'error') return 'note';
  return undefined;
}

function logicalName(r: CheckResult): string {
  return [r.resource.kind, r.resource.namespace, r.resource.name ?? r.resource.path]
    .filter(Boolean)
    .join('/');
}

/**
 * Renders a report as a SARIF 2.1.0 log: one rule per catalogue entry, one result per fail / warn / error.
 * Host files become physical locations (`file:///etc/...`), Kubernetes objects logical locations.
 */
export function toSarif(report: Report, toolVersion: string): Record<string, unknown> {
  const used = new Set(report.results.map((r) => r.checkId));
  const rules = CATALOGUE.filter((c) => used.has(c.id)).map((c) => ({
    id: c.id,
    name: c.id.replace(/(^|-)([a-z0-9])/g, (_m, _d: string, ch: string) => ch.toUpperCase()),
    shortDescription: { text: c.title },
    fullDescription: { text: c.description },
    help: { text: c.remediation },
    helpUri: c.references.find((r) => r.url)?.url,
    properties: {
      area: c.area,
      severity: c.defaultSeverity,
      tags: [c.area, ...c.references.flatMap((r) => (r.cis ? [`CIS ${r.cis}`] : []))],
    },
  }));
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const results = report.results.flatMap((r) => {
    const lvl = level(r);
    if (!lvl) return [];
    const location: Record<string, unknown> = {
      logicalLocations: [
        {
          name: logicalName(r),
          kind: 'resource',
          fullyQualifiedName: `${report.cluster.name}/${logicalName(r)}`,
        },
      ],
    };
    if (r.resource.path?.startsWith('/'))
      location['physicalLocation'] = { artifactLocation: { uri: `file://${r.resource.path}` } };
    return [
      {
        ruleId: r.checkId,
        ruleIndex: ruleIndex.get(r.checkId),
        level: lvl,
        kind: r.outcome === 'error' ? 'review' : 'fail',
        message: { text: r.message },
        locations: [location],
        properties: { outcome: r.outcome, severity: r.severity, area: r.area, cluster: report.cluster.name },
      },
    ];
  });
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
            rules,
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
