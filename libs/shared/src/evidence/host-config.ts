import { posix } from 'node:path';
import type { Evidence, HostFile } from './evidence.js';
import { yaml } from './yaml-module.js';

/**
 * Configuration files the certificate checks read, recognised by their content (kind: Config,
 * KubeletConfiguration, a static Pod) rather than by path: where they live is the collectors' layout data.
 */

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function parseYaml(file: HostFile): unknown {
  if (file.content === undefined) return undefined;
  try {
    return yaml().parse(file.content) as unknown;
  } catch {
    return undefined;
  }
}

const cache = new WeakMap<Evidence, HostConfig>();

/** One user of a kubeconfig and where its client certificate and key are. */
export interface KubeconfigUser {
  name: string;
  certData?: string;
  certPath?: string;
  keyData?: string;
  keyPath?: string;
}

/** One cluster entry of a kubeconfig. */
export interface KubeconfigCluster {
  name: string;
  server?: string;
  caData?: string;
  caPath?: string;
}

/** A kubeconfig (`kind: Config`) found among the host files. */
export interface Kubeconfig {
  path: string;
  file: HostFile;
  users: KubeconfigUser[];
  clusters: KubeconfigCluster[];
}

/** The fields of a KubeletConfiguration these checks read, plus flag overrides from the kubelet's env files. */
export interface KubeletSettings {
  path: string;
  rotateCertificates?: boolean;
  serverTLSBootstrap?: boolean;
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  clientCAFile?: string;
  /** Flags that override the file (`--rotate-certificates=false` in kubeadm-flags.env), with where they came from. */
  flagOverrides: { flag: string; value: string; path: string }[];
}

/** A static pod manifest's container command line, as `--flag` -> value. */
export interface StaticPod {
  path: string;
  component: string;
  flags: Record<string, string>;
}

/** Everything config-like on the host that the certificate checks use. */
export interface HostConfig {
  kubeconfigs: Kubeconfig[];
  kubelet: KubeletSettings[];
  staticPods: StaticPod[];
}

/** Resolves a path named in a config file: relative paths are relative to that file's directory. */
export function resolveFrom(configPath: string, p: string): string {
  return posix.isAbsolute(p) ? posix.normalize(p) : posix.join(posix.dirname(configPath), p);
}

function kubeconfigFrom(path: string, file: HostFile, doc: Record<string, unknown>): Kubeconfig {
  const users: KubeconfigUser[] = [];
  for (const u of Array.isArray(doc['users']) ? (doc['users'] as unknown[]) : []) {
    if (!isRecord(u) || !isRecord(u['user'])) continue;
    const user = u['user'];
    const entry: KubeconfigUser = { name: str(u['name']) ?? '(unnamed)' };
    const certData = str(user['client-certificate-data']);
    const certPath = str(user['client-certificate']);
    const keyData = str(user['client-key-data']);
    const keyPath = str(user['client-key']);
    if (certData) entry.certData = certData;
    if (certPath) entry.certPath = resolveFrom(path, certPath);
    if (keyData) entry.keyData = keyData;
    if (keyPath) entry.keyPath = resolveFrom(path, keyPath);
    users.push(entry);
  }
  const clusters: KubeconfigCluster[] = [];
  for (const c of Array.isArray(doc['clusters']) ? (doc['clusters'] as unknown[]) : []) {
    if (!isRecord(c) || !isRecord(c['cluster'])) continue;
    const cluster = c['cluster'];
    const entry: KubeconfigCluster = { name: str(c['name']) ?? '(unnamed)' };
    const server = str(cluster['server']);
    const caData = str(cluster['certificate-authority-data']);
    const caPath = str(cluster['certificate-authority']);
    if (server) entry.server = server;
    if (caData) entry.caData = caData;
    if (caPath) entry.caPath = resolveFrom(path, caPath);
    clusters.push(entry);
  }
  return { path, file, users, clusters };
}

function boolFlag(v: string): boolean | undefined {
  if (v === 'true' || v === '') return true;
  if (v === 'false') return false;
  return undefined;
}

/** `--a=b --c d` tokens -> map; bare `--flag` is "true". */
export function parseFlagTokens(tokens: readonly string[]): Record<string, string> {
  const flags: Record<string, string> = {};
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] ?? '';
    if (!t.startsWith('--')) continue;
    const eq = t.indexOf('=');
    if (eq > 0) flags[t.slice(2, eq)] = t.slice(eq + 1);
    else {
      const next = tokens[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        flags[t.slice(2)] = next;
        i++;
      } else flags[t.slice(2)] = 'true';
    }
  }
  return flags;
}

