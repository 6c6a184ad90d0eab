import { posix } from 'node:path';
import { yaml } from './yaml-module.js';
import type { ResourceRef } from '../report/report.js';
import type { Evidence, HostFile, KubeObject } from './evidence.js';
import { parseEncryptionConfig, type ParseResult } from './encryption-config.js';

/**
 * Finding the kube-apiserver and the encryption config it names, from whatever the evidence holds: static pod
 * manifests among the host files (kubeadm and AKS hybrid both keep them under a manifests folder; the
 * candidate paths live in the collectors' layouts, so nothing here names a path) or the live
 * `kube-system` pods with `component=kube-apiserver`. Shared by the checks and the live probes.
 */

/** Current flag and the pre-1.13 one. */
export const ENCRYPTION_FLAGS = [
  '--encryption-provider-config',
  '--experimental-encryption-provider-config',
] as const;
const RELOAD_FLAG = '--encryption-provider-config-automatic-reload';

interface Container {
  name?: string;
  command?: unknown;
  args?: unknown;
  volumeMounts?: { name?: string; mountPath?: string; subPath?: string }[];
}
interface PodLike {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: { containers?: Container[]; volumes?: { name?: string; hostPath?: { path?: string } }[] };
}

/** One place a kube-apiserver definition was found. */
export interface ApiServerSource {
  /** `manifest` = a static pod file on this host; `pod` = the live mirror pod from the API. */
  kind: 'manifest' | 'pod';
  /** Human label: `/etc/kubernetes/manifests/kube-apiserver.yaml` or `pod kube-system/kube-apiserver-cp1`. */
  label: string;
  ref: ResourceRef;
  /** Flags from `command` and `args` together (a scanner that reads only `command` misses half of them). */
  flags: Map<string, string>;
  pod: PodLike;
}

/** Tokens of `command` + `args`; a `sh -c "kube-apiserver --a=b ..."` wrapper is split on whitespace. */
function tokens(c: Container): string[] {
  const out: string[] = [];
  for (const list of [c.command, c.args]) {
    if (!Array.isArray(list)) continue;
    for (const t of list) {
      if (typeof t !== 'string') continue;
      if (/\s--[a-z]/.test(t)) out.push(...t.trim().split(/\s+/));
      else out.push(t);
    }
  }
  return out;
}

/** `--flag=value` and `--flag value`; a repeated flag keeps its last value, as pflag does. */
export function parseFlags(args: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const t = args[i];
    if (!t.startsWith('--')) continue;
    const eq = t.indexOf('=');
    if (eq > 0) flags.set(t.slice(0, eq), t.slice(eq + 1));
    else {
      const next = args[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        flags.set(t, next);
        i++;
      } else flags.set(t, 'true');
    }
  }
  return flags;
}

function apiServerContainer(pod: PodLike): Container | undefined {
  const containers = pod.spec?.containers ?? [];
  return (
    containers.find((c) => c.name === 'kube-apiserver') ??
    containers.find((c) => tokens(c).some((t) => /(^|\/)kube-apiserver$/.test(t)))
  );
}

function isApiServerPod(pod: PodLike): boolean {
  return pod.metadata?.labels?.['component'] === 'kube-apiserver' || apiServerContainer(pod) !== undefined;
}

/**
 * Every kube-apiserver definition in the evidence, plus manifests that exist but could not be read or parsed
 * (so the check can say so instead of concluding "no flag").
 */
