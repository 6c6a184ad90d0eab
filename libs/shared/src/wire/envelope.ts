import * as z from 'zod';
import { AREAS, SEVERITIES } from '../catalogue/types.js';
import { CLUSTER_ROLES, PLATFORMS } from '../evidence/evidence.js';
import { resultFactsWireSchema } from '../facts/facts.js';
import { OUTCOMES } from '../report/report.js';
import { MAX_ENVELOPE_RESULTS } from './limits.js';

/** Topic layout of wire contract v1 (DESIGN.md section 6). */
export const TOPIC_PREFIX = 'watchpost/v1/agents';
/** Agent ids: lower-case DNS-ish, never MQTT wildcards or separators. */
export const AGENT_ID_PATTERN = /^[a-z0-9](?:[a-z0-9.-]{0,126}[a-z0-9])?$/;

/** `watchpost/v1/agents/{agentId}/report`, `.../status`, `.../ack`. */
export function agentTopic(agentId: string, kind: 'report' | 'status' | 'ack'): string {
  if (!AGENT_ID_PATTERN.test(agentId)) throw new Error(`invalid agent id "${agentId}": use [a-z0-9.-]`);
  return `${TOPIC_PREFIX}/${agentId}/${kind}`;
}

/** Splits a v1 agent topic into its agent id and kind, or null when it is not one. */
export function parseAgentTopic(
  topic: string,
): { agentId: string; kind: 'report' | 'status' | 'ack' } | null {
  const m = /^watchpost\/v1\/agents\/([^/]+)\/(report|status|ack)$/.exec(topic);
  if (!m || !AGENT_ID_PATTERN.test(m[1])) return null;
  return { agentId: m[1], kind: m[2] as 'report' | 'status' | 'ack' };
}

/** MQTT 5 content type of a report payload: gzip-compressed UTF-8 JSON of `ReportEnvelopeV1`. */
export const REPORT_CONTENT_TYPE = 'application/vnd.watchpost.report.v1+json;encoding=gzip';

const resourceRef = z.strictObject({
  kind: z.string().min(1).max(256),
  namespace: z.string().max(253).optional(),
  name: z.string().max(1024).optional(),
  path: z.string().max(4096).optional(),
});

const counts = z.strictObject({
  pass: z.number().int().nonnegative(),
  fail: z.number().int().nonnegative(),
  warn: z.number().int().nonnegative(),
  error: z.number().int().nonnegative(),
  not_applicable: z.number().int().nonnegative(),
});

const isoTime = z.iso.datetime({ offset: true });

