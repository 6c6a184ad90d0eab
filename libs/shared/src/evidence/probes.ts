import * as z from 'zod';
import { etcdSecretsProbeResult, kmsProbeResult } from './encryption-probes.js';
import type { Evidence } from './evidence.js';
import { TLS_ENDPOINTS_PROBE, tlsEndpointsProbeResult } from './tls-endpoints.js';

/**
 * The contract between the live probes (agent collectors) and the checks: one schema per probe name. A live
 * probe is typed against it at compile time; a bundle's `probes/<name>.json` may hold anything, so checks read
 * every probe through `readProbe`, which validates it here, where it enters the checks.
 */
export const PROBE_SCHEMAS = {
  kms: kmsProbeResult,
  'etcd-secrets': etcdSecretsProbeResult,
  [TLS_ENDPOINTS_PROBE]: tlsEndpointsProbeResult,
} as const;

/** Names of the probes the checks know (`probes/<name>.json` in a bundle). */
export type ProbeName = keyof typeof PROBE_SCHEMAS;

/** The validated result of probe `K`. */
export type ProbeResultOf<K extends ProbeName> = z.infer<(typeof PROBE_SCHEMAS)[K]>;

/** What a probe records when it could not do its job at all (no etcd client certificate, no manifest). */
export const probeFailure = z.object({ error: z.string(), endpoints: z.array(z.string()).optional() });
/** A probe that could not do its job; the checks that need it report `error` with this message. */
export type ProbeFailure = z.infer<typeof probeFailure>;

/**
 * `Evidence.probes`: each probe's result or failure, by name. Live probes produce these types; values read
 * from a bundle are unchecked until `readProbe` validates them.
 */
export type ProbeResults = { [K in ProbeName]?: ProbeResultOf<K> | ProbeFailure } & Record<string, unknown>;

/** Parses a probe result with `schema`, or says which field of which probe is wrong. */
export function parseProbe<T>(
  schema: z.ZodType<T>,
  name: string,
  evidence: Evidence,
): { ok: true; value: T } | { ok: false; reason: string } {
  const value = evidence.probes[name];
  if (value === undefined) {
    const failed = evidence.collectorErrors.find((e) => e.source === `probe/${name}`);
    if (failed) return { ok: false, reason: `probe "${name}" failed: ${failed.message}` };
    return {
      ok: false,
      reason: `probe "${name}" did not run (live: it runs on control-plane nodes only; bundle: probes/${name}.json is missing)`,
    };
  }
  const failure = probeFailure.safeParse(value);
  if (failure.success && !('providers' in (value as object)) && !('groups' in (value as object))) {
    return { ok: false, reason: `probe "${name}" failed: ${failure.data.error}` };
  }
  const r = schema.safeParse(value);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0];
  return {
    ok: false,
    reason: `probes/${name}.json does not have the expected shape: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`,
  };
}

/** Reads and validates the known probe `name` from the evidence (see `parseProbe`). */
export function readProbe<K extends ProbeName>(
  evidence: Evidence,
  name: K,
): { ok: true; value: ProbeResultOf<K> } | { ok: false; reason: string } {
  return parseProbe(PROBE_SCHEMAS[name] as unknown as z.ZodType<ProbeResultOf<K>>, name, evidence);
}
