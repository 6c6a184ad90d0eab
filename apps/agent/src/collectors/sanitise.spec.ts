import { describe, expect, test } from '@jest/globals';
import type { KubeObject } from '@watchpost/shared';
import { PodSharing } from './sanitise.js';

function pod(
  name: string,
  container: Record<string, unknown>,
  spec: Record<string, unknown> = {},
): KubeObject {
  return JSON.parse(
    JSON.stringify({ metadata: { name }, spec: { ...spec, containers: [{ name: 'app', ...container }] } }),
  ) as KubeObject;
}

function container(p: KubeObject): Record<string, unknown> {
  return (p['spec'] as { containers: Record<string, unknown>[] }).containers[0];
}

const CONTEXT = {
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

describe('PodSharing', () => {
  test('replicas share one copy of an alike part; the JSON of every pod stays its own', () => {
    const sharing = new PodSharing();
    const a = pod('a', { securityContext: CONTEXT, ports: [{ containerPort: 80 }] });
    const b = pod('b', { securityContext: CONTEXT, ports: [{ containerPort: 80 }] });
    const before = JSON.stringify(b);
    sharing.share(a);
    sharing.share(b);
    expect(container(b)['securityContext']).toBe(container(a)['securityContext']);
    expect(container(b)['ports']).toBe(container(a)['ports']);
    expect(JSON.stringify(b)).toBe(before);
  });

  test.each([
    ['a value differs deep down', CONTEXT, { ...CONTEXT, capabilities: { drop: ['NET_RAW'] } }],
    ['a key more', CONTEXT, { ...CONTEXT, privileged: false }],
    [
      'the same keys in another order',
      CONTEXT,
      Object.assign({ seccompProfile: CONTEXT.seccompProfile }, CONTEXT),
    ],
    ['an array where an object was', CONTEXT, { ...CONTEXT, capabilities: [['ALL']] }],
    ['a string where a number was', { ...CONTEXT, runAsUser: 1000 }, { ...CONTEXT, runAsUser: '1000' }],
  ])('%s: not shared', (_name, first, second) => {
    const sharing = new PodSharing();
    const a = pod('a', { securityContext: first });
    const b = pod('b', { securityContext: second });
    const before = JSON.stringify(b);
    sharing.share(a);
    sharing.share(b);
    expect(container(b)['securityContext']).not.toBe(container(a)['securityContext']);
    expect(JSON.stringify(b)).toBe(before);
  });

  test('the pod-level parts too, and a part one pod lacks is not added to it', () => {
    const sharing = new PodSharing();
    const a = pod(
      'a',
      { resources: { limits: { memory: '512Mi' } } },
      { tolerations: [{ operator: 'Exists' }] },
    );
    const b = pod('b', {}, { tolerations: [{ operator: 'Exists' }] });
    sharing.share(a);
    sharing.share(b);
    expect((b['spec'] as Record<string, unknown>)['tolerations']).toBe(
      (a['spec'] as Record<string, unknown>)['tolerations'],
    );
    expect('resources' in container(b)).toBe(false);
  });

  test('past 16 distinct values a field keeps the rest as they are, still sharing those it holds', () => {
    const sharing = new PodSharing();
    const pods = Array.from({ length: 40 }, (_, i) =>
      pod(`p${i}`, { resources: { requests: { cpu: `${i % 20}m` } } }),
    );
    for (const p of pods) sharing.share(p);
    const distinct = new Set(pods.map((p) => container(p)['resources']));
    // 16 kept values, plus one copy each of the 4 values that came after and of their 4 repeats
    expect(distinct.size).toBe(16 + 8);
    pods.forEach((p, i) => expect(container(p)['resources']).toEqual({ requests: { cpu: `${i % 20}m` } }));
  });
});
