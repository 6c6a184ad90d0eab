import { kubeItems } from '@watchpost/shared';
import type { Check, CheckFinding } from '../check.js';

/** Node labels that carry the node image version (AKS sets the first on every node). Data, in lookup order. */
export const NODE_IMAGE_LABELS: readonly string[] = ['kubernetes.azure.com/node-image-version'];

const DAY = 86_400_000;

/**
 * Build date of an AKS node image version:
 * - Linux: `AKSUbuntu-2204gen2containerd-202410.09.0`, `AKSAzureLinux-V3gen2-202501.12.0` (`YYYYMM.DD.n`)
 * - Windows: `AKSWindows-2022-containerd-20348.2762.241009` (`<build>.<revision>.YYMMDD`)
 * Undefined when the value matches neither or names an impossible date.
 */
export function nodeImageDate(version: string): Date | undefined {
  let y: number, m: number, d: number;
  const linux = /(?:^|-)(\d{4})(\d{2})\.(\d{2})\.\d+$/.exec(version);
  const windows = /(?:^|-)\d{5}\.\d+\.(\d{2})(\d{2})(\d{2})$/.exec(version);
  if (linux) [y, m, d] = [Number(linux[1]), Number(linux[2]), Number(linux[3])];
  else if (windows) [y, m, d] = [2000 + Number(windows[1]), Number(windows[2]), Number(windows[3])];
  else return undefined;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d)
    return undefined;
  return date;
}

/** Node images carry the OS patches; an old image means old kernels and libraries unless patched in place. */
export const nodeImageAge: Check = {
  id: 'node-image-age',
  run: (ctx) => {
    const nodes = kubeItems(ctx.evidence, 'nodes');
    if (!nodes.ok)
      return [
        {
          outcome: 'error',
          resource: { kind: 'Cluster', name: ctx.evidence.cluster.name },
          message: `cannot read nodes: ${nodes.reason}`,
        },
      ];
    const max = ctx.options.nodeImageMaxAgeDays;
    const out: CheckFinding[] = [];
    for (const node of nodes.items) {
      const resource = { kind: 'Node', name: node.metadata.name };
      const label = NODE_IMAGE_LABELS.find((l) => node.metadata.labels?.[l] !== undefined);
      if (!label) {
        out.push({
          outcome: 'not_applicable',
          resource,
          message: `no node label carries the image version (${NODE_IMAGE_LABELS.join(', ')})`,
        });
        continue;
      }
      const version = node.metadata.labels![label];
      const built = nodeImageDate(version);
      if (!built) {
        out.push({
          outcome: 'error',
          resource,
          message: `${label} "${version}" has no build date this agent can read (expected e.g. AKSUbuntu-2204gen2containerd-202410.09.0)`,
        });
        continue;
      }
      const age = Math.floor((ctx.now.getTime() - built.getTime()) / DAY);
      const evidence = {
        label,
        version,
        built: built.toISOString().slice(0, 10),
        ageDays: age,
        maxAgeDays: max,
      };
      out.push(
        age > max
          ? {
              outcome: 'warn',
              resource,
              message: `node image ${version} was built ${age} days ago (more than ${max})`,
              evidence,
            }
          : {
              outcome: 'pass',
              resource,
              message: `node image ${version} is ${Math.max(age, 0)} days old (at most ${max})`,
              evidence,
            },
      );
    }
    if (out.length === 0)
      out.push({
        outcome: 'error',
        resource: { kind: 'Cluster', name: ctx.evidence.cluster.name },
        message: 'the node list is empty',
      });
    return out;
  },
};
