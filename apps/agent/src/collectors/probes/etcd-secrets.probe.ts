import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import {
  type ApiServerSource,
  classifyPrefix,
  type EtcdSecretsProbeResult,
  type EtcdStorageGroup,
  type Evidence,
  findApiServers,
  hostPathFor,
  kmsV2KeyId,
} from '@watchpost/shared';
import type { Probe, ProbeContext } from './probe.js';

/** Options of the etcd sample (defaults suit clusters from a handful to tens of thousands of secrets). */
export interface EtcdSampleOptions {
  /** Values read at most (evenly spread over all secret keys). */
  sampleLimit: number;
  /** Keys listed at most to choose the sample from. */
  maxKeys: number;
  /** Keys per keys-only page. */
  pageSize: number;
  /** Example secret names kept per storage group. */
  examplesPerGroup: number;
}

export const DEFAULT_ETCD_SAMPLE: EtcdSampleOptions = {
  sampleLimit: 500,
  maxKeys: 200_000,
  pageSize: 5000,
  examplesPerGroup: 3,
};

/** Where to reach etcd and with which client pair: the API server's own flags, mapped to host paths. */
export interface EtcdClientConfig {
  endpoints: string[];
  caFile: string;
  certFile: string;
  keyFile: string;
  /** `--etcd-prefix` (default `/registry`). */
  prefix: string;
}

/** Reads the etcd client settings from the kube-apiserver flags, or says what is missing. */
export function etcdClientConfig(source: ApiServerSource): EtcdClientConfig | string {
  const f = (name: string) => source.flags.get(name);
  const servers = f('--etcd-servers');
  const missing = ['--etcd-servers', '--etcd-cafile', '--etcd-certfile', '--etcd-keyfile'].filter(
    (n) => !f(n),
  );
  if (missing.length || !servers)
    return `${source.label} lacks ${missing.join(', ')}: cannot tell how the API server reaches etcd`;
  return {
    endpoints: servers
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    caFile: hostPathFor(source, f('--etcd-cafile')!),
    certFile: hostPathFor(source, f('--etcd-certfile')!),
    keyFile: hostPathFor(source, f('--etcd-keyfile')!),
    prefix: (f('--etcd-prefix') ?? '/registry').replace(/\/+$/, ''),
  };
}

function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  end[end.length - 1] = (end[end.length - 1] ?? 0) + 1;
  return end;
}

/** Evenly spread indices of `n` items out of `total`. */
function spread(total: number, n: number): number[] {
  if (total <= n) return [...Array(total).keys()];
  return [...Array(n).keys()].map((i) => Math.floor((i * total) / n));
}

/**
 * Samples stored secrets and classifies each value by its storage prefix. Only the prefix (and, for KMS v2,
 * the key id inside the EncryptedObject) is read; the value buffer is dropped at once and never leaves here.
 */
