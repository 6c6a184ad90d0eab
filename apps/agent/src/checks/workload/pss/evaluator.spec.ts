import { describe, expect, test } from '@jest/globals';
import {
  evaluatePod,
  podSecurityLevel,
  PSS_CONTROLS,
  PSS_LEVELS,
  pssInputKey,
  PssEvaluator,
} from './policy.js';

// PssEvaluator remembers verdicts per pssInputKey. These cases pin that the key sees every field a control
// reads (each mutation below changes the key and some control's verdict) and nothing else (replicas that
// differ in node, name, image, resources and token volume share it), and that remembered verdicts are the
// ones podSecurityLevel and evaluatePod give.

type Spec = Record<string, unknown>;

function restrictedPod(): Spec {
  return {
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    initContainers: [{ name: 'init', image: 'registry.k8s.io/pause', securityContext: restrictedSc() }],
    containers: [{ name: 'app', image: 'registry.k8s.io/pause', securityContext: restrictedSc() }],
  };
}
function restrictedSc(): Spec {
  return { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
}
const c0 = (s: Spec): Spec => (s['containers'] as Spec[])[0];
const sc0 = (s: Spec): Spec => c0(s)['securityContext'] as Spec;
const psc = (s: Spec): Spec => s['securityContext'] as Spec;

/** One mutation per control (and per field a control reads), with the annotations it adds. */
// Every row has three entries: jest takes a missing one for a `done` callback and waits for it.
const MUTATIONS: [string, (s: Spec) => void, Record<string, string>][] = [
  ['hostNetwork', (s) => (s['hostNetwork'] = true), {}],
  ['hostPID', (s) => (s['hostPID'] = true), {}],
  ['hostIPC', (s) => (s['hostIPC'] = true), {}],
  ['privileged', (s) => (sc0(s)['privileged'] = true), {}],
  ['capability added', (s) => (sc0(s)['capabilities'] = { drop: ['ALL'], add: ['SYS_ADMIN'] }), {}],
  ['capabilities not dropped', (s) => (sc0(s)['capabilities'] = {}), {}],
  ['hostPath volume', (s) => (s['volumes'] = [{ name: 'h', hostPath: { path: '/' } }]), {}],
  ['nfs volume', (s) => (s['volumes'] = [{ name: 'n', nfs: { server: 'x', path: '/' } }]), {}],
  ['hostPort', (s) => (c0(s)['ports'] = [{ containerPort: 80, hostPort: 80 }]), {}],
  ['AppArmor field', (s) => (sc0(s)['appArmorProfile'] = { type: 'Unconfined' }), {}],
  [
    'AppArmor annotation',
    () => undefined,
    { 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined' },
  ],
  ['SELinux type', (s) => (psc(s)['seLinuxOptions'] = { type: 'spc_t' }), {}],
  ['procMount', (s) => (sc0(s)['procMount'] = 'Unmasked'), {}],
  ['seccomp field', (s) => (sc0(s)['seccompProfile'] = { type: 'Unconfined' }), {}],
  ['seccomp pod annotation', () => undefined, { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' }],
  [
    'seccomp container annotation',
    () => undefined,
    { 'container.seccomp.security.alpha.kubernetes.io/app': 'unconfined' },
  ],
  ['sysctl', (s) => (psc(s)['sysctls'] = [{ name: 'kernel.msgmax', value: '1' }]), {}],
  ['hostProcess', (s) => (sc0(s)['windowsOptions'] = { hostProcess: true }), {}],
  ['probe host', (s) => (c0(s)['livenessProbe'] = { httpGet: { host: '10.0.0.1', port: 80 } }), {}],
  ['lifecycle host', (s) => (c0(s)['lifecycle'] = { postStart: { tcpSocket: { host: 'n', port: 1 } } }), {}],
  ['allowPrivilegeEscalation', (s) => delete sc0(s)['allowPrivilegeEscalation'], {}],
  ['runAsNonRoot', (s) => (sc0(s)['runAsNonRoot'] = false), {}],
  ['runAsUser', (s) => (psc(s)['runAsUser'] = 0), {}],
  ['Windows pod', (s) => (s['os'] = { name: 'windows' }), {}],
  ['user namespace', (s) => (s['hostUsers'] = false), {}],
  ['container renamed', (s) => (c0(s)['name'] = 'other'), {}],
  ['ephemeral container', (s) => (s['ephemeralContainers'] = [{ name: 'debug', image: 'busybox' }]), {}],
];

const VERSIONS = ['latest', 0, 19, 22, 25, 31, 34] as const;

function sameAsDirect(spec: Spec, annotations: Record<string, string>): void {
  const pod = { spec, annotations };
  const v = new PssEvaluator().verdicts(pod);
  expect({ level: v.level, controls: v.controls }).toEqual(podSecurityLevel(pod));
  for (const level of PSS_LEVELS)
    for (const version of VERSIONS)
      expect(v.violations(level, version)).toEqual(evaluatePod(pod, level, version));
}

describe('PssEvaluator', () => {
  const baseKey = pssInputKey({ spec: restrictedPod(), annotations: {} });

  test.each(MUTATIONS)('%s changes the key, and remembered verdicts equal direct ones', (_n, mutate, ann) => {
    const spec = restrictedPod();
    mutate(spec);
    expect(pssInputKey({ spec, annotations: ann })).not.toBe(baseKey);
    sameAsDirect(spec, ann);
  });

  test('every control is failed by some mutation above (a new control needs a case, and a look at the key)', () => {
    const failed = new Set<string>();
    for (const [, mutate, ann] of MUTATIONS) {
      const spec = restrictedPod();
      mutate(spec);
      for (const level of ['baseline', 'restricted'] as const)
        for (const version of VERSIONS)
          for (const c of evaluatePod({ spec, annotations: ann }, level, version)) failed.add(c.id);
    }
    expect([...failed].sort()).toEqual(PSS_CONTROLS.map((c) => c.id).sort());
  });

  test('replicas differing in node, name, image, resources, token volume and other annotations share one key', () => {
    const replica = (i: number): { spec: Spec; annotations: Record<string, string> } => {
      const spec = restrictedPod();
      Object.assign(spec, {
        nodeName: `node-${i}`,
        serviceAccountName: `sa-${i}`,
        tolerations: [{ key: `k${i}` }],
        volumes: [
          {
            name: `kube-api-access-${i}`,
            projected: { sources: [{ serviceAccountToken: { path: 'token' } }] },
          },
          { name: `scratch-${i}` },
        ],
      });
      Object.assign(c0(spec), {
        image: `registry.k8s.io/pause:${i}`,
        env: [{ name: 'I', value: String(i) }],
        resources: { limits: { cpu: `${i}m` } },
        volumeMounts: [{ name: `kube-api-access-${i}`, mountPath: '/var/run' }],
      });
      return { spec, annotations: { 'cni.projectcalico.org/podIP': `10.0.0.${i}/32` } };
    };
    const keys = new Set([1, 2, 3].map((i) => pssInputKey(replica(i))));
    expect(keys).toEqual(new Set([baseKey]));
    const pss = new PssEvaluator();
    for (const i of [1, 2, 3]) pss.verdicts(replica(i));
    expect(pss.size).toBe(1);
  });

  test('two pods share a key exactly when their specs without the ignored fields print alike, odd shapes too', () => {
    // The key is written without copying the spec; this copy-then-stringify is what its equality must follow.
    const ignoredSpec = ['nodeName', 'serviceAccountName', 'tolerations', 'restartPolicy'];
    const ignoredContainer = ['image', 'env', 'resources', 'volumeMounts'];
    const copied = (pod: { spec: Spec; annotations: Record<string, string> }): string => {
      const without = (o: Spec, ignored: string[]): Spec =>
        Object.fromEntries(Object.entries(o).filter(([k]) => !ignored.includes(k)));
      const spec = without(pod.spec, ignoredSpec);
      for (const list of ['initContainers', 'containers', 'ephemeralContainers'])
        if (Array.isArray(spec[list]))
          spec[list] = (spec[list] as unknown[]).map((c) =>
            c !== null && typeof c === 'object' && !Array.isArray(c)
              ? without(c as Spec, ignoredContainer)
              : c,
          );
      if (Array.isArray(spec['volumes'])) {
        const named = (spec['volumes'] as Spec[]).filter((v) => v?.['hostPath'] || v?.['nfs']);
        if (named.length) spec['volumes'] = named;
        else delete spec['volumes'];
      }
      const annotations = Object.entries(pod.annotations).filter(([k]) => k.includes('apparmor'));
      return JSON.stringify([annotations, spec]);
    };
    const shapes: Spec[] = [
      restrictedPod(),
      { ...restrictedPod(), nodeName: 'n', tolerations: [], volumes: [{ name: 'scratch' }] },
      { ...restrictedPod(), volumes: [{ name: 'h', hostPath: { path: '/' } }] },
      { containers: [null, 'x', 3, ['a'], { name: 'a', image: 'i', env: [] }], initContainers: {} },
      { containers: [null, 'x', 3, ['a'], { name: 'a' }], initContainers: {} },
      { containers: [undefined, 'x', 3, ['a'], { name: 'a' }], initContainers: {} },
      { containers: [['name', 'a']] },
      { containers: [{ name: 'a' }] },
      { containers: [{}] },
      { containers: [[]] },
      { containers: [{ name: 'a', image: undefined }] },
      { containers: [{ name: 'a', securityContext: undefined }] },
      { containers: [{ name: 'a', securityContext: null }] },
      { hostPID: true, undefinedField: undefined },
      { hostPID: true },
      { hostPID: true, nullField: null },
      { ephemeralContainers: [], securityContext: null, 7: 'numbered', containers: 'text' },
      { ephemeralContainers: [], securityContext: null, containers: 'text' },
      { containers: ['text'] },
      {},
    ];
    const pods = shapes.flatMap((spec) =>
      (
        [{}, { 'container.apparmor.security.beta.kubernetes.io/a': 'unconfined', other: 'x' }] as Record<
          string,
          string
        >[]
      ).map((annotations) => ({ spec, annotations })),
    );
    for (const a of pods)
      for (const b of pods)
        expect([a, b, pssInputKey(a) === pssInputKey(b)]).toEqual([a, b, copied(a) === copied(b)]);
  });

  test('a hostPath volume stays in the key with its name (the detail names it)', () => {
    const withVolume = (name: string): string => {
      const spec = restrictedPod();
      spec['volumes'] = [{ name, hostPath: { path: '/var/log' } }];
      return pssInputKey({ spec, annotations: {} });
    };
    expect(withVolume('logs')).not.toBe(withVolume('other'));
  });
});

describe('PssEvaluator tree (objects by identity)', () => {
  // The evaluator finds a pod's verdicts through a tree keyed by its inputs, objects by identity (the bundle reader
  // shares the parts replicas hold alike), before it prints a key text. These cases pin that the tree never joins
  // pods whose key texts differ, nor splits the verdicts of pods whose texts are equal.
  const sharedSc = restrictedSc();
  const sharedPodSc = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };
  const sharedPorts = [{ containerPort: 8080, name: 'http' }];
  const hostPath = { name: 'h', hostPath: { path: '/' } };
  const replica = (i: number, sc: Spec = sharedSc, extra: Spec = {}): Spec => ({
    nodeName: `node-${i % 3}`,
    securityContext: sharedPodSc,
    containers: [{ name: 'app', image: `img:${i}`, ports: sharedPorts, securityContext: sc, ...extra }],
    volumes: [{ name: `kube-api-access-${i}`, projected: { sources: [] } }],
  });
  const pods: { spec: Spec; annotations: Record<string, string> }[] = [
    ...[1, 2, 3].map((i) => ({ spec: replica(i), annotations: {} })),
    // Equal parts that are not the same objects, and parts that differ.
    { spec: replica(4, restrictedSc()), annotations: {} },
    { spec: replica(5, { ...sharedSc, privileged: true }), annotations: {} },
    { spec: replica(6, sharedSc, { livenessProbe: { httpGet: { host: 'h', port: 1 } } }), annotations: {} },
    { spec: replica(7, sharedSc, { livenessProbe: { httpGet: { port: 1 } } }), annotations: {} },
    { spec: { ...replica(8), volumes: [hostPath] }, annotations: {} },
    { spec: { ...replica(9), volumes: [hostPath, { name: 'x' }] }, annotations: {} },
    { spec: { ...replica(10), volumes: [{ ...hostPath }] }, annotations: {} },
    {
      spec: replica(12),
      annotations: { 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined' },
    },
    { spec: replica(13), annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined', x: 'y' } },
    { spec: replica(13), annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'runtime/default' } },
    { spec: { ...replica(14), containers: [sharedSc] }, annotations: {} },
    { spec: { ...replica(15), containers: [[sharedSc]] }, annotations: {} },
    { spec: { ...replica(17), initContainers: [], containers: [] }, annotations: {} },
    { spec: { ...replica(18), initContainers: [] }, annotations: {} },
    { spec: { ...replica(19), hostPID: true }, annotations: {} },
    { spec: { hostPID: true, ...replica(20) }, annotations: {} },
    ...MUTATIONS.map(([, mutate, annotations]) => {
      const spec = restrictedPod();
      mutate(spec);
      return { spec, annotations };
    }),
    { spec: restrictedPod(), annotations: {} },
  ];

  test('two pods share verdicts exactly when their key texts are equal, in whatever order they come', () => {
    for (const order of [pods, [...pods].reverse()]) {
      const pss = new PssEvaluator();
      const verdicts = order.map((p) => pss.verdicts(p));
      for (let a = 0; a < order.length; a++)
        for (let b = 0; b < order.length; b++)
          expect([a, b, verdicts[a] === verdicts[b]]).toEqual([
            a,
            b,
            pssInputKey(order[a]) === pssInputKey(order[b]),
          ]);
    }
  });

  test('replicas with shared parts share one evaluation, and its verdicts are the direct ones', () => {
    const pss = new PssEvaluator();
    const first = pss.verdicts(pods[0]);
    expect(pss.verdicts(pods[1])).toBe(first);
    expect(pss.verdicts(pods[2])).toBe(first);
    expect(pss.size).toBe(1);
    sameAsDirect(pods[0].spec, {});
  });

  test('past the bounded tree, pods still get their own verdicts (through the key text)', () => {
    const pss = new PssEvaluator();
    // Each pod's own hostPath volume object makes its path new: 3,000 pods need more nodes than the tree holds.
    const many = Array.from({ length: 3000 }, (_, i) => ({
      spec: { ...replica(i), volumes: [{ name: 'h', hostPath: { path: `/p${i % 2}` } }] },
      annotations: {},
    }));
    const verdicts = many.map((p) => pss.verdicts(p));
    expect(pss.size).toBe(2);
    expect(verdicts[2999]).toBe(verdicts[1]);
    expect(verdicts[2998]).toBe(verdicts[0]);
    expect(verdicts[2999]).not.toBe(verdicts[2998]);
    expect(verdicts[2999].controls).toEqual(podSecurityLevel(many[2999]).controls);
  });
});