function staticPodFrom(path: string, doc: Record<string, unknown>): StaticPod[] {
  const spec = isRecord(doc['spec']) ? doc['spec'] : {};
  const out: StaticPod[] = [];
  for (const c of Array.isArray(spec['containers']) ? (spec['containers'] as unknown[]) : []) {
    if (!isRecord(c)) continue;
    const command = (Array.isArray(c['command']) ? (c['command'] as unknown[]) : []).map(String);
    const args = (Array.isArray(c['args']) ? (c['args'] as unknown[]) : []).map(String);
    const component = posix.basename(command[0] ?? str(c['name']) ?? '');
    // The flag may sit in command or args: read both (DESIGN.md section 10).
    out.push({ path, component, flags: parseFlagTokens([...command, ...args]) });
  }
  return out;
}

/** Kubelet flags in env files (`KUBELET_KUBEADM_ARGS="..."`, `KUBELET_EXTRA_ARGS=...`) that override its config file. */
function kubeletFlagsFrom(file: HostFile): { flag: string; value: string }[] {
  const out: { flag: string; value: string }[] = [];
  for (const line of (file.content ?? '').split('\n')) {
    const m = /^\s*(KUBELET_[A-Z_]*ARGS)\s*=\s*"?([^"]*)"?\s*$/.exec(line);
    if (!m) continue;
    const flags = parseFlagTokens((m[2] ?? '').split(/\s+/).filter(Boolean));
    for (const [flag, value] of Object.entries(flags)) out.push({ flag, value });
  }
  return out;
}

/** Finds kubeconfigs, kubelet configs and static pods among the host files (memoised per Evidence). */
export function hostConfig(evidence: Evidence): HostConfig {
  const hit = cache.get(evidence);
  if (hit) return hit;
  const result: HostConfig = { kubeconfigs: [], kubelet: [], staticPods: [] };
  const flagOverrides: KubeletSettings['flagOverrides'] = [];
  for (const [path, file] of Object.entries(evidence.host).sort(([a], [b]) => a.localeCompare(b))) {
    const content = file.content;
    if (content === undefined) continue;
    if (/KUBELET_[A-Z_]*ARGS\s*=/.test(content)) {
      for (const f of kubeletFlagsFrom(file)) flagOverrides.push({ ...f, path });
      continue;
    }
    if (!/kind["']?\s*:\s*["']?(Config|KubeletConfiguration|Pod)\b/.test(content)) continue;
    const doc = parseYaml(file);
    if (!isRecord(doc)) continue;
    if (doc['kind'] === 'Config') result.kubeconfigs.push(kubeconfigFrom(path, file, doc));
    else if (doc['kind'] === 'KubeletConfiguration') {
      const k: KubeletSettings = { path, flagOverrides: [] };
      if (typeof doc['rotateCertificates'] === 'boolean') k.rotateCertificates = doc['rotateCertificates'];
      if (typeof doc['serverTLSBootstrap'] === 'boolean') k.serverTLSBootstrap = doc['serverTLSBootstrap'];
      const tlsCert = str(doc['tlsCertFile']);
      const tlsKey = str(doc['tlsPrivateKeyFile']);
      if (tlsCert) k.tlsCertFile = resolveFrom(path, tlsCert);
      if (tlsKey) k.tlsPrivateKeyFile = resolveFrom(path, tlsKey);
      const authn = isRecord(doc['authentication']) ? doc['authentication'] : {};
      const x509 = isRecord(authn['x509']) ? authn['x509'] : {};
      const ca = str(x509['clientCAFile']);
      if (ca) k.clientCAFile = resolveFrom(path, ca);
      result.kubelet.push(k);
    } else if (doc['kind'] === 'Pod') result.staticPods.push(...staticPodFrom(path, doc));
  }
  // Command-line flags win over the config file (kubelet semantics).
  for (const k of result.kubelet) {
    for (const o of flagOverrides) {
      k.flagOverrides.push(o);
      const b = boolFlag(o.value);
      if (o.flag === 'rotate-certificates' && b !== undefined) k.rotateCertificates = b;
      if (o.flag === 'tls-cert-file') k.tlsCertFile = o.value;
      if (o.flag === 'tls-private-key-file') k.tlsPrivateKeyFile = o.value;
      if (o.flag === 'client-ca-file') k.clientCAFile = o.value;
    }
  }
  cache.set(evidence, result);
  return result;
}

/** The kubelet's `--cert-dir` default: where it keeps kubelet.crt and the rotated `*-current.pem` files. */
export const KUBELET_DEFAULT_CERT_DIR = '/var/lib/kubelet/pki';

/** The static pod running `component` (kube-apiserver, etcd, kube-controller-manager), if its manifest was collected. */
export function staticPod(evidence: Evidence, component: string): StaticPod | undefined {
  return hostConfig(evidence).staticPods.find((p) => p.component === component);
}