/** Zod schema of envelope v1; the hub validates every message with it. */
export const reportEnvelopeV1Schema = z.strictObject({
  schemaVersion: z.literal(1),
  agentId: z.string().regex(AGENT_ID_PATTERN),
  seq: z.number().int().positive(),
  runId: z.string().min(1).max(128),
  scannedAt: isoTime,
  evaluatedAt: isoTime,
  agentVersion: z.string().min(1).max(64),
  cluster: z.strictObject({
    name: z.string().min(1).max(253),
    platform: z.enum(PLATFORMS as [string, ...string[]]),
    role: z.enum(CLUSTER_ROLES as [string, ...string[]]),
    location: z.string().max(128).optional(),
    kubernetesVersion: z.string().max(64).optional(),
  }),
  // partialRecord: zod 4's z.record over an enum demands every key; summarise() lists only areas with results.
  summary: counts.extend({ byArea: z.partialRecord(z.enum(AREAS), counts) }),
  results: z
    .array(
      z
        .strictObject({
          checkId: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/),
          area: z.enum(AREAS),
          severity: z.enum(SEVERITIES),
          outcome: z.enum(OUTCOMES),
          resource: resourceRef,
          message: z.string().max(8192),
          evidence: z.record(z.string(), z.unknown()).optional(),
          /** Typed facts (added in v1 as an optional member; see docs/contracts-changes.md). */
          facts: resultFactsWireSchema.optional(),
          /** An accepted risk the agent applied (added in v1 as an optional member, 2026-12; never on `error`). */
          exemption: z
            .strictObject({
              source: z.enum(['annotation', 'config']),
              reason: z.string().min(1).max(1024),
              ref: z.string().max(1024).optional(),
              expiresAt: isoTime.optional(),
            })
            .optional(),
        })
        .refine((r) => r.exemption === undefined || r.outcome !== 'error', {
          message: 'an error result cannot carry an exemption',
          path: ['exemption'],
        }),
    )
    .max(MAX_ENVELOPE_RESULTS),
  collectorErrors: z
    .array(z.strictObject({ source: z.string().max(4096), message: z.string().max(8192) }))
    .max(10_000),
  /** Reports this agent had to drop (retention bound) since the last report it sent. */
  dropped: z.number().int().nonnegative(),
  /**
   * Optional (added 2026-12): the scan had more results (or bytes) than one envelope may carry
   * (`MAX_ENVELOPE_RESULTS`, `MAX_ENVELOPE_JSON_BYTES`, `MAX_ENVELOPE_GZIP_BYTES`), so the agent folded results of
   * one check, outcome and severity into single results (`evidence.summarised` = how many each stands for).
   * `resultCounts` are the scan's results by outcome before folding: nothing is dropped silently.
   */
  bounded: z
    .strictObject({
      resultCounts: counts,
      collectorErrors: z.number().int().nonnegative(),
      reason: z.string().max(1024),
    })
    .optional(),
  /**
   * Optional (added 2026-12): the agent's local store failed to commit since its previous stored report. Sent
   * only when something failed, so hubs that predate the field keep accepting every other report.
   */
  storeFailures: z
    .strictObject({
      /** Commit attempts that failed (each retried with backoff). */
      failedCommits: z.number().int().nonnegative(),
      /** Scans replaced by a newer scan before their report could be stored (snapshots: the newer one is sent). */
      scansSuperseded: z.number().int().nonnegative(),
      /** When the failures began, agent clock. */
      since: isoTime,
      lastError: z.string().max(1024),
    })
    .optional(),
  /**
   * `dataVersion` of the Kubernetes support data the agent judged with (optional, added 2026-12): the hub
   * answers with a newer document in the ack when it has one.
   */
  supportDataVersion: z.string().max(32).optional(),
});

/** One report on the wire: the JSON report plus who sent it and its place in the agent's sequence. */
export type ReportEnvelopeV1 = z.infer<typeof reportEnvelopeV1Schema>;

/**
 * Application-level ack, hub → agent on `.../ack`, published only after the hub committed the report.
 * `resync` (added 2026-12): the hub already holds a different report under this seq from this agent (the agent's
 * store lost reports it had published, or was restored from an old copy); `hubSeq` is the highest seq the hub
 * holds from it. The agent moves its sequence past `hubSeq` and sends the refused report again under a new seq.
 */
export const ackSchema = z.strictObject({
  seq: z.number().int().positive(),
  status: z.enum(['stored', 'duplicate', 'rejected', 'resync']),
  reason: z.string().max(1024).optional(),
  /** With `resync`: the highest seq the hub holds from this agent. */
  hubSeq: z.number().int().positive().optional(),
  /**
   * A Kubernetes support data document newer than the report's `supportDataVersion` (optional, added
   * 2026-12). Kept loose here so that a document the agent cannot use never makes the ack itself invalid:
   * the agent validates it with `parseSupportDocument` and keeps it only when valid and newer.
   */
  supportData: z.record(z.string(), z.unknown()).optional(),
});
/** The ack message. */
export type AckMessage = z.infer<typeof ackSchema>;

/** Retained `.../status` message (and last will): online or offline. */
export const agentStatusSchema = z.strictObject({
  state: z.enum(['online', 'offline']),
  at: isoTime.optional(),
  agentVersion: z.string().max(64).optional(),
});
/** The status message. */
export type AgentStatusMessage = z.infer<typeof agentStatusSchema>;
