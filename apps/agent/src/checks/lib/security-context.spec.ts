import { describe, expect, test } from '@jest/globals';
import type { Evidence, KubeObject } from '@watchpost/shared';
import { topLevelPodSpecs, type PodSpec } from './pod-specs.js';
import {
  effectiveSecurityContext,
  effectiveSecurityContextKey,
  podOs,
  profileFromAnnotation,
  reportedUid,
} from './security-context.js';

const nginx = (sc?: Record<string, unknown>) => ({
  name: 'nginx',
  image: 'nginx:1.27',
  ...(sc ? { securityContext: sc } : {}),
});

describe('effectiveSecurityContext precedence', () => {
  test('container runAsUser/runAsNonRoot override the pod, and say where they came from', () => {
    const spec: PodSpec = { securityContext: { runAsUser: 1000, runAsNonRoot: true, runAsGroup: 3000 } };
    const sc = effectiveSecurityContext(spec, {}, nginx({ runAsUser: 0, runAsNonRoot: false }));
    expect(sc.runAsUser).toEqual({ value: 0, source: 'container' });
    expect(sc.runAsNonRoot).toEqual({ value: false, source: 'container' });
    expect(sc.runAsGroup).toEqual({ value: 3000, source: 'pod' });
  });

  test('runAsUser 0 at pod level is still seen when the container says nothing', () => {
    const sc = effectiveSecurityContext({ securityContext: { runAsUser: 0 } }, {}, nginx());
    expect(sc.runAsUser).toEqual({ value: 0, source: 'pod' });
  });

  test('seccomp: container field > pod field > container annotation > pod annotation', () => {
    const ann = {
      'seccomp.security.alpha.kubernetes.io/pod': 'unconfined',
      'container.seccomp.security.alpha.kubernetes.io/nginx': 'localhost/profiles/audit.json',
    };
    const withPod: PodSpec = { securityContext: { seccompProfile: { type: 'RuntimeDefault' } } };
    expect(
      effectiveSecurityContext(withPod, ann, nginx({ seccompProfile: { type: 'Unconfined' } })).seccomp,
    ).toEqual({ type: 'Unconfined', source: 'container' });
    expect(effectiveSecurityContext(withPod, ann, nginx()).seccomp).toEqual({
      type: 'RuntimeDefault',
      source: 'pod',
    });
    expect(effectiveSecurityContext({}, ann, nginx()).seccomp).toEqual({
      type: 'Localhost',
      localhostProfile: 'profiles/audit.json',
      source: 'container-annotation',
    });
    expect(
      effectiveSecurityContext({}, { 'seccomp.security.alpha.kubernetes.io/pod': 'docker/default' }, nginx())
        .seccomp,
    ).toEqual({ type: 'RuntimeDefault', source: 'pod-annotation' });
    expect(effectiveSecurityContext({}, {}, nginx()).seccomp).toBeUndefined();
  });

  test('AppArmor: container field > container annotation > pod field; annotations of other containers do not apply', () => {
    const pod: PodSpec = { securityContext: { appArmorProfile: { type: 'RuntimeDefault' } } };
    const ann = {
      'container.apparmor.security.beta.kubernetes.io/nginx': 'unconfined',
      'container.apparmor.security.beta.kubernetes.io/sidecar': 'localhost/x',
    };
    expect(
      effectiveSecurityContext(
        pod,
        ann,
        nginx({ appArmorProfile: { type: 'Localhost', localhostProfile: 'k8s-nginx' } }),
      ).appArmor,
    ).toEqual({ type: 'Localhost', localhostProfile: 'k8s-nginx', source: 'container' });
    expect(effectiveSecurityContext(pod, ann, nginx()).appArmor).toEqual({
      type: 'Unconfined',
      source: 'container-annotation',
    });
    expect(effectiveSecurityContext(pod, {}, nginx()).appArmor).toEqual({
      type: 'RuntimeDefault',
      source: 'pod',
    });
  });

  test('windowsOptions.hostProcess: container overrides pod', () => {
    const pod: PodSpec = {
      securityContext: { windowsOptions: { hostProcess: true, runAsUserName: 'NT AUTHORITY\\SYSTEM' } },
    };
    const sc = effectiveSecurityContext(
      pod,
      {},
      nginx({ windowsOptions: { runAsUserName: 'NT AUTHORITY\\Local service' } }),
    );
    expect(sc.hostProcess).toEqual({ value: true, source: 'pod' });
    expect(sc.windowsRunAsUserName).toEqual({ value: 'NT AUTHORITY\\Local service', source: 'container' });
  });

  test('privileged, allowPrivilegeEscalation and capabilities come from the container only', () => {
    const sc = effectiveSecurityContext(
      { securityContext: { privileged: true } },
      {},
      nginx({ capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] } }),
    );
    expect(sc.privileged).toBe(false);
    expect(sc.allowPrivilegeEscalation).toBeUndefined();
    expect(sc.capabilitiesAdd).toEqual(['NET_ADMIN']);
    expect(sc.capabilitiesDrop).toEqual(['ALL']);
  });

  test('legacy annotation values map to field types', () => {
    expect(profileFromAnnotation('runtime/default', 'pod-annotation').type).toBe('RuntimeDefault');
    expect(profileFromAnnotation('unconfined', 'pod-annotation').type).toBe('Unconfined');
    expect(profileFromAnnotation('localhost/a/b.json', 'pod-annotation')).toEqual({
      type: 'Localhost',
      localhostProfile: 'a/b.json',
      source: 'pod-annotation',
    });
  });
});

