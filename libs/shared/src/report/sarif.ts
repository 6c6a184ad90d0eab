import type { CheckDefinition, Severity } from '../catalogue/types.js';
import type { Outcome, ResourceRef } from './report.js';

// One SARIF 2.1.0 mapping for the agent's `scan --format sarif` and the hub's export, so a finding looks the
// same wherever it comes from.

/** SARIF `level`: only `kind: fail` results carry a level other than `none` (SARIF 2.1.0 §3.27.9). */
export function sarifLevel(r: {
  outcome: Outcome;
  severity: Severity;
}): 'error' | 'warning' | 'note' | 'none' {
  if (r.outcome === 'fail')
    return r.severity === 'critical' || r.severity === 'high'
      ? 'error'
      : r.severity === 'info'
        ? 'note'
        : 'warning';
  if (r.outcome === 'warn') return 'warning';
  return 'none';
}

/** SARIF `kind`: warn is a soft fail; error means the check could not decide (`open`). */
export function sarifKind(r: { outcome: Outcome }): 'fail' | 'pass' | 'open' | 'notApplicable' {
  switch (r.outcome) {
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

/** SARIF reporting descriptor (rule) of a catalogue entry. */
export function sarifRule(c: CheckDefinition): Record<string, unknown> {
  const helpUri = c.references.find((r) => r.url)?.url;
  return {
    id: c.id,
    name: c.id.replace(/(^|-)([a-z0-9])/g, (_m, _d: string, ch: string) => ch.toUpperCase()),
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

/** SARIF location of a resource: a logical location always, a physical one for host files. */
export function sarifLocation(resource: ResourceRef, clusterName: string): Record<string, unknown> {
  const name = [resource.kind, resource.namespace, resource.name ?? resource.path].filter(Boolean).join('/');
  const location: Record<string, unknown> = {
    logicalLocations: [{ name, kind: 'resource', fullyQualifiedName: `${clusterName}/${name}` }],
  };
  if (resource.path?.startsWith('/'))
    location['physicalLocation'] = { artifactLocation: { uri: `file://${resource.path}` } };
  return location;
}
