import { createHash } from 'node:crypto';
import { CATALOGUE, type CheckDefinition } from '@watchpost/shared';
import type { FindingView } from '../api/posture-query.service.js';

// The same rule and location mapping as the agent's SARIF printer (apps/agent/src/report/sarif.ts), so a
// finding looks the same whether it came from `watchpost-agent scan --format sarif` or the hub's export. Apps
// may not import each other: the shared part belongs in libs/shared once both settle.

/** SARIF 2.1.0 `level` of a finding; only `kind: fail` results carry a level other than `none` (SARIF 3.27.9). */
export function sarifLevel(
  f: Pick<FindingView, 'outcome' | 'severity'>,
): 'error' | 'warning' | 'note' | 'none' {
  if (f.outcome === 'fail')
    return f.severity === 'critical' || f.severity === 'high'
      ? 'error'
      : f.severity === 'info'
        ? 'note'
        : 'warning';
  if (f.outcome === 'warn') return 'warning';
  return 'none';
}

/** SARIF `kind`: warn is a soft fail; error = the check could not decide (`open`). */
export function sarifKind(f: Pick<FindingView, 'outcome'>): 'fail' | 'pass' | 'open' | 'notApplicable' {
  switch (f.outcome) {
    case 'fail':
    case 'warn':
      return 'fail';
    case 'error':
      return 'open';
    case 'pass':
      return 'pass';
    default:
      return 'notApplicable';
  }
}

function ruleName(id: string): string {
  return id.replace(/(^|-)([a-z0-9])/g, (_m, _d: string, ch: string) => ch.toUpperCase());
}

function rule(c: CheckDefinition) {
  const helpUri = c.references.find((r) => r.url)?.url;
  return {
    id: c.id,
    name: ruleName(c.id),
    shortDescription: { text: c.title },
    fullDescription: { text: c.description },
    help: { text: c.remediation },
    ...(helpUri ? { helpUri } : {}),
    defaultConfiguration: { level: sarifLevel({ outcome: 'fail', severity: c.defaultSeverity }) },
    properties: {
      area: c.area,
      severity: c.defaultSeverity,
      tags: [c.area, ...c.references.flatMap((r) => (r.cis ? [`CIS ${r.cis}`] : []))],
    },
  };
}

function logicalName(f: FindingView): string {
  return [f.resource.kind, f.resource.namespace, f.resource.name ?? f.resource.path]
    .filter(Boolean)
    .join('/');
}

/** Builds SARIF incrementally so an export of the whole fleet can stream result by result. */
export class SarifBuilder {
  private readonly rules: ReturnType<typeof rule>[] = [];
  private readonly ruleIndex = new Map<string, number>();

  constructor(private readonly toolVersion: string) {}

  /** The SARIF result for one finding (registers its rule). */
  result(f: FindingView): Record<string, unknown> {
    let index = this.ruleIndex.get(f.checkId);
    if (index === undefined) {
      const def = CATALOGUE.find((c) => c.id === f.checkId);
      if (def) {
        index = this.rules.length;
        this.rules.push(rule(def));
        this.ruleIndex.set(f.checkId, index);
      }
    }
    const location: Record<string, unknown> = {
      logicalLocations: [
        { name: logicalName(f), kind: 'resource', fullyQualifiedName: `${f.cluster}/${logicalName(f)}` },
      ],
    };
    if (f.resource.path?.startsWith('/'))
      location['physicalLocation'] = { artifactLocation: { uri: `file://${f.resource.path}` } };
    return {
      ruleId: f.checkId,
      ...(index !== undefined ? { ruleIndex: index } : {}),
      kind: sarifKind(f),
      level: sarifLevel(f),
      message: { text: f.message },
      locations: [location],
      // Stable across scans and hubs: the posture table's own key.
      partialFingerprints: {
        'watchpostFinding/v1': createHash('sha256')
          .update(`${f.cluster}\n${f.checkId}\n${f.resourceKey}`)
          .digest('hex'),
      },
      properties: {
        cluster: f.cluster,
        platform: f.platform,
        outcome: f.outcome,
        severity: f.severity,
        area: f.area,
        firstSeenAt: f.firstSeenAt,
        lastSeenAt: f.lastSeenAt,
        resolvedAt: f.resolvedAt,
      },
    };
  }

  /** The log's text before the results array (the results array is opened and left open). */
  head(): string {
    return '{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0","runs":[{"results":[';
  }

  /** Closes the results array and adds the tool (with every rule results referred to) and the invocation. */
  tail(generatedAt: string, filters: Record<string, unknown>): string {
    const tool = {
      driver: {
        name: 'watchpost-hub',
        version: this.toolVersion,
        informationUri: 'https://github.com/watchpost/watchpost',
        rules: this.rules,
      },
    };
    const invocations = [{ executionSuccessful: true, endTimeUtc: generatedAt }];
    return `],"tool":${JSON.stringify(tool)},"invocations":${JSON.stringify(invocations)},"properties":${JSON.stringify({ filters })}}]}`;
  }
}