describe('effectiveSecurityContextKey', () => {
  // Every input the effective context reads, varied: pod and container fields, and the annotations that can
  // name a container (for two container names) or the pod.
  const podScs: (Record<string, unknown> | undefined)[] = [
    undefined,
    {},
    { runAsUser: 1000 },
    { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    { appArmorProfile: { type: 'Unconfined' }, windowsOptions: { hostProcess: true } },
  ];
  const containerScs: (Record<string, unknown> | undefined)[] = [
    undefined,
    { privileged: true },
    { runAsUser: 0, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] } },
    { allowPrivilegeEscalation: false, seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' } },
    { windowsOptions: { runAsUserName: 'ContainerUser' } },
  ];
  const annotationSets: Record<string, string>[] = [
    {},
    { 'seccomp.security.alpha.kubernetes.io/pod': 'runtime/default' },
    { 'container.seccomp.security.alpha.kubernetes.io/app': 'unconfined' },
    { 'container.apparmor.security.beta.kubernetes.io/app': 'localhost/k8s-nginx' },
    { 'container.apparmor.security.beta.kubernetes.io/sidecar': 'unconfined', unrelated: 'x' },
  ];
  const cases: { spec: PodSpec; annotations: Record<string, string>; container: { name: string } }[] = [];
  for (const pod of podScs)
    for (const c of containerScs)
      for (const annotations of annotationSets)
        for (const name of ['app', 'sidecar'])
          cases.push({
            spec: pod ? { securityContext: pod } : {},
            annotations,
            container: { name, ...(c ? { securityContext: c } : {}) },
          });

  test('containers with equal keys have equal effective contexts (a key never hides a difference)', () => {
    const byKey = new Map<string, ReturnType<typeof effectiveSecurityContext>>();
    let shared = 0;
    for (const k of cases) {
      const key = effectiveSecurityContextKey(k.spec, k.annotations, k.container);
      const sc = effectiveSecurityContext(k.spec, k.annotations, k.container);
      const seen = byKey.get(key);
      if (seen) {
        shared++;
        expect(sc).toEqual(seen);
      } else byKey.set(key, sc);
    }
    // Names that no annotation mentions, and annotations no setting reads, do share keys.
    expect(shared).toBeGreaterThan(0);
  });

  test('replicas share a key; a changed setting or a naming annotation gives another', () => {
    const spec = (): PodSpec => ({ securityContext: { runAsNonRoot: true } });
    const c = () => nginx({ allowPrivilegeEscalation: false });
    const key = effectiveSecurityContextKey(spec(), {}, c());
    expect(effectiveSecurityContextKey(spec(), { app: 'web' }, c())).toBe(key);
    expect(effectiveSecurityContextKey(spec(), {}, nginx({ allowPrivilegeEscalation: true }))).not.toBe(key);
    expect(effectiveSecurityContextKey({ securityContext: { runAsNonRoot: false } }, {}, c())).not.toBe(key);
    expect(
      effectiveSecurityContextKey(
        spec(),
        { 'container.apparmor.security.beta.kubernetes.io/nginx': 'unconfined' },
        c(),
      ),
    ).not.toBe(key);
  });
});

