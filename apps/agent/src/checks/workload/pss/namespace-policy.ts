import { PSS_LEVELS, parsePolicyVersion, type PssLevel } from './policy.js';

const PREFIX = 'pod-security.kubernetes.io/';

/** Each mode's label names, made once: not a text built (and hashed to look up) per namespace and mode. */
const LABELS: Record<PsaMode, { level: string; version: string }> = {
  enforce: { level: `${PREFIX}enforce`, version: `${PREFIX}enforce-version` },
  warn: { level: `${PREFIX}warn`, version: `${PREFIX}warn-version` },
  audit: { level: `${PREFIX}audit`, version: `${PREFIX}audit-version` },
};

/** The three Pod Security Admission modes. */
export type PsaMode = 'enforce' | 'warn' | 'audit';
export const PSA_MODES: readonly PsaMode[] = ['enforce', 'warn', 'audit'];

/** One mode of a namespace's policy: level and version, whether a label set it, and any label problem. */
export interface ModePolicy {
  level: PssLevel;
  version: number | 'latest';
  /** True when the namespace has the level label for this mode (false: the admission default applies). */
  labelled: boolean;
  /** A label value the API server would treat as invalid, described. */
  invalid?: string;
}

/** What Pod Security Admission applies to a namespace. */
export type NamespacePolicy = Record<PsaMode, ModePolicy>;

/**
 * A namespace's policy from its labels, as the admission plugin reads them (`PolicyToEvaluate`): unlabelled
 * modes take the admission default (privileged, latest: the API server's default AdmissionConfiguration and
 * AKS's); an invalid level is treated as `restricted` and an invalid version as `latest`, the most
 * restrictive reading, which is what upstream does; and when `warn` is not labelled but `enforce` is stricter
 * than it, `warn` follows `enforce` (level and, unless labelled, version).
 */
export function namespacePolicy(labels: Record<string, string>): NamespacePolicy {
  const read = (mode: PsaMode): ModePolicy => {
    const rawLevel = labels[LABELS[mode].level];
    const rawVersion = labels[LABELS[mode].version];
    const p: ModePolicy = { level: 'privileged', version: 'latest', labelled: rawLevel !== undefined };
    const problems: string[] = [];
    if (rawLevel !== undefined) {
      if ((PSS_LEVELS as readonly string[]).includes(rawLevel)) p.level = rawLevel as PssLevel;
      else {
        p.level = 'restricted';
        problems.push(`${PREFIX}${mode}="${rawLevel}" is not a level (treated as restricted)`);
      }
    }
    const v = parsePolicyVersion(rawVersion);
    if (v === undefined)
      problems.push(`${PREFIX}${mode}-version="${rawVersion ?? ''}" is not a version (treated as latest)`);
    else p.version = v;
    if (problems.length) p.invalid = problems.join('; ');
    return p;
  };
  const policy: NamespacePolicy = { enforce: read('enforce'), warn: read('warn'), audit: read('audit') };
  const rank = (l: PssLevel): number => PSS_LEVELS.indexOf(l);
  if (
    !policy.warn.labelled &&
    policy.enforce.labelled &&
    !policy.enforce.invalid &&
    rank(policy.enforce.level) > rank(policy.warn.level)
  ) {
    const versionLabelled = labels[LABELS.warn.version] !== undefined;
    policy.warn = { ...policy.warn, level: policy.enforce.level };
    if (!versionLabelled) policy.warn.version = policy.enforce.version;
  }
  return policy;
}

/** `restricted:v1.30`, `baseline:latest` */
export function describeMode(p: ModePolicy): string {
  return `${p.level}:${p.version === 'latest' ? 'latest' : `v1.${p.version}`}`;
}