export async function sampleSecrets(
  client: Etcd3,
  keyPrefix: string,
  opts: EtcdSampleOptions,
  deadline: number,
): Promise<Pick<EtcdSecretsProbeResult, 'total' | 'sampled' | 'groups'>> {
  const call = () => ({ deadline });
  const total = await client.getAll().prefix(keyPrefix).options(call()).count();
  const groups = new Map<string, EtcdStorageGroup>();
  const add = (key: Buffer, value: Buffer) => {
    const c = classifyPrefix(value);
    const keyId = c.storage === 'kms-v2' ? kmsV2KeyId(value.subarray(c.rest)) : undefined;
    const id = `${c.storage}|${c.name ?? ''}|${keyId ?? ''}`;
    let g = groups.get(id);
    if (!g) {
      g = { storage: c.storage, count: 0, examples: [] };
      if (c.name !== undefined) g.name = c.name;
      if (keyId !== undefined) g.keyId = keyId;
      groups.set(id, g);
    }
    g.count++;
    if (g.examples.length < opts.examplesPerGroup)
      g.examples.push(key.toString('utf8').slice(keyPrefix.length));
  };

  let sampled = 0;
  if (total <= opts.sampleLimit) {
    const res = await client.getAll().prefix(keyPrefix).limit(opts.sampleLimit).options(call()).exec();
    for (const kv of res.kvs) {
      add(kv.key, kv.value);
      sampled++;
    }
  } else {
    // Keys only, page by page, then an even spread of values: a sample biased towards the namespaces that
    // sort first would miss the old secrets in the rest.
    const keys: Buffer[] = [];
    const prefixBuf = Buffer.from(keyPrefix);
    const end = prefixEnd(prefixBuf);
    let start = prefixBuf;
    while (keys.length < opts.maxKeys) {
      const page = await client
        .getAll()
        .inRange({ start, end })
        .limit(opts.pageSize)
        .options(call())
        .keyBuffers();
      keys.push(...page);
      if (page.length < opts.pageSize) break;
      start = Buffer.concat([page[page.length - 1], Buffer.from([0])]);
    }
    const chosen = spread(keys.length, opts.sampleLimit).map((i) => keys[i]);
    for (let i = 0; i < chosen.length; i += 32) {
      const batch = chosen.slice(i, i + 32);
      const values = await Promise.all(batch.map((k) => client.get(k).options(call()).buffer()));
      values.forEach((v, j) => {
        if (v) {
          add(batch[j], v);
          sampled++;
        }
      });
    }
  }
  return { total, sampled, groups: [...groups.values()].sort((a, b) => b.count - a.count) };
}

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

/**
 * The `etcd-secrets` probe: reaches etcd as the API server does (its `--etcd-*` flags from this node's
 * static pod manifest, client key read from disk right now: the host collector never keeps keys), over
 * mTLS, and samples `/registry/secrets/`. Failures come back as `{ endpoints, error }` for the check to report.
 */
export async function collectEtcdSecrets(
  ctx: ProbeContext,
  opts: EtcdSampleOptions = DEFAULT_ETCD_SAMPLE,
): Promise<EtcdSecretsProbeResult | { endpoints: string[]; error: string }> {
  const { manifests, problems } = findApiServers(asEvidence(ctx));
  const source = manifests[0];
  if (!source) {
    return {
      endpoints: [],
      error: `no kube-apiserver static pod manifest on this node${problems.length ? ` (${problems.join('; ')})` : ''}: etcd is sampled from control-plane nodes only`,
    };
  }
  const cfg = etcdClientConfig(source);
  if (typeof cfg === 'string') return { endpoints: [], error: cfg };
  let credentials;
  try {
    const [rootCertificate, certChain, privateKey] = await Promise.all(
      [cfg.caFile, cfg.certFile, cfg.keyFile].map((p) => readFile(join(ctx.hostRoot, p))),
    );
    credentials = { rootCertificate: rootCertificate, certChain: certChain, privateKey: privateKey };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return {
      endpoints: cfg.endpoints,
      error: `could not read the etcd client certificate files (${cfg.certFile}, ${cfg.keyFile}, ${cfg.caFile}): ${e.code ?? e.message}`,
    };
  }
  const deadline = Date.now() + ctx.timeoutMs;
  const client = new Etcd3({ hosts: cfg.endpoints, credentials, dialTimeout: ctx.timeoutMs });
  const keyPrefix = `${cfg.prefix}/secrets/`;
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer from etcd within ${ctx.timeoutMs} ms`)),
        ctx.timeoutMs,
      );
    });
    const sample = await Promise.race([sampleSecrets(client, keyPrefix, opts, deadline), timeout]);
    return { endpoints: cfg.endpoints, prefix: keyPrefix, sampleLimit: opts.sampleLimit, ...sample };
  } catch (err) {
    return {
      endpoints: cfg.endpoints,
      error: `could not read ${keyPrefix} from etcd: ${(err as Error).message}`,
    };
  } finally {
    clearTimeout(timer);
    client.close();
  }
}

/** The `etcd-secrets` live probe. */
export const etcdSecretsProbe: Probe<'etcd-secrets'> = {
  name: 'etcd-secrets',
  collect: (ctx) => collectEtcdSecrets(ctx),
};
