/* eslint-disable @nx/enforce-module-boundaries -- checks the shipped manifests against the agent's own list of LISTed resources, so they cannot drift apart. */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { RESOURCES } from '../apps/agent/src/collectors/resources.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'deploy', 'hci', 'agent');
type Doc = {
  kind: string;
  metadata: { name: string };
  rules?: { apiGroups?: string[]; resources?: string[]; verbs: string[]; nonResourceURLs?: string[] }[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking free-form manifest YAML in assertions
  spec?: any;
};
const load = (file: string): Doc[] =>
  parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((d) => d.toJS() as Doc);

describe('deploy/hci agent manifests', () => {
  it('grant read-only access to exactly the resources the agent lists', () => {
    const role = load('rbac.yaml').find((d) => d.kind === 'ClusterRole')!;
    const verbs = new Set(role.rules!.flatMap((r) => r.verbs));
    expect([...verbs].sort()).toEqual(['get', 'list']);
    const granted = new Set(
      role.rules!.flatMap((r) =>
        (r.resources ?? []).flatMap((res) => (r.apiGroups ?? []).map((g) => `${g}/${res}`)),
      ),
    );
    const needed = RESOURCES.map((r) => `${r.group}/${r.plural}`);
    expect(needed.filter((n) => !granted.has(n))).toEqual([]);
    expect([...granted].filter((g) => !needed.includes(g))).toEqual([]);
  });

  it('run the DaemonSet on control-plane nodes with read-only host mounts and the store on a hostPath', () => {
    const ds = load('daemonset.yaml').find((d) => d.kind === 'DaemonSet')!;
    const pod = ds.spec.template.spec;
    expect(pod.tolerations.map((t: { key: string }) => t.key)).toContain(
      'node-role.kubernetes.io/control-plane',
    );
    const agent = pod.containers[0];
    const mounts = Object.fromEntries(
      agent.volumeMounts.map((m: { mountPath: string; readOnly?: boolean }) => [
        m.mountPath,
        m.readOnly ?? false,
      ]),
    );
    expect(mounts['/host/etc/kubernetes']).toBe(true);
    expect(mounts['/host/var/lib/kubelet']).toBe(true);
    expect(mounts['/var/lib/watchpost']).toBe(false);
    const store = pod.volumes.find((v: { name: string }) => v.name === 'store');
    expect(store.hostPath.path).toBe('/var/lib/watchpost');
    expect(agent.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
    });
  });

  it('run the AKS variant with API-only collectors and a single replica', () => {
    const dep = load('aks-deployment.yaml').find((d) => d.kind === 'Deployment')!;
    expect(dep.spec.replicas).toBe(1);
    const env = dep.spec.template.spec.containers[0].env;
    expect(env).toContainEqual({ name: 'WATCHPOST_EVIDENCE_API_ONLY', value: 'true' });
    expect(JSON.stringify(dep.spec.template.spec.volumes)).not.toContain('hostPath');
  });
});
