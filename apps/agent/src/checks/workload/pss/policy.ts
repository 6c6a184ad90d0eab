import type { ContainerSpec, PodSpec } from '../../lib/pod-specs.js';

/**
 * The Pod Security Standards as `k8s.io/pod-security-admission` (policy package, Kubernetes v1.35) decides
 * them: a registry of controls, each with a level and one implementation per policy version, evaluated the
 * way the admission plugin does. Restricted is every Baseline control, minus the ones a Restricted control
 * overrides at that version, plus the Restricted controls. `latest` resolves to the newest version any
 * control registers (v1.35 here), and pinned versions above it are clamped down to it.
 *
 * Ported from the upstream rules (check ids, versions and the wording of reasons are upstream's); the
 * cases of the upstream test data live in `policy.spec.ts`. Pure: no I/O.
 */

/** A Pod Security Standards level. */
export type PssLevel = 'privileged' | 'baseline' | 'restricted';
/** Levels in order, least to most restrictive. */
export const PSS_LEVELS: readonly PssLevel[] = ['privileged', 'baseline', 'restricted'];

/** The newest policy version any control registers: what `latest` means. */
export const LATEST_POLICY_MINOR = 35;

/** One control a pod spec fails, as upstream reports it. */
export interface ControlViolation {
  /** Upstream check id (`hostNamespaces`, `runAsNonRoot`, ...). */
  id: string;
  /** The level whose control it is. */
  level: 'baseline' | 'restricted';
  /** Upstream's forbidden reason (`host namespaces`, `runAsNonRoot != true`). */
  reason: string;
  /** Upstream's forbidden detail (which containers and values). */
  detail: string;
}

/** What a control implementation sees: the pod's (or template's) annotations and spec. */
interface PodInput {
  annotations: Record<string, string>;
  spec: PodSpec;
}

type Result = { reason: string; detail: string } | undefined;
type Impl = (pod: PodInput) => Result;

interface Control {
  id: string;
  level: 'baseline' | 'restricted';
  /** Baseline controls this one replaces when Restricted is evaluated. */
  overrides?: string[];
  /** Implementations by the minor version from which they apply. */
  versions: { minor: number; run: Impl }[];
}

