import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type EncryptionSetup,
  encryptionSetups,
  type Evidence,
  hostPathFor,
  type KmsProbeResult,
  kmsProviders,
  type KmsProviderStatus,
  parseEncryptionConfig,
  type ParseResult,
} from '@watchpost/shared';
import { KmsCallError, kmsV1Version, kmsV2Status } from './kms.client.js';
import type { Probe, ProbeContext } from './probe.js';

/** Longest single KMS call; the API server's own default KMS timeout is 3 s. */
const MAX_CALL_MS = 3000;

function asEvidence(ctx: ProbeContext): Evidence {
  return {
    schemaVersion: 1,
    collectedAt: new Date(0).toISOString(),
    cluster: { name: 'probe', platform: 'other', role: 'workload' },
    kube: ctx.kube,
    host: ctx.host,
    probes: {},
    collectorErrors: [],
    source: 'live',
  };
}

/** The config text: from the host collector when it gathered the file, else straight from disk (live only). */
async function configOf(setup: EncryptionSetup, hostRoot: string): Promise<ParseResult | string> {
  if (setup.parsed) return setup.parsed;
  if (!setup.hostPath) return 'kube-apiserver has no --encryption-provider-config';
  try {
    return parseEncryptionConfig(await readFile(join(hostRoot, setup.hostPath), 'utf8'));
  } catch (err) {
    return `could not read ${setup.hostPath}: ${(err as Error).message.replace(join(hostRoot, setup.hostPath), setup.hostPath)}`;
  }
}

/**
 * Calls every KMS plugin the API server's encryption config names, over its unix socket, as the API server
 * would: v2 `Status`, v1 `Version`, in parallel, each with a deadline. Never throws for a plugin's sake: a
 * plugin that does not answer is a result (`error`, `errorKind`), which is what the check judges.
 */
export async function collectKms(ctx: ProbeContext): Promise<KmsProbeResult> {
  const timeoutMs = Math.max(100, Math.min(ctx.timeoutMs, MAX_CALL_MS));
  const { setups } = encryptionSetups(asEvidence(ctx));
  const setup =
    setups.find((s) => s.source.kind === 'manifest' && s.flag) ?? setups.find((s) => s.flag) ?? setups[0];
  if (!setup)
    return {
      providers: [],
      note: 'no kube-apiserver in view on this node (no static pod manifest, no kube-apiserver pod)',
      timeoutMs,
    };
  if (!setup.flag)
    return {
      providers: [],
      note: 'kube-apiserver has no --encryption-provider-config',
      kmsConfigured: false,
      timeoutMs,
    };
  const parsed = await configOf(setup, ctx.hostRoot);
  const result: KmsProbeResult = { providers: [], timeoutMs };
  if (setup.hostPath) result.configPath = setup.hostPath;
  if (typeof parsed === 'string') return { ...result, note: parsed };
  if (!parsed.ok) return { ...result, note: `the encryption config is invalid: ${parsed.errors[0] ?? ''}` };
  const kms = kmsProviders(parsed.config);
  if (!kms.length)
    return { ...result, note: 'the encryption config names no kms provider', kmsConfigured: false };
  result.kmsConfigured = true;
  result.providers = await Promise.all(
    kms.map(async ({ provider, resources }): Promise<KmsProviderStatus> => {
      const inContainer = provider.endpoint.replace(/^unix:\/\//, '');
      const socket = join(ctx.hostRoot, hostPathFor(setup.source, inContainer));
      const out: KmsProviderStatus = {
        name: provider.name,
        apiVersion: provider.apiVersion,
        endpoint: provider.endpoint,
        socket,
        resources,
      };
      const started = performance.now();
      try {
        if (provider.apiVersion === 'v2') Object.assign(out, await kmsV2Status(socket, timeoutMs));
        else Object.assign(out, await kmsV1Version(socket, timeoutMs));
      } catch (err) {
        out.error = err instanceof Error ? err.message : String(err);
        out.errorKind = err instanceof KmsCallError ? err.kind : 'protocol';
      }
      out.latencyMs = Math.round(performance.now() - started);
      return out;
    }),
  );
  return result;
}

/** The `kms` live probe. */
export const kmsProbe: Probe<'kms'> = { name: 'kms', collect: collectKms };