export function findApiServers(evidence: Evidence): {
  manifests: ApiServerSource[];
  pods: ApiServerSource[];
  problems: string[];
} {
  const manifests: ApiServerSource[] = [];
  const problems: string[] = [];
  for (const file of Object.values(evidence.host).sort((a, b) => a.path.localeCompare(b.path))) {
    if (!/\.(ya?ml|json)$/.test(file.path) || !/\/manifests\//.test(file.path)) continue;
    if (file.error) {
      if (file.path.includes('kube-apiserver')) problems.push(`could not read ${file.path}: ${file.error}`);
      continue;
    }
    if (!file.content?.includes('kube-apiserver')) continue;
    const docs = yaml().parseAllDocuments(file.content);
    const doc = Array.isArray(docs) ? docs[0] : undefined;
    if (!doc || doc.errors.length) {
      if (file.path.includes('kube-apiserver'))
        problems.push(`${file.path} is not valid YAML: ${doc?.errors[0]?.message.split('\n')[0] ?? 'empty'}`);
      continue;
    }
    const pod = doc.toJS() as PodLike | null;
    if (!pod || typeof pod !== 'object' || !isApiServerPod(pod)) continue;
    const c = apiServerContainer(pod);
    manifests.push({
      kind: 'manifest',
      label: file.path,
      ref: {
        kind: 'Pod',
        namespace: pod.metadata?.namespace ?? 'kube-system',
        name: pod.metadata?.name ?? 'kube-apiserver',
        path: file.path,
      },
      flags: parseFlags(c ? tokens(c) : []),
      pod,
    });
  }
  const pods: ApiServerSource[] = [];
  const live = evidence.kube['pods'];
  if (live?.status === 'ok') {
    for (const item of live.items as (KubeObject & PodLike)[]) {
      if (item.metadata.namespace !== 'kube-system' || !isApiServerPod(item)) continue;
      const c = apiServerContainer(item);
      pods.push({
        kind: 'pod',
        label: `pod kube-system/${item.metadata.name}`,
        ref: { kind: 'Pod', namespace: 'kube-system', name: item.metadata.name },
        flags: parseFlags(c ? tokens(c) : []),
        pod: item,
      });
    }
  }
  return { manifests, pods, problems };
}

/**
 * The host path behind a path seen inside the API server container: through the container's volume mounts
 * and the pod's hostPath volumes (kubeadm mounts host folders at the same path, others may not).
 */
export function hostPathFor(source: ApiServerSource, containerPath: string): string {
  const c = apiServerContainer(source.pod);
  const volumes = source.pod.spec?.volumes ?? [];
  let best: { mountPath: string; hostPath: string } | undefined;
  for (const m of c?.volumeMounts ?? []) {
    if (!m.mountPath || !m.name || m.subPath) continue;
    const mount = m.mountPath.replace(/\/+$/, '') || '/';
    const inside = containerPath === mount || containerPath.startsWith(mount === '/' ? '/' : `${mount}/`);
    if (!inside) continue;
    const hostPath = volumes.find((v) => v.name === m.name)?.hostPath?.path;
    if (hostPath && (!best || mount.length > best.mountPath.length)) best = { mountPath: mount, hostPath };
  }
  if (!best) return containerPath;
  return posix.join(best.hostPath, posix.relative(best.mountPath, containerPath));
}

/** What one API server says about encryption at rest. */
export interface EncryptionSetup {
  source: ApiServerSource;
  /** The flag found (or undefined: no encryption configured). */
  flag?: { name: string; value: string; legacy: boolean };
  automaticReload: boolean;
  /** Host path of the config (after volume mapping). */
  hostPath?: string;
  file?: HostFile;
  /** Why the config could not be read from the evidence. */
  unreadable?: string;
  parsed?: ParseResult;
}

/** Resolves the encryption config of one API server definition against the host files. */
export function encryptionSetup(evidence: Evidence, source: ApiServerSource): EncryptionSetup {
  const automaticReload = source.flags.get(RELOAD_FLAG) === 'true';
  const name = ENCRYPTION_FLAGS.find((f) => source.flags.has(f));
  if (!name) return { source, automaticReload };
  const value = source.flags.get(name)!;
  const flag = { name, value, legacy: name !== ENCRYPTION_FLAGS[0] };
  const hostPath = hostPathFor(source, value);
  const file = evidence.host[hostPath];
  const setup: EncryptionSetup = { source, flag, automaticReload, hostPath };
  if (!file) {
    setup.unreadable = `${hostPath} (named by ${name} in ${source.label}) is not in the evidence: the agent must run on a control-plane node with ${posix.dirname(hostPath)} mounted, or the bundle must hold host${hostPath}`;
    return setup;
  }
  setup.file = file;
  if (file.error) setup.unreadable = `could not read ${hostPath}: ${file.error}`;
  else if (file.content === undefined) setup.unreadable = `${hostPath} holds no readable text`;
  else setup.parsed = parseEncryptionConfig(file.content);
  return setup;
}

/**
 * The encryption setups to judge: this host's static pod manifests when there are any (they are the truth
 * for this control-plane node), otherwise the live API server pods, one per distinct flag value.
 */
export function encryptionSetups(evidence: Evidence): {
  setups: EncryptionSetup[];
  problems: string[];
  sawApiServer: boolean;
} {
  const { manifests, pods, problems } = findApiServers(evidence);
  let sources = manifests;
  if (!sources.length) {
    const byValue = new Map<string, ApiServerSource>();
    for (const p of pods) {
      const key = ENCRYPTION_FLAGS.map((f) => p.flags.get(f) ?? '').join('|');
      if (!byValue.has(key)) byValue.set(key, p);
    }
    sources = [...byValue.values()];
  }
  return {
    setups: sources.map((s) => encryptionSetup(evidence, s)),
    problems,
    sawApiServer: manifests.length + pods.length > 0,
  };
}

/** The first valid config among the setups (what the probes and the ciphertext check compare against). */
export function firstValidConfig(evidence: Evidence): EncryptionSetup | undefined {
  return encryptionSetups(evidence).setups.find((s) => s.parsed?.ok);
}
