import { describe, expect, test } from '@jest/globals';
import { namespacePolicy } from './namespace-policy.js';
import { evaluatePod, podSecurityLevel, resolveMinor, type PssLevel } from './policy.js';

// Cases ported from the upstream test data (k8s.io/pod-security-admission test/fixtures_*.go and
// policy/check_*_test.go): a minimal restricted pod, then one field changed per case.

type Spec = Record<string, unknown>;

/** Upstream's minimal restricted pod: non-root, RuntimeDefault seccomp, no escalation, drops ALL. */
function restrictedPod(): Spec {
  return {
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    initContainers: [
      { name: 'initcontainer1', image: 'registry.k8s.io/pause', securityContext: restrictedSc() },
    ],
    containers: [{ name: 'container1', image: 'registry.k8s.io/pause', securityContext: restrictedSc() }],
  };
}
function restrictedSc(): Spec {
  return { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
}
/** Upstream's minimal baseline pod: nothing set. */
function baselinePod(): Spec {
  return { containers: [{ name: 'container1', image: 'registry.k8s.io/pause' }] };
}
function container(spec: Spec, i = 0): Spec {
  return (spec['containers'] as Spec[])[i];
}
function sc(spec: Spec, i = 0): Spec {
  const c = container(spec, i);
  c['securityContext'] ??= {};
  return c['securityContext'] as Spec;
}

function levelOf(
  spec: Spec,
  annotations: Record<string, string> = {},
  version: number | 'latest' = 'latest',
): PssLevel {
  return podSecurityLevel({ spec: spec, annotations }, version).level;
}
function failing(
  spec: Spec,
  level: PssLevel,
  version: number | 'latest' = 'latest',
  annotations: Record<string, string> = {},
): string[] {
  return evaluatePod({ spec: spec, annotations }, level, version).map((v) => v.id);
}

describe('minimal pods', () => {
  test('the minimal restricted pod is restricted; nothing set is baseline', () => {
    expect(levelOf(restrictedPod())).toBe('restricted');
    expect(levelOf(baselinePod())).toBe('baseline');
    expect(failing(baselinePod(), 'restricted')).toEqual([
      'allowPrivilegeEscalation',
      'runAsNonRoot',
      'seccompProfile_restricted',
      'capabilities_restricted',
    ]);
  });
});

describe('baseline controls', () => {
  const cases: [string, (s: Spec) => void, string][] = [
    ['hostNetwork', (s) => (s['hostNetwork'] = true), 'hostNamespaces'],
    ['hostPID', (s) => (s['hostPID'] = true), 'hostNamespaces'],
    ['hostIPC', (s) => (s['hostIPC'] = true), 'hostNamespaces'],
    ['privileged container', (s) => (sc(s)['privileged'] = true), 'privileged'],
    [
      'privileged init container',
      (s) => (((s['initContainers'] as Spec[])[0]['securityContext'] as Spec)['privileged'] = true),
      'privileged',
    ],
    [
      'NET_RAW added',
      (s) => (sc(s)['capabilities'] = { drop: ['ALL'], add: ['NET_RAW'] }),
      'capabilities_baseline',
    ],
    ['SYS_ADMIN added', (s) => (sc(s)['capabilities'] = { add: ['SYS_ADMIN'] }), 'capabilities_baseline'],
    ['hostPath volume', (s) => (s['volumes'] = [{ name: 'a', hostPath: { path: '/a' } }]), 'hostPathVolumes'],
    ['hostPort', (s) => (container(s)['ports'] = [{ containerPort: 8080, hostPort: 8080 }]), 'hostPorts'],
    [
      'AppArmor Unconfined field (pod)',
      (s) => ((s['securityContext'] as Spec)['appArmorProfile'] = { type: 'Unconfined' }),
      'appArmorProfile',
    ],
    [
      'AppArmor Unconfined field (container)',
      (s) => (sc(s)['appArmorProfile'] = { type: 'Unconfined' }),
      'appArmorProfile',
    ],
    ['SELinux type spc_t', (s) => (sc(s)['seLinuxOptions'] = { type: 'spc_t' }), 'seLinuxOptions'],
    [
      'SELinux user',
      (s) => ((s['securityContext'] as Spec)['seLinuxOptions'] = { user: 'system_u' }),
      'seLinuxOptions',
    ],
    ['SELinux role', (s) => (sc(s)['seLinuxOptions'] = { role: 'system_r' }), 'seLinuxOptions'],
    ['procMount Unmasked', (s) => (sc(s)['procMount'] = 'Unmasked'), 'procMount'],
    [
      'seccomp Unconfined (pod)',
      (s) => ((s['securityContext'] as Spec)['seccompProfile'] = { type: 'Unconfined' }),
      'seccompProfile_baseline',
    ],
    [
      'unsafe sysctl',
      (s) => ((s['securityContext'] as Spec)['sysctls'] = [{ name: 'kernel.msgmax', value: '1' }]),
      'sysctls',
    ],
    [
      'HostProcess (pod)',
      (s) => ((s['securityContext'] as Spec)['windowsOptions'] = { hostProcess: true }),
      'windowsHostProcess',
    ],
    [
      'HostProcess (container)',
      (s) => (sc(s)['windowsOptions'] = { hostProcess: true }),
      'windowsHostProcess',
    ],
    [
      'liveness probe host',
      (s) => (container(s)['livenessProbe'] = { httpGet: { host: '10.0.0.1', port: 80 } }),
      'hostProbesAndHostLifecycle',
    ],
    [
      'readiness tcpSocket host',
      (s) => (container(s)['readinessProbe'] = { tcpSocket: { host: 'node', port: 80 } }),
      'hostProbesAndHostLifecycle',
    ],
    [
      'preStop httpGet host',
      (s) => (container(s)['lifecycle'] = { preStop: { httpGet: { host: 'x', port: 80 } } }),
      'hostProbesAndHostLifecycle',
    ],
  ];
  test.each(cases)('%s makes a restricted pod privileged-only', (_n, mutate, id) => {
    const s = restrictedPod();
    mutate(s);
    expect(levelOf(s)).toBe('privileged');
    expect(failing(s, 'baseline')).toEqual([id]);
  });

  const allowed: [string, (s: Spec) => void][] = [
    ['hostNetwork false', (s) => (s['hostNetwork'] = false)],
    ['hostPort 0', (s) => (container(s)['ports'] = [{ containerPort: 80, hostPort: 0 }])],
    ['AppArmor RuntimeDefault field', (s) => (sc(s)['appArmorProfile'] = { type: 'RuntimeDefault' })],
    [
      'AppArmor Localhost field',
      (s) => (sc(s)['appArmorProfile'] = { type: 'Localhost', localhostProfile: 'p' }),
    ],
    [
      'SELinux container_t with level',
      (s) => (sc(s)['seLinuxOptions'] = { type: 'container_t', level: 's0:c1,c2' }),
    ],
    [
      'SELinux container_engine_t (v1.31+)',
      (s) => (sc(s)['seLinuxOptions'] = { type: 'container_engine_t' }),
    ],
    ['procMount Default', (s) => (sc(s)['procMount'] = 'Default')],
    [
      'safe sysctls incl. v1.32 tcp_rmem',
      (s) =>
        ((s['securityContext'] as Spec)['sysctls'] = [
          { name: 'net.ipv4.ip_local_port_range', value: '1024 65535' },
          { name: 'net.ipv4.tcp_rmem', value: '4096 87380 6291456' },
        ]),
    ],
    [
      'probe without host',
      (s) => (container(s)['livenessProbe'] = { httpGet: { path: '/healthz', port: 8080 } }),
    ],
    [
      'image volume',
      (s) => (s['volumes'] = [{ name: 'model', image: { reference: 'example.azurecr.io/model:1' } }]),
    ],
    ['volume with no source (defaulted to emptyDir)', (s) => (s['volumes'] = [{ name: 'scratch' }])],
    ['NET_BIND_SERVICE added', (s) => (sc(s)['capabilities'] = { drop: ['ALL'], add: ['NET_BIND_SERVICE'] })],
  ];
  test.each(allowed)('%s stays restricted', (_n, mutate) => {
    const s = restrictedPod();
    mutate(s);
    expect(failing(s, 'restricted')).toEqual([]);
  });

  test('AppArmor annotations: unconfined is forbidden, runtime/default and localhost/ are allowed', () => {
    const p = 'container.apparmor.security.beta.kubernetes.io/container1';
    expect(failing(restrictedPod(), 'baseline', 'latest', { [p]: 'unconfined' })).toEqual([
      'appArmorProfile',
    ]);
    expect(failing(restrictedPod(), 'baseline', 'latest', { [p]: 'runtime/default' })).toEqual([]);
    expect(failing(restrictedPod(), 'baseline', 'latest', { [p]: 'localhost/custom' })).toEqual([]);
  });
});

describe('restricted controls', () => {
  const cases: [string, (s: Spec) => void, string][] = [
    [
      'nfs volume',
      (s) => (s['volumes'] = [{ name: 'a', nfs: { server: 'x', path: '/' } }]),
      'restrictedVolumes',
    ],
    [
      'allowPrivilegeEscalation unset',
      (s) => delete sc(s)['allowPrivilegeEscalation'],
      'allowPrivilegeEscalation',
    ],
    [
      'allowPrivilegeEscalation true',
      (s) => (sc(s)['allowPrivilegeEscalation'] = true),
      'allowPrivilegeEscalation',
    ],
    ['runAsNonRoot false on container', (s) => (sc(s)['runAsNonRoot'] = false), 'runAsNonRoot'],
    [
      'runAsNonRoot unset everywhere',
      (s) => delete (s['securityContext'] as Spec)['runAsNonRoot'],
      'runAsNonRoot',
    ],
    ['runAsUser 0 on pod', (s) => ((s['securityContext'] as Spec)['runAsUser'] = 0), 'runAsUser'],
    ['runAsUser 0 on container', (s) => (sc(s)['runAsUser'] = 0), 'runAsUser'],
    [
      'seccomp unset',
      (s) => delete (s['securityContext'] as Spec)['seccompProfile'],
      'seccompProfile_restricted',
    ],
    [
      'capabilities not dropping ALL',
      (s) => (sc(s)['capabilities'] = { drop: ['NET_RAW'] }),
      'capabilities_restricted',
    ],
    [
      'CHOWN added (allowed by baseline)',
      (s) => (sc(s)['capabilities'] = { drop: ['ALL'], add: ['CHOWN'] }),
      'capabilities_restricted',
    ],
  ];
  test.each(cases)('%s makes a restricted pod baseline', (_n, mutate, id) => {
    const s = restrictedPod();
    mutate(s);
    expect(levelOf(s)).toBe('baseline');
    expect(failing(s, 'restricted')).toEqual([id]);
  });

  test('a hostPath volume is reported under restricted by restrictedVolumes, which overrides hostPathVolumes', () => {
    const s = restrictedPod();
    s['volumes'] = [{ name: 'a', hostPath: { path: '/a' } }];
    expect(failing(s, 'restricted')).toEqual(['restrictedVolumes']);
    expect(failing(s, 'baseline')).toEqual(['hostPathVolumes']);
    expect(levelOf(s)).toBe('privileged');
  });

  test('seccomp Unconfined on a container is reported once, by the restricted control that overrides the baseline one', () => {
    const s = restrictedPod();
    sc(s)['seccompProfile'] = { type: 'Unconfined' };
    expect(failing(s, 'restricted')).toEqual(['seccompProfile_restricted']);
    const { level, controls } = podSecurityLevel({ spec: s, annotations: {} });
    expect(level).toBe('privileged');
    expect(controls.map((c) => `${c.level}/${c.id}`)).toEqual([
      'baseline/seccompProfile_baseline',
      'restricted/seccompProfile_restricted',
    ]);
    expect(controls[1].detail).toBe(
      'container "container1" must not set securityContext.seccompProfile.type to "Unconfined"',
    );
  });

  test('container-level settings satisfy restricted without pod-level ones', () => {
    const s = restrictedPod();
    s['securityContext'] = {};
    for (const c of [...(s['containers'] as Spec[]), ...(s['initContainers'] as Spec[])])
      c['securityContext'] = {
        ...restrictedSc(),
        runAsNonRoot: true,
        seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' },
      };
    expect(failing(s, 'restricted')).toEqual([]);
  });

  test('ephemeral containers are held to the same rules', () => {
    const s = restrictedPod();
    s['ephemeralContainers'] = [{ name: 'debugger', image: 'busybox', targetContainerName: 'container1' }];
    expect(failing(s, 'restricted')).toEqual(['allowPrivilegeEscalation', 'capabilities_restricted']);
  });
});

describe('version-specific rules', () => {
  test('latest and future versions resolve to v1.35', () => {
    expect(resolveMinor('latest')).toBe(35);
    expect(resolveMinor(40)).toBe(35);
    expect(resolveMinor(28)).toBe(28);
  });

  test('Windows pods (spec.os.name) are exempt from escalation, seccomp and capabilities from v1.25, not before', () => {
    const s: Spec = {
      os: { name: 'windows' },
      securityContext: { runAsNonRoot: true },
      containers: [{ name: 'iis', image: 'mcr.microsoft.com/windows/servercore/iis' }],
    };
    expect(failing(s, 'restricted', 25)).toEqual([]);
    expect(failing(s, 'restricted', 24)).toEqual([
      'allowPrivilegeEscalation',
      'seccompProfile_restricted',
      'capabilities_restricted',
    ]);
  });

  test('sysctls: ip_local_reserved_ports from v1.27, tcp_keepalive_time from v1.29, tcp_wmem from v1.32', () => {
    const withSysctl = (name: string): Spec => ({
      ...restrictedPod(),
      securityContext: {
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
        sysctls: [{ name, value: '1' }],
      },
    });
    expect(failing(withSysctl('net.ipv4.ip_local_reserved_ports'), 'baseline', 26)).toEqual(['sysctls']);
    expect(failing(withSysctl('net.ipv4.ip_local_reserved_ports'), 'baseline', 27)).toEqual([]);
    expect(failing(withSysctl('net.ipv4.tcp_keepalive_time'), 'baseline', 28)).toEqual(['sysctls']);
    expect(failing(withSysctl('net.ipv4.tcp_keepalive_time'), 'baseline', 29)).toEqual([]);
    expect(failing(withSysctl('net.ipv4.tcp_wmem'), 'baseline', 31)).toEqual(['sysctls']);
    expect(failing(withSysctl('net.ipv4.tcp_wmem'), 'baseline', 32)).toEqual([]);
    // Not yet safe in v1.35.
    expect(failing(withSysctl('net.ipv4.tcp_notsent_lowat'), 'baseline')).toEqual(['sysctls']);
  });

  test('SELinux container_engine_t is allowed from v1.31', () => {
    const s = restrictedPod();
    sc(s)['seLinuxOptions'] = { type: 'container_engine_t' };
    expect(failing(s, 'baseline', 30)).toEqual(['seLinuxOptions']);
    expect(failing(s, 'baseline', 31)).toEqual([]);
  });

  test('probe and lifecycle hosts are forbidden from v1.34', () => {
    const s = restrictedPod();
    container(s)['startupProbe'] = { tcpSocket: { host: '127.0.0.1', port: 9000 } };
    expect(failing(s, 'baseline', 33)).toEqual([]);
    expect(failing(s, 'baseline', 34)).toEqual(['hostProbesAndHostLifecycle']);
  });

  test('user-namespaced pods (hostUsers: false): v1.35 relaxes runAsNonRoot, runAsUser and baseline procMount, restricted still forbids Unmasked', () => {
    const s = restrictedPod();
    s['hostUsers'] = false;
    s['securityContext'] = { seccompProfile: { type: 'RuntimeDefault' }, runAsUser: 0 };
    expect(failing(s, 'restricted', 35)).toEqual([]);
    expect(failing(s, 'restricted', 34)).toEqual(['runAsNonRoot', 'runAsUser']);
    sc(s)['procMount'] = 'Unmasked';
    expect(failing(s, 'baseline', 35)).toEqual([]);
    expect(failing(s, 'baseline', 34)).toEqual(['procMount']);
    expect(failing(s, 'restricted', 35)).toEqual(['procMount_restricted']);
  });

  test('seccomp before v1.19 is judged by the legacy annotations, from v1.19 by the fields', () => {
    const s = restrictedPod();
    const ann = { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' };
    expect(failing(s, 'baseline', 18, ann)).toEqual(['seccompProfile_baseline']);
    expect(failing(s, 'baseline', 19, ann)).toEqual([]);
  });

  test('runAsUser and capabilities_restricted do not exist before v1.23 and v1.22', () => {
    const s = restrictedPod();
    (s['securityContext'] as Spec)['runAsUser'] = 0;
    sc(s)['capabilities'] = { add: ['CHOWN'] };
    expect(failing(s, 'restricted', 21)).toEqual([]);
    expect(failing(s, 'restricted', 22)).toEqual(['capabilities_restricted']);
    expect(failing(s, 'restricted', 23)).toEqual(['runAsUser', 'capabilities_restricted']);
  });
});

describe('namespace labels', () => {
  test('enforce, warn and audit with versions', () => {
    const p = namespacePolicy({
      'pod-security.kubernetes.io/enforce': 'baseline',
      'pod-security.kubernetes.io/enforce-version': 'v1.30',
      'pod-security.kubernetes.io/audit': 'restricted',
    });
    expect(p.enforce).toMatchObject({ level: 'baseline', version: 30, labelled: true });
    expect(p.audit).toMatchObject({ level: 'restricted', version: 'latest' });
    // warn is not labelled and enforce is stricter: warn follows enforce, version included.
    expect(p.warn).toMatchObject({ level: 'baseline', version: 30, labelled: false });
  });
  test('no labels: privileged everywhere; an invalid level reads as restricted', () => {
    expect(namespacePolicy({}).enforce).toMatchObject({ level: 'privileged', labelled: false });
    const bad = namespacePolicy({ 'pod-security.kubernetes.io/enforce': 'strict' });
    expect(bad.enforce.level).toBe('restricted');
    expect(bad.enforce.invalid).toContain('"strict" is not a level');
  });
});

describe('upstream detail strings', () => {
  const detail = (
    spec: Spec,
    level: PssLevel,
    id: string,
    annotations: Record<string, string> = {},
  ): string => evaluatePod({ spec, annotations }, level).find((v) => v.id === id)?.detail ?? '';

  test('runAsNonRoot: an explicit false on a container beats a pod-level true', () => {
    const s = restrictedPod();
    sc(s)['runAsNonRoot'] = false;
    expect(detail(s, 'restricted', 'runAsNonRoot')).toBe(
      'container "container1" must not set securityContext.runAsNonRoot=false',
    );
  });

  test('seccomp: pod-level Unconfined is named even when containers set RuntimeDefault', () => {
    const s = restrictedPod();
    (s['securityContext'] as Spec)['seccompProfile'] = { type: 'Unconfined' };
    for (const c of [...(s['containers'] as Spec[]), ...(s['initContainers'] as Spec[])])
      (c['securityContext'] as Spec)['seccompProfile'] = { type: 'RuntimeDefault' };
    expect(detail(s, 'restricted', 'seccompProfile_restricted')).toBe(
      'pod must not set securityContext.seccompProfile.type to "Unconfined"',
    );
  });

  test('capabilities: adding ALL is forbidden by baseline; not dropping ALL is named per container', () => {
    const s = restrictedPod();
    sc(s)['capabilities'] = { add: ['ALL'] };
    expect(detail(s, 'baseline', 'capabilities_baseline')).toBe(
      'container "container1" must not include "ALL" in securityContext.capabilities.add',
    );
    expect(detail(s, 'restricted', 'capabilities_restricted')).toBe(
      'container "container1" must set securityContext.capabilities.drop=["ALL"]; container "container1" must not include "ALL" in securityContext.capabilities.add',
    );
  });

  test('hostPorts in an init container and AppArmor annotations for any container name are caught', () => {
    const s = restrictedPod();
    (s['initContainers'] as Spec[])[0]['ports'] = [{ containerPort: 53, hostPort: 53, protocol: 'UDP' }];
    expect(detail(s, 'baseline', 'hostPorts')).toBe('container "initcontainer1" uses hostPort 53');
    expect(
      detail(restrictedPod(), 'baseline', 'appArmorProfile', {
        'container.apparmor.security.beta.kubernetes.io/not-a-container': 'unconfined',
      }),
    ).toBe('container.apparmor.security.beta.kubernetes.io/not-a-container="unconfined"');
  });

  test('restricted volume types name the volume and its type', () => {
    const s = restrictedPod();
    s['volumes'] = [
      { name: 'cfg', configMap: { name: 'x' } },
      { name: 'legacy', gitRepo: { repository: 'https://example.com/r.git' } },
    ];
    expect(detail(s, 'restricted', 'restrictedVolumes')).toBe(
      'volume "legacy" uses restricted volume type "gitRepo"',
    );
  });
});