describe('podOs', () => {
  const node = (name: string, os: string): KubeObject => ({
    metadata: { name, labels: { 'kubernetes.io/os': os } },
  });
  test('spec.os.name, nodeSelector, affinity, hostProcess and the scheduled node are all signals', () => {
    expect(podOs({ spec: { os: { name: 'windows' } } })).toEqual({ os: 'windows', reason: 'spec.os.name' });
    expect(podOs({ spec: { nodeSelector: { 'kubernetes.io/os': 'windows' } } }).os).toBe('windows');
    const affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'kubernetes.io/os', operator: 'In', values: ['windows'] }] },
          ],
        },
      },
    };
    expect(podOs({ spec: { affinity } })).toEqual({ os: 'windows', reason: 'node affinity' });
    expect(podOs({ spec: { containers: [nginx({ windowsOptions: { hostProcess: true } })] } }).reason).toBe(
      'hostProcess',
    );
    expect(podOs({ spec: { nodeName: 'win-1' } }, new Map([['win-1', node('win-1', 'windows')]])).os).toBe(
      'windows',
    );
    expect(podOs({ spec: {} })).toEqual({ os: 'linux', reason: 'default' });
  });
  test('affinity with terms that disagree (linux OR windows) does not pin the pod', () => {
    const term = (os: string) => ({
      matchExpressions: [{ key: 'kubernetes.io/os', operator: 'In', values: [os] }],
    });
    const affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [term('linux'), term('windows')],
        },
      },
    };
    expect(podOs({ spec: { affinity } }).reason).toBe('default');
  });
});

describe('reportedUid', () => {
  test('reads status.containerStatuses[].user.linux.uid', () => {
    const pod: KubeObject = {
      metadata: { name: 'p' },
      status: { containerStatuses: [{ name: 'a', user: { linux: { uid: 0, gid: 0 } } }, { name: 'b' }] },
    };
    expect(reportedUid(pod, 'a')).toBe(0);
    expect(reportedUid(pod, 'b')).toBeUndefined();
  });
});

describe('topLevelPodSpecs', () => {
  const tmpl = { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [nginx()] } } };
  const ev = (kube: Record<string, KubeObject[]>): Evidence => ({
    schemaVersion: 1,
    collectedAt: '2026-06-01T00:00:00Z',
    cluster: { name: 'c', platform: 'other', role: 'workload' },
    kube: Object.fromEntries(
      [
        'pods',
        'deployments.apps',
        'statefulsets.apps',
        'daemonsets.apps',
        'replicasets.apps',
        'jobs.batch',
        'cronjobs.batch',
      ].map((r) => [r, { status: 'ok' as const, items: kube[r] ?? [] }]),
    ),
    host: {},
    probes: {},
    collectorErrors: [],
    source: 'test',
  });
  const podOf = (owner: { kind: string; name: string }, labels: Record<string, string> = {}): KubeObject => ({
    metadata: {
      name: `${owner.name}-x1`,
      namespace: 'web',
      labels,
      ownerReferences: [{ apiVersion: 'v1', kind: owner.kind, name: owner.name, controller: true }],
    },
    spec: { containers: [nginx()] },
  });
  const deploy: KubeObject = { metadata: { name: 'web', namespace: 'web' }, spec: tmpl };

  test('pods fold into their collected ReplicaSet, and the ReplicaSet into its Deployment', () => {
    const rs: KubeObject = {
      metadata: {
        name: 'web-5d8f',
        namespace: 'web',
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', controller: true }],
      },
      spec: tmpl,
    };
    const r = topLevelPodSpecs(
      ev({
        pods: [podOf({ kind: 'ReplicaSet', name: 'web-5d8f' })],
        'replicasets.apps': [rs],
        'deployments.apps': [deploy],
      }),
    );
    expect(r.sources.map((s) => `${s.kind}/${s.name}`)).toEqual(['Deployment/web']);
    expect(r.skipped).toBe(2);
  });

  test('without replicasets, a pod folds into the Deployment named by its pod-template-hash; a stranger does not', () => {
    const r = topLevelPodSpecs(
      ev({
        pods: [
          podOf({ kind: 'ReplicaSet', name: 'web-5d8f' }, { 'pod-template-hash': '5d8f' }),
          podOf({ kind: 'ReplicaSet', name: 'other-77aa' }, { 'pod-template-hash': '77aa' }),
        ],
        'deployments.apps': [deploy],
      }),
    );
    expect(r.sources.map((s) => `${s.kind}/${s.name}`)).toEqual(['Pod/other-77aa-x1', 'Deployment/web']);
  });

  test('a Job pod folds into its CronJob by the generated job name; static pods stay', () => {
    const cj: KubeObject = {
      metadata: { name: 'nightly', namespace: 'web' },
      spec: { jobTemplate: { spec: tmpl } },
    };
    const r = topLevelPodSpecs(
      ev({
        pods: [podOf({ kind: 'Job', name: 'nightly-29664120' }), podOf({ kind: 'Node', name: 'cp-1' })],
        'cronjobs.batch': [cj],
      }),
    );
    expect(r.sources.map((s) => `${s.kind}/${s.name}`)).toEqual(['Pod/cp-1-x1', 'CronJob/nightly']);
  });
});