type Obj = Record<string, unknown>;
function obj(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** Init, regular, then ephemeral containers: upstream's visitContainers order. */
function visit(spec: PodSpec): ContainerSpec[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
}
function csc(c: ContainerSpec): Obj | undefined {
  return obj(c.securityContext);
}
function psc(spec: PodSpec): Obj | undefined {
  return obj(spec.securityContext);
}

function pluralize(singular: string, plural: string, n: number): string {
  return n === 1 ? singular : plural;
}
function joinQuote(items: readonly string[]): string {
  return items.length ? `"${items.join('", "')}"` : '';
}
function containersPhrase(names: readonly string[]): string {
  return `${pluralize('container', 'containers', names.length)} ${joinQuote(names)}`;
}
function uniqSorted(items: Iterable<string>): string[] {
  return [...new Set(items)].sort();
}
/** `spec.os.name == windows`: the only signal upstream uses for its Windows exemptions. */
function isWindowsPod(spec: PodSpec): boolean {
  return str(obj(spec['os'])?.['name']) === 'windows';
}
/** `spec.hostUsers: false`: a user-namespaced pod, which some v1.35 controls relax for. */
function userNamespaced(spec: PodSpec): boolean {
  return spec['hostUsers'] === false;
}

// ---- Baseline ------------------------------------------------------------------------------------------

const hostNamespaces: Impl = ({ spec }) => {
  const on = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((k) => spec[k] === true);
  return on.length ? { reason: 'host namespaces', detail: on.map((k) => `${k}=true`).join(', ') } : undefined;
};

const privileged: Impl = ({ spec }) => {
  const bad = visit(spec)
    .filter((c) => csc(c)?.['privileged'] === true)
    .map((c) => c.name);
  return bad.length
    ? {
        reason: 'privileged',
        detail: `${containersPhrase(bad)} must not set securityContext.privileged=true`,
      }
    : undefined;
};

/** Capabilities Baseline allows a container to add (policy v1.0 on): the container runtime's default set. */
export const CAPABILITIES_ALLOWED_1_0: ReadonlySet<string> = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

const capabilitiesBaseline: Impl = ({ spec }) => {
  const bad: string[] = [];
  const caps = new Set<string>();
  for (const c of visit(spec)) {
    const add = strings(obj(csc(c)?.['capabilities'])?.['add']).filter(
      (a) => !CAPABILITIES_ALLOWED_1_0.has(a),
    );
    if (add.length) {
      bad.push(c.name);
      add.forEach((a) => caps.add(a));
    }
  }
  return bad.length
    ? {
        reason: 'non-default capabilities',
        detail: `${containersPhrase(bad)} must not include ${joinQuote(uniqSorted(caps))} in securityContext.capabilities.add`,
      }
    : undefined;
};

function volumes(spec: PodSpec): Obj[] {
  return (spec.volumes ?? []).filter((v): v is Obj => obj(v) !== undefined);
}

const hostPathVolumes: Impl = ({ spec }) => {
  const bad = volumes(spec)
    .filter((v) => obj(v['hostPath']) !== undefined)
    .map((v) => str(v['name']) ?? '');
  return bad.length
    ? {
        reason: 'hostPath volumes',
        detail: `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)}`,
      }
    : undefined;
};

const hostPorts: Impl = ({ spec }) => {
  const bad: string[] = [];
  const ports = new Set<string>();
  for (const c of visit(spec)) {
    const used = (Array.isArray(c['ports']) ? (c['ports'] as unknown[]) : [])
      .map((p) => obj(p)?.['hostPort'])
      .filter((p): p is number => typeof p === 'number' && p !== 0);
    if (used.length) {
      bad.push(c.name);
      used.forEach((p) => ports.add(String(p)));
    }
  }
  return bad.length
    ? {
        reason: 'hostPort',
        detail: `${containersPhrase(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('hostPort', 'hostPorts', ports.size)} ${[...ports].join(', ')}`,
      }
    : undefined;
};

const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';
const appArmorProfile: Impl = ({ spec, annotations }) => {
  const forbidden: string[] = [];
  const fieldOk = (t: string | undefined): boolean =>
    t === undefined || t === 'RuntimeDefault' || t === 'Localhost';
  const podType = str(obj(psc(spec)?.['appArmorProfile'])?.['type']);
  if (!fieldOk(podType)) forbidden.push(`pod=${JSON.stringify(podType)}`);
  for (const c of visit(spec)) {
    const t = str(obj(csc(c)?.['appArmorProfile'])?.['type']);
    if (!fieldOk(t)) forbidden.push(`container "${c.name}"=${JSON.stringify(t)}`);
  }
  for (const [k, v] of Object.entries(annotations)) {
    if (!k.startsWith(APPARMOR_ANNOTATION_PREFIX)) continue;
    if (v === '' || v === 'runtime/default' || v.startsWith('localhost/')) continue;
    forbidden.push(`${k}=${JSON.stringify(v)}`);
  }
  forbidden.sort();
  return forbidden.length
    ? {
        reason: pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', forbidden.length),
        detail: forbidden.join(', '),
      }
    : undefined;
};

const SELINUX_TYPES_1_0 = ['', 'container_t', 'container_init_t', 'container_kvm_t'];
const SELINUX_TYPES_1_31 = [...SELINUX_TYPES_1_0, 'container_engine_t'];

function seLinuxOptions(allowedTypes: readonly string[]): Impl {
  return ({ spec }) => {
    const setters: string[] = [];
    const types = new Set<string>();
    let user = false;
    let role = false;
    const judge = (opts: Obj | undefined): boolean => {
      if (!opts) return false;
      let bad = false;
      const t = str(opts['type']) ?? '';
      if (!allowedTypes.includes(t)) {
        types.add(t);
        bad = true;
      }
      if ((str(opts['user']) ?? '') !== '') {
        user = true;
        bad = true;
      }
      if ((str(opts['role']) ?? '') !== '') {
        role = true;
        bad = true;
      }
      return bad;
    };
    if (judge(obj(psc(spec)?.['seLinuxOptions']))) setters.push('pod');
    const bad = visit(spec)
      .filter((c) => judge(obj(csc(c)?.['seLinuxOptions'])))
      .map((c) => c.name);
    if (bad.length) setters.push(containersPhrase(bad));
    if (!setters.length) return undefined;
    const what: string[] = [];
    if (types.size) what.push(`${pluralize('type', 'types', types.size)} ${joinQuote(uniqSorted(types))}`);
    if (user) what.push('user may not be set');
    if (role) what.push('role may not be set');
    return {
      reason: 'seLinuxOptions',
      detail: `${setters.join(' and ')} set forbidden securityContext.seLinuxOptions: ${what.join('; ')}`,
    };
  };
}

const procMount1_0: Impl = ({ spec }) => {
  const bad: string[] = [];
  const types = new Set<string>();
  for (const c of visit(spec)) {
    const pm = str(csc(c)?.['procMount']);
    if (pm !== undefined && pm !== 'Default') {
      bad.push(c.name);
      types.add(pm);
    }
  }
  return bad.length
    ? {
        reason: 'procMount',
        detail: `${containersPhrase(bad)} must not set securityContext.procMount to ${joinQuote(uniqSorted(types))}`,
      }
    : undefined;
};
// v1.35: a user-namespaced pod's /proc is its own, so Baseline allows any procMount there.
const procMount1_35: Impl = (pod) => (userNamespaced(pod.spec) ? undefined : procMount1_0(pod));

const SECCOMP_POD_ANNOTATION = 'seccomp.security.alpha.kubernetes.io/pod';
const SECCOMP_CONTAINER_ANNOTATION_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';

const seccompBaseline1_0: Impl = ({ spec, annotations }) => {
  const forbidden: string[] = [];
  if (annotations[SECCOMP_POD_ANNOTATION] === 'unconfined')
    forbidden.push(`${SECCOMP_POD_ANNOTATION}="unconfined"`);
  for (const c of visit(spec)) {
    const k = SECCOMP_CONTAINER_ANNOTATION_PREFIX + c.name;
    if (annotations[k] === 'unconfined') forbidden.push(`${k}="unconfined"`);
  }
  return forbidden.length
    ? {
        reason: pluralize('forbidden seccomp profile', 'forbidden seccomp profiles', forbidden.length),
        detail: forbidden.join(', '),
      }
    : undefined;
};

const seccompBaseline1_19: Impl = ({ spec }) => {
  const setters: string[] = [];
  if (str(obj(psc(spec)?.['seccompProfile'])?.['type']) === 'Unconfined') setters.push('pod');
  const bad = visit(spec)
    .filter((c) => str(obj(csc(c)?.['seccompProfile'])?.['type']) === 'Unconfined')
    .map((c) => c.name);
  if (bad.length) setters.push(containersPhrase(bad));
  return setters.length
    ? {
        reason: 'seccompProfile',
        detail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to "Unconfined"`,
      }
    : undefined;
};

const SYSCTLS_1_0 = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
];
const SYSCTLS_1_27 = [...SYSCTLS_1_0, 'net.ipv4.ip_local_reserved_ports'];
const SYSCTLS_1_29 = [
  ...SYSCTLS_1_27,
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
];
const SYSCTLS_1_32 = [...SYSCTLS_1_29, 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'];

function sysctls(allowed: readonly string[]): Impl {
  return ({ spec }) => {
    const list = Array.isArray(psc(spec)?.['sysctls']) ? (psc(spec)?.['sysctls'] as unknown[]) : [];
    const bad = list.map((s) => str(obj(s)?.['name']) ?? '').filter((n) => !allowed.includes(n));
    return bad.length ? { reason: 'forbidden sysctls', detail: bad.join(', ') } : undefined;
  };
}

const windowsHostProcess: Impl = ({ spec }) => {
  const hp = (sc: Obj | undefined): boolean => obj(sc?.['windowsOptions'])?.['hostProcess'] === true;
  const bad = visit(spec)
    .filter((c) => hp(csc(c)))
    .map((c) => c.name);
  const pod = hp(psc(spec));
  if (!pod && !bad.length) return undefined;
  const setters = [...(pod ? ['pod'] : []), ...(bad.length ? [containersPhrase(bad)] : [])];
  return {
    reason: 'hostProcess',
    detail: `${setters.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true`,
  };
};

const hostProbesAndHostLifecycle: Impl = ({ spec }) => {
  const bad: string[] = [];
  const hosts = new Set<string>();
  const hostsOf = (handler: unknown): string[] => {
    const h = obj(handler);
    return [str(obj(h?.['httpGet'])?.['host']), str(obj(h?.['tcpSocket'])?.['host'])].filter(
      (x): x is string => !!x,
    );
  };
  for (const c of visit(spec)) {
    const lifecycle = obj(c['lifecycle']);
    const found = [
      ...hostsOf(c['livenessProbe']),
      ...hostsOf(c['readinessProbe']),
      ...hostsOf(c['startupProbe']),
      ...hostsOf(lifecycle?.['postStart']),
      ...hostsOf(lifecycle?.['preStop']),
    ];
    if (found.length) {
      bad.push(c.name);
      found.forEach((h) => hosts.add(h));
    }
  }
  if (!bad.length) return undefined;
  const names = uniqSorted(bad);
  return {
    reason: 'probe or lifecycle host',
    detail: `${containersPhrase(names)} ${pluralize('uses', 'use', names.length)} ${pluralize('probe or lifecycle host', 'probe or lifecycle hosts', hosts.size)} ${joinQuote(uniqSorted(hosts))}`,
  };
};

// ---- Restricted ----------------------------------------------------------------------------------------

/** Volume sources Restricted allows (`image` since the fix shipped in v1.33, applied at every version). */
const RESTRICTED_VOLUME_SOURCES = [
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'image',
  'persistentVolumeClaim',
  'projected',
  'secret',
];

const restrictedVolumes: Impl = ({ spec }) => {
  const bad: string[] = [];
  const types = new Set<string>();
  for (const v of volumes(spec)) {
    const sources = Object.keys(v).filter((k) => k !== 'name' && v[k] !== null && v[k] !== undefined);
    // The API server defaults a volume without a source to emptyDir.
    if (sources.length === 0 || sources.some((s) => RESTRICTED_VOLUME_SOURCES.includes(s))) continue;
    bad.push(str(v['name']) ?? '');
    sources.forEach((s) => types.add(s));
  }
  return bad.length
    ? {
        reason: 'restricted volume types',
        detail: `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} restricted volume ${pluralize('type', 'types', types.size)} ${joinQuote(uniqSorted(types))}`,
      }
    : undefined;
};

const allowPrivilegeEscalation1_8: Impl = ({ spec }) => {
  const bad = visit(spec)
    .filter((c) => csc(c)?.['allowPrivilegeEscalation'] !== false)
    .map((c) => c.name);
  return bad.length
    ? {
        reason: 'allowPrivilegeEscalation != false',
        detail: `${containersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false`,
      }
    : undefined;
};
const windowsExempt =
  (impl: Impl): Impl =>
  (pod) =>
    isWindowsPod(pod.spec) ? undefined : impl(pod);

const runAsNonRoot1_0: Impl = ({ spec }) => {
  const setters: string[] = [];
  const podValue = psc(spec)?.['runAsNonRoot'];
  if (podValue === false) setters.push('pod');
  const podTrue = podValue === true;
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of visit(spec)) {
    const v = csc(c)?.['runAsNonRoot'];
    if (typeof v === 'boolean') {
      if (!v) explicit.push(c.name);
    } else if (!podTrue) implicit.push(c.name);
  }
  if (explicit.length) setters.push(containersPhrase(explicit));
  if (setters.length)
    return {
      reason: 'runAsNonRoot != true',
      detail: `${setters.join(' and ')} must not set securityContext.runAsNonRoot=false`,
    };
  return implicit.length
    ? {
        reason: 'runAsNonRoot != true',
        detail: `pod or ${containersPhrase(implicit)} must set securityContext.runAsNonRoot=true`,
      }
    : undefined;
};
// v1.35 (KEP-127): root inside a user namespace is not root on the node.
const relaxForUserNamespace =
  (impl: Impl): Impl =>
  (pod) =>
    userNamespaced(pod.spec) ? undefined : impl(pod);

const runAsUser1_23: Impl = ({ spec }) => {
  const setters: string[] = [];
  if (psc(spec)?.['runAsUser'] === 0) setters.push('pod');
  const bad = visit(spec)
    .filter((c) => csc(c)?.['runAsUser'] === 0)
    .map((c) => c.name);
  if (bad.length) setters.push(containersPhrase(bad));
  return setters.length
    ? { reason: 'runAsUser=0', detail: `${setters.join(' and ')} must not set runAsUser=0` }
    : undefined;
};

const seccompRestricted1_19: Impl = ({ spec }) => {
  const valid = (t: string | undefined): boolean => t === 'RuntimeDefault' || t === 'Localhost';
  const setters: string[] = [];
  const badValues = new Set<string>();
  const podType = str(obj(psc(spec)?.['seccompProfile'])?.['type']);
  const podOk = valid(podType);
  if (podType !== undefined && !podOk) {
    setters.push('pod');
    badValues.add(podType);
  }
  const explicit: string[] = [];
  const implicit: string[] = [];
  for (const c of visit(spec)) {
    const t = str(obj(csc(c)?.['seccompProfile'])?.['type']);
    if (t !== undefined) {
      if (!valid(t)) {
        explicit.push(c.name);
        badValues.add(t);
      }
    } else if (!podOk) implicit.push(c.name);
  }
  if (explicit.length) setters.push(containersPhrase(explicit));
  if (setters.length)
    return {
      reason: 'seccompProfile',
      detail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(uniqSorted(badValues))}`,
    };
  return implicit.length
    ? {
        reason: 'seccompProfile',
        detail: `pod or ${containersPhrase(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
      }
    : undefined;
};

const capabilitiesRestricted1_22: Impl = ({ spec }) => {
  const notDropping: string[] = [];
  const adding: string[] = [];
  const added = new Set<string>();
  for (const c of visit(spec)) {
    const caps = obj(csc(c)?.['capabilities']);
    if (!strings(caps?.['drop']).includes('ALL')) notDropping.push(c.name);
    const extra = strings(caps?.['add']).filter((a) => a !== 'NET_BIND_SERVICE');
    if (extra.length) {
      adding.push(c.name);
      extra.forEach((a) => added.add(a));
    }
  }
  const parts: string[] = [];
  if (notDropping.length)
    parts.push(`${containersPhrase(notDropping)} must set securityContext.capabilities.drop=["ALL"]`);
  if (adding.length)
    parts.push(
      `${containersPhrase(adding)} must not include ${joinQuote(uniqSorted(added))} in securityContext.capabilities.add`,
    );
  return parts.length ? { reason: 'unrestricted capabilities', detail: parts.join('; ') } : undefined;
};

/** The v1.35 registry: every control of both levels, with its version history. */
export const PSS_CONTROLS: readonly Control[] = [
  { id: 'hostNamespaces', level: 'baseline', versions: [{ minor: 0, run: hostNamespaces }] },
  { id: 'privileged', level: 'baseline', versions: [{ minor: 0, run: privileged }] },
  { id: 'capabilities_baseline', level: 'baseline', versions: [{ minor: 0, run: capabilitiesBaseline }] },
  { id: 'hostPathVolumes', level: 'baseline', versions: [{ minor: 0, run: hostPathVolumes }] },
  { id: 'hostPorts', level: 'baseline', versions: [{ minor: 0, run: hostPorts }] },
  { id: 'appArmorProfile', level: 'baseline', versions: [{ minor: 0, run: appArmorProfile }] },
  {
    id: 'seLinuxOptions',
    level: 'baseline',
    versions: [
      { minor: 0, run: seLinuxOptions(SELINUX_TYPES_1_0) },
      { minor: 31, run: seLinuxOptions(SELINUX_TYPES_1_31) },
    ],
  },
  {
    id: 'procMount',
    level: 'baseline',
    versions: [
      { minor: 0, run: procMount1_0 },
      { minor: 35, run: procMount1_35 },
    ],
  },
  {
    id: 'seccompProfile_baseline',
    level: 'baseline',
    versions: [
      { minor: 0, run: seccompBaseline1_0 },
      { minor: 19, run: seccompBaseline1_19 },
    ],
  },
  {
    id: 'sysctls',
    level: 'baseline',
    versions: [
      { minor: 0, run: sysctls(SYSCTLS_1_0) },
      { minor: 27, run: sysctls(SYSCTLS_1_27) },
      { minor: 29, run: sysctls(SYSCTLS_1_29) },
      { minor: 32, run: sysctls(SYSCTLS_1_32) },
    ],
  },
  { id: 'windowsHostProcess', level: 'baseline', versions: [{ minor: 0, run: windowsHostProcess }] },
  {
    id: 'hostProbesAndHostLifecycle',
    level: 'baseline',
    versions: [{ minor: 34, run: hostProbesAndHostLifecycle }],
  },
  {
    id: 'restrictedVolumes',
    level: 'restricted',
    overrides: ['hostPathVolumes'],
    versions: [{ minor: 0, run: restrictedVolumes }],
  },
  {
    id: 'allowPrivilegeEscalation',
    level: 'restricted',
    versions: [
      { minor: 8, run: allowPrivilegeEscalation1_8 },
      { minor: 25, run: windowsExempt(allowPrivilegeEscalation1_8) },
    ],
  },
  {
    id: 'runAsNonRoot',
    level: 'restricted',
    versions: [
      { minor: 0, run: runAsNonRoot1_0 },
      { minor: 35, run: relaxForUserNamespace(runAsNonRoot1_0) },
    ],
  },
  {
    id: 'runAsUser',
    level: 'restricted',
    versions: [
      { minor: 23, run: runAsUser1_23 },
      { minor: 35, run: relaxForUserNamespace(runAsUser1_23) },
    ],
  },
  {
    id: 'seccompProfile_restricted',
    level: 'restricted',
    overrides: ['seccompProfile_baseline'],
    versions: [
      { minor: 19, run: seccompRestricted1_19 },
      { minor: 25, run: windowsExempt(seccompRestricted1_19) },
    ],
  },
  {
    id: 'capabilities_restricted',
    level: 'restricted',
    overrides: ['capabilities_baseline'],
    versions: [
      { minor: 22, run: capabilitiesRestricted1_22 },
      { minor: 25, run: windowsExempt(capabilitiesRestricted1_22) },
    ],
  },
  {
    id: 'procMount_restricted',
    level: 'restricted',
    overrides: ['procMount'],
    versions: [{ minor: 35, run: procMount1_0 }],
  },
];

/** The implementation of `control` at policy minor `minor`, or undefined when it does not exist yet. */
function implAt(control: Control, minor: number): Impl | undefined {
  let found: Impl | undefined;
  for (const v of control.versions) if (v.minor <= minor) found = v.run;
  return found;
}

/** A policy version as a label gives it: `latest` or `v1.N`; anything else is undefined (invalid). */
export function parsePolicyVersion(raw: string | undefined): number | 'latest' | undefined {
  if (raw === undefined || raw === 'latest') return 'latest';
  const m = /^v1\.(0|[1-9]\d*)$/.exec(raw);
  return m ? Number(m[1]) : undefined;
}

/** Clamps a version to the registry: `latest` and future versions become the newest one registered. */
export function resolveMinor(version: number | 'latest'): number {
  return version === 'latest' || version > LATEST_POLICY_MINOR ? LATEST_POLICY_MINOR : version;
}

/** Controls evaluated at a level and minor version, overridden ones left out (computed once per pair). */
const activeControls = new Map<string, { control: Control; run: Impl }[]>();

function controlsAt(level: 'baseline' | 'restricted', minor: number): { control: Control; run: Impl }[] {
  const k = `${level}:${minor}`;
  let list = activeControls.get(k);
  if (list) return list;
  const active = PSS_CONTROLS.filter(
    (c) => (level === 'restricted' || c.level === 'baseline') && implAt(c, minor),
  );
  const overridden = new Set(level === 'restricted' ? active.flatMap((c) => c.overrides ?? []) : []);
  list = active
    .filter((c) => !overridden.has(c.id))
    .map((control) => ({ control, run: implAt(control, minor)! }));
  activeControls.set(k, list);
  return list;
}

/**
 * The controls a pod spec fails at `level` and policy version `version`. Privileged allows everything.
 * For Restricted, Baseline controls overridden by a Restricted control present at that version are skipped.
 */
export function evaluatePod(
  pod: PodInput,
  level: PssLevel,
  version: number | 'latest' = 'latest',
): ControlViolation[] {
  if (level === 'privileged') return [];
  const out: ControlViolation[] = [];
  for (const { control, run } of controlsAt(level, resolveMinor(version))) {
    const r = run(pod);
    if (r) out.push({ id: control.id, level: control.level, ...r });
  }
  return out;
}

/**
 * The highest level a pod spec satisfies at `version`, and every control it fails: the Baseline controls
 * (why it is not Baseline) and the Restricted-only ones (why it is not Restricted).
 */
export function podSecurityLevel(
  pod: PodInput,
  version: number | 'latest' = 'latest',
): { level: PssLevel; controls: ControlViolation[] } {
  const baseline = evaluatePod(pod, 'baseline', version);
  const restricted = evaluatePod(pod, 'restricted', version);
  const controls = [...baseline, ...restricted.filter((v) => v.level === 'restricted')];
  const level: PssLevel = baseline.length ? 'privileged' : restricted.length ? 'baseline' : 'restricted';
  return { level, controls };
}

/** Annotations the controls read (AppArmor and seccomp, by prefix); no other annotation changes a verdict. */
const READ_ANNOTATION_PREFIXES = [
  APPARMOR_ANNOTATION_PREFIX,
  SECCOMP_POD_ANNOTATION,
  SECCOMP_CONTAINER_ANNOTATION_PREFIX,
];

/** Whether a control reads the annotation. */
function readAnnotation(name: string): boolean {
  for (let i = 0; i < READ_ANNOTATION_PREFIXES.length; i++)
    if (name.startsWith(READ_ANNOTATION_PREFIXES[i])) return true;
  return false;
}

/** Pod spec fields no control reads (scheduling, identity, DNS): left out of the key so replicas share it. */
const IGNORED_SPEC_FIELDS = new Set([
  'nodeName',
  'serviceAccountName',
  'serviceAccount',
  'automountServiceAccountToken',
  'schedulerName',
  'restartPolicy',
  'dnsPolicy',
  'dnsConfig',
  'hostname',
  'subdomain',
  'terminationGracePeriodSeconds',
  'activeDeadlineSeconds',
  'priority',
  'priorityClassName',
  'preemptionPolicy',
  'tolerations',
  'nodeSelector',
  'affinity',
  'topologySpreadConstraints',
  'enableServiceLinks',
  'imagePullSecrets',
  'readinessGates',
]);
/** Container fields no control reads (what runs and with which resources, not its privileges). */
const IGNORED_CONTAINER_FIELDS = new Set([
  'image',
  'imagePullPolicy',
  'command',
  'args',
  'workingDir',
  'env',
  'envFrom',
  'resources',
  'resizePolicy',
  'volumeMounts',
  'volumeDevices',
  'terminationMessagePath',
  'terminationMessagePolicy',
  'stdin',
  'stdinOnce',
  'tty',
]);

/**
 * The fields of `o` other than the `ignored` ones, as `[key, value, key, value, ...]` (references, not copies),
 * leaving out what JSON would leave out of the object (undefined values).
 */
function fieldsWithout(o: Obj, ignored: ReadonlySet<string>): unknown[] {
  const out: unknown[] = [];
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (!ignored.has(k) && v !== undefined && typeof v !== 'function') out.push(k, v);
  }
  return out;
}

/** A volume no control can report: no hostPath, and a source Restricted allows (or none: emptyDir). */
function silentVolume(v: unknown): boolean {
  const o = obj(v);
  if (!o) return true;
  if (obj(o['hostPath']) !== undefined) return false;
  const sources = Object.keys(o).filter((k) => k !== 'name' && o[k] !== null && o[k] !== undefined);
  return sources.length === 0 || sources.some((s) => RESTRICTED_VOLUME_SOURCES.includes(s));
}

/**
 * A text equal for two pods exactly when every control gives both the same result: the spec and its containers
 * without the fields listed above (which no control reads), the volumes a control could name, and the
 * AppArmor and seccomp annotations. Replicas of one template (differing in node, name and the generated
 * service-account token volume) share it. A control that starts reading a field listed above must remove it
 * from the list.
 *
 * One JSON text of `[annotations, key, value, key, value, ...]` over the spec's fields in their order, each
 * container of a list as its own `[key, value, ...]` (an even count) or, when it is not an object, `[it]` (one):
 * equal exactly when the spec's fields and values are, without copying the spec or its containers (this runs
 * once per pod; the controls once per distinct key).
 */
export function pssInputKey(pod: PodInput): string {
  const annotations: [string, string][] = [];
  for (const [k, v] of Object.entries(pod.annotations)) if (readAnnotation(k)) annotations.push([k, v]);
  const parts: unknown[] = [annotations];
  const spec = pod.spec;
  for (const k of Object.keys(spec)) {
    const value = spec[k];
    if (IGNORED_SPEC_FIELDS.has(k) || value === undefined || typeof value === 'function') continue;
    if (
      (k === 'initContainers' || k === 'containers' || k === 'ephemeralContainers') &&
      Array.isArray(value)
    ) {
      const list: unknown[] = [];
      for (let i = 0; i < value.length; i++) {
        const o = obj(value[i]);
        list.push(o ? fieldsWithout(o, IGNORED_CONTAINER_FIELDS) : [value[i]]);
      }
      parts.push(k, list);
    } else if (k === 'volumes' && Array.isArray(value)) {
      const named = (value as unknown[]).filter((v) => !silentVolume(v));
      if (named.length) parts.push(k, named);
    } else parts.push(k, value);
  }
  return JSON.stringify(parts);
}

/** What Pod Security says about one pod spec: its level, and the controls it fails at any level and version. */
export interface PssVerdicts {
  level: PssLevel;
  controls: ControlViolation[];
  /** `evaluatePod` at that level and version (the returned array is shared: read it only). */
  violations(level: PssLevel, version: number | 'latest'): readonly ControlViolation[];
}

/** A node of `PssEvaluator`'s tree: children by the next token of a pod's inputs, and the verdicts ending here. */
interface KeyNode {
  next: Map<unknown, KeyNode> | undefined;
  verdicts: PssVerdicts | undefined;
}

// Tokens that mark the structure of a walk (`PssEvaluator.walk`): objects made here, so no evidence value is one.
const SPEC_TOKEN = {};
const ITEM_TOKEN = {};
const NOT_OBJECT_TOKEN = {};
const END_TOKEN = {};
/** Nodes the tree may hold (~200 bytes each): past this, pods whose walk needs a new node take the key text. */
const MAX_KEY_NODES = 4096;

/**
 * `podSecurityLevel` and `evaluatePod` remembered per `pssInputKey`: a 10,000-pod cluster of a few hundred
 * templates is evaluated a few hundred times. One instance per scan (it holds every distinct spec's verdicts).
 *
 * A pod's verdicts are found first through a tree keyed by the same inputs `pssInputKey` prints, in the same
 * order, with objects by identity and other values by value (`walk`): the bundle reader keeps one copy of the
 * parts replicas hold alike (container security contexts and ports, the pod's security context), so replicas walk
 * one path and cost a few map lookups instead of a key text each (10,000 texts of ~1 KB, and a second copy of
 * each to look it up). Equal paths print equal key texts, so a path leads to the verdicts of that text; a pod
 * whose path is new (or would not fit the bounded tree) takes the key text, as every pod did before.
 */
export class PssEvaluator {
  private readonly byKey = new Map<string, PssVerdicts>();
  private readonly root: KeyNode = { next: undefined, verdicts: undefined };
  private nodes = 0;

  verdicts(pod: PodInput): PssVerdicts {
    const node = this.walk(pod);
    if (node?.verdicts) return node.verdicts;
    const key = pssInputKey(pod);
    let v = this.byKey.get(key);
    if (!v) {
      const { level, controls } = podSecurityLevel(pod);
      // Per level, by resolved minor: asked up to three times per pod (enforce, warn, audit), no key text.
      const byMode = new Map<PssLevel, Map<number, ControlViolation[]>>();
      v = {
        level,
        controls,
        violations: (l, version) => {
          const minor = resolveMinor(version);
          let byMinor = byMode.get(l);
          if (!byMinor) byMode.set(l, (byMinor = new Map<number, ControlViolation[]>()));
          let found = byMinor.get(minor);
          if (!found) byMinor.set(minor, (found = evaluatePod(pod, l, version)));
          return found;
        },
      };
      this.byKey.set(key, v);
    }
    if (node) node.verdicts = v;
    return v;
  }

  /** The child of `node` for `token`, made if the tree has room (undefined: no room, or no node to start from). */
  private child(node: KeyNode | undefined, token: unknown): KeyNode | undefined {
    if (!node) return undefined;
    let next = node.next?.get(token);
    if (next) return next;
    if (this.nodes >= MAX_KEY_NODES) return undefined;
    this.nodes++;
    next = { next: undefined, verdicts: undefined };
    (node.next ??= new Map<unknown, KeyNode>()).set(token, next);
    return next;
  }

  /**
   * The node at the end of the pod's path: what `pssInputKey` prints, token by token (the read annotations' names
   * and values, then the spec's fields and values, containers field by field, the volumes a control can name),
   * with marks where its structure opens and closes. Indexed loops: this runs once per pod.
   */
  private walk(pod: PodInput): KeyNode | undefined {
    let node: KeyNode | undefined = this.root;
    const annotations = pod.annotations;
    // for-in, not Object.keys: the same own keys in the same order (evidence is plain parsed JSON, whose
    // prototype adds none) without a list of them made per pod and container.
    for (const k in annotations) {
      if (!readAnnotation(k)) continue;
      node = this.child(this.child(node, k), annotations[k]);
    }
    node = this.child(node, SPEC_TOKEN);
    const spec = pod.spec;
    for (const k in spec) {
      if (!node) break;
      const value = spec[k];
      if (IGNORED_SPEC_FIELDS.has(k) || value === undefined || typeof value === 'function') continue;
      if (
        (k === 'initContainers' || k === 'containers' || k === 'ephemeralContainers') &&
        Array.isArray(value)
      ) {
        node = this.child(node, k);
        for (let i = 0; i < value.length; i++) {
          const o = obj(value[i]);
          if (!o) {
            node = this.child(this.child(node, NOT_OBJECT_TOKEN), value[i]);
            continue;
          }
          node = this.child(node, ITEM_TOKEN);
          for (const ck in o) {
            const cv = o[ck];
            if (IGNORED_CONTAINER_FIELDS.has(ck) || cv === undefined || typeof cv === 'function') continue;
            node = this.child(this.child(node, ck), cv);
          }
        }
        node = this.child(node, END_TOKEN);
      } else if (k === 'volumes' && Array.isArray(value)) {
        let named = false;
        for (let i = 0; i < value.length; i++) {
          if (silentVolume(value[i])) continue;
          if (!named) node = this.child(node, k);
          named = true;
          node = this.child(node, value[i]);
        }
        if (named) node = this.child(node, END_TOKEN);
      } else node = this.child(this.child(node, k), value);
    }
    return node;
  }

  /** Distinct pod specs evaluated so far. */
  get size(): number {
    return this.byKey.size;
  }
}
