import {
  builtInSupportDocument,
  supportDataAgeDays,
  type KubernetesSupportDocument,
} from '@watchpost/shared';
import type { CheckContext, CheckFinding } from '../check.js';

/** The support data a platform check judges with: what the agent handed in, else the shipped document. */
export function supportDataOf(ctx: Pick<CheckContext, 'supportData'>): KubernetesSupportDocument {
  return ctx.supportData ?? builtInSupportDocument();
}

/** What every message says about the data it used: `support data 2026.12.0 (compiled 2026-12-06, 3 days old)`. */
export function describeSupportData(doc: KubernetesSupportDocument, now: Date): string {
  const age = supportDataAgeDays(doc, now);
  return `support data ${doc.dataVersion} (compiled ${doc.compiledAt}, ${age} ${age === 1 ? 'day' : 'days'} old)`;
}

/** How to get newer data, for messages and remediation. */
export const SUPPORT_DATA_REFRESH =
  'import current data on the hub (`watchpost-hub data import kubernetes-support.json`, or for AKS `az aks get-versions --location <region> -o json > versions.json` then `watchpost-hub data import versions.json`); agents receive it with their next ack';

/** Evidence fields every platform finding carries about its data. */
export function supportDataEvidence(doc: KubernetesSupportDocument, now: Date): Record<string, unknown> {
  return {
    supportDataVersion: doc.dataVersion,
    supportDataCompiledAt: doc.compiledAt,
    supportDataAgeDays: supportDataAgeDays(doc, now),
  };
}

/**
 * A `warn` of its own when the data is older than its `maxAgeDays`: every verdict drawn from it may miss a
 * newer release, end-of-life change or patch.
 */
export function staleSupportData(doc: KubernetesSupportDocument, now: Date): CheckFinding[] {
  const age = supportDataAgeDays(doc, now);
  if (age <= doc.maxAgeDays) return [];
  return [
    {
      outcome: 'warn',
      severity: 'medium',
      resource: { kind: 'SupportData', name: 'kubernetes-support' },
      message: `Kubernetes support data ${doc.dataVersion} was compiled ${doc.compiledAt}, ${age} days ago, past its ${doc.maxAgeDays}-day limit: releases, end-of-life dates and patches since then are not known to it; ${SUPPORT_DATA_REFRESH}`,
      evidence: supportDataEvidence(doc, now),
    },
  ];
}
