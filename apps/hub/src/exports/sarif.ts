import { createHash } from 'node:crypto';
import { CATALOGUE, sarifKind, sarifLevel, sarifLocation, sarifRule } from '@watchpost/shared';
import type { FindingView } from '../posture/index.js';

// Rule, level, kind and location mapping live in libs/shared (report/sarif.ts), shared with the agent's printer.

/** Builds SARIF incrementally so an export of the whole fleet can stream result by result. */
export class SarifBuilder {
  private readonly rules: Record<string, unknown>[] = [];
  private readonly ruleIndex = new Map<string, number>();

  constructor(private readonly toolVersion: string) {}

  /** The SARIF result for one finding (registers its rule). */
  result(f: FindingView): Record<string, unknown> {
    const exemption = f.exemption;
    let index = this.ruleIndex.get(f.checkId);
    if (index === undefined) {
      const def = CATALOGUE.find((c) => c.id === f.checkId);
      if (def) {
        index = this.rules.length;
        this.rules.push(sarifRule(def));
        this.ruleIndex.set(f.checkId, index);
      }
    }
    const location = sarifLocation(f.resource, f.cluster);
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
        ...(f.severityOverride ? { reportedSeverity: f.severityOverride.from } : {}),
        area: f.area,
        firstSeenAt: f.firstSeenAt,
        lastSeenAt: f.lastSeenAt,
        resolvedAt: f.resolvedAt,
      },
      // An accepted risk: SARIF 2.1.0 §3.35. A hub exemption or the agent's config is kept outside the analysed
      // objects (`external`); an annotation sits on the object itself (`inSource`).
      ...(exemption
        ? {
            suppressions: [
              {
                kind: exemption.source === 'annotation' ? 'inSource' : 'external',
                status: 'accepted',
                justification: exemption.reason,
                properties: {
                  source: exemption.source,
                  ...(exemption.id ? { exemptionId: exemption.id } : {}),
                  ...(exemption.author ? { author: exemption.author } : {}),
                  ...(exemption.ref ? { ref: exemption.ref } : {}),
                  expiresAt: exemption.expiresAt,
                },
              },
            ],
          }
        : {}),
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
