/* eslint-disable @nx/enforce-module-boundaries -- checks the shipped manifests against the agent's own list of LISTed resources and its own workload checks, so they cannot drift apart. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { CONSTRAINTS_GROUP, RESOURCES } from '../apps/agent/src/collectors/resources.js';
import { readBundle } from '../apps/agent/src/collectors/bundle.reader.js';
import { runChecks } from '../apps/agent/src/scan/runner.js';
import { registeredChecks } from '../apps/agent/src/checks/registry.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- free-form manifest YAML walked in assertions */
type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [k: string]: any;
};

/** `kubectl kustomize DIR` (kubectl 1.32 with kustomize v5; no cluster needed), parsed. */
function render(dir: string): Obj[] {
  const out = execFileSync('kubectl', ['kustomize', join(ROOT, dir)], { encoding: 'utf8' });
  return parseAllDocuments(out).map((d) => d.toJS() as Obj);
}

const OVERLAYS = {
  agentHci: 'deploy/agent/overlays/aks-hci',
  agentAks: 'deploy/agent/overlays/aks',
  hub: 'deploy/hub/base',
  hubPostgres: 'deploy/hub/overlays/postgres',
};
const rendered = Object.fromEntries(Object.entries(OVERLAYS).map(([k, dir]) => [k, render(dir)])) as Record<
  keyof typeof OVERLAYS,
  Obj[]
>;
const one = (objs: Obj[], kind: string, name?: string): Obj => {
  const found = objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name ?? ''}, rendered ${found.length}`);
  return found[0];
};
const WORKLOAD_KINDS = new Set(['Deployment', 'DaemonSet', 'StatefulSet']);
const workloads = (objs: Obj[]) => objs.filter((o) => WORKLOAD_KINDS.has(o.kind));
const containersOf = (w: Obj): any[] => [
  ...(w.spec.template.spec.initContainers ?? []),
  ...w.spec.template.spec.containers,
];

describe('deploy/ manifests, rendered with kubectl kustomize', () => {
  it('grant the agent read-only access to exactly the resources it lists, on both platforms', () => {
    for (const objs of [rendered.agentHci, rendered.agentAks]) {
      const role = one(objs, 'ClusterRole');
      const rules = role.rules as { apiGroups?: string[]; resources?: string[]; verbs: string[] }[];
      expect([...new Set(rules.flatMap((r) => r.verbs))].sort()).toEqual(['get', 'list']);
      const granted = new Set(
        rules.flatMap((r) =>
          (r.resources ?? []).flatMap((res) => (r.apiGroups ?? []).map((g) => `${g}/${res}`)),
        ),
      );
      const needed = [...RESOURCES.map((r) => `${r.group}/${r.plural}`), `${CONSTRAINTS_GROUP.group}/*`];
      expect(needed.filter((n) => !granted.has(n))).toEqual([]);
      expect([...granted].filter((g) => !needed.includes(g))).toEqual([]);
      const binding = one(objs, 'ClusterRoleBinding');
      expect(binding.subjects).toEqual([
        { kind: 'ServiceAccount', name: 'watchpost-agent', namespace: 'watchpost' },
      ]);
    }
  });

  it('use images of the same version as the artifacts npm run package builds', () => {
    const images = Object.values(rendered).flatMap((objs) =>
      workloads(objs).flatMap((w) => containersOf(w).map((c: { image: string }) => c.image)),
    );
    const ours = images.filter((i) => i.startsWith('watchpost/'));
    expect(ours.length).toBeGreaterThanOrEqual(6);
    for (const image of ours)
      expect(image).toMatch(new RegExp(`^watchpost/watchpost-(agent|hub):${VERSION}$`));
    const dockerfiles = ['agent', 'hub'].map((a) =>
      readFileSync(join(ROOT, 'deploy', 'docker', `${a}.Dockerfile`), 'utf8'),
    );
    for (const [i, app] of ['agent', 'hub'].entries()) {
      // Multi-stage, the artifact inside, a numeric non-root user in the final stage.
      expect(dockerfiles[i].match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
      expect(dockerfiles[i]).toContain(`scripts/package.mjs --only ${app}`);
      expect(dockerfiles[i]).toContain(`watchpost-${app}-*-linux-x64.tar.gz`);
      expect(dockerfiles[i]).toMatch(/^USER 10001:10001$/m);
    }
  });

  it('set security contexts everywhere: no privilege escalation, read-only root, all capabilities dropped', () => {
    for (const objs of Object.values(rendered))
      for (const w of workloads(objs))
        for (const c of containersOf(w)) {
          expect({ workload: w.metadata.name, container: c.name, ...c.securityContext }).toMatchObject({
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          });
          expect({ container: c.name, memoryLimit: typeof c.resources?.limits?.memory }).toEqual({
            container: c.name,
            memoryLimit: 'string',
          });
        }
    // Everything but the AKS-hybrid DaemonSet (root reads the control plane's 0600 keys) runs as non-root.
    for (const objs of [rendered.agentAks, rendered.hub, rendered.hubPostgres])
      for (const w of workloads(objs)) {
        expect({
          name: w.metadata.name,
          nonRoot: w.spec.template.spec.securityContext?.runAsNonRoot,
        }).toEqual({
          name: w.metadata.name,
          nonRoot: true,
        });
      }
  });

  it('probe the hub and Mosquitto, and run the DaemonSet on control-plane nodes with read-only host mounts', () => {
    for (const objs of [rendered.hub, rendered.hubPostgres]) {
      const hub = one(objs, 'StatefulSet', 'watchpost-hub').spec.template.spec.containers[0];
      expect(hub.readinessProbe.httpGet).toMatchObject({ path: '/readyz', scheme: 'HTTPS' });
      expect(hub.livenessProbe.httpGet).toMatchObject({ path: '/healthz', scheme: 'HTTPS' });
    }
    const mosquitto = one(rendered.hubPostgres, 'Deployment', 'watchpost-mosquitto').spec.template.spec
      .containers[0];
    expect(mosquitto.readinessProbe.tcpSocket.port).toBe('mqtts');

    const ds = one(rendered.agentHci, 'DaemonSet');
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
    expect(pod.volumes.find((v: { name: string }) => v.name === 'store').hostPath.path).toBe(
      '/var/lib/watchpost',
    );
    // Agents have no HTTP port: liveness asks `status`, which answers from the store, and restarts only a stale daemon.
    for (const objs of [rendered.agentHci, rendered.agentAks]) {
      const probe = workloads(objs)[0].spec.template.spec.containers[0].livenessProbe;
      expect(probe.exec.command.join(' ')).toMatch(/watchpost-agent status .*test \$\? -ne 4/);
      // The operator's exemptions and overrides come from an optional ConfigMap (docs/agent.md).
      expect(workloads(objs)[0].spec.template.spec.containers[0].envFrom).toContainEqual({
        configMapRef: { name: 'watchpost-agent-policy', optional: true },
      });
    }
  });

  it('run the AKS agent with API-only collectors and a single replica', () => {
    const dep = one(rendered.agentAks, 'Deployment');
    expect(dep.spec.replicas).toBe(1);
    expect(dep.spec.template.spec.containers[0].env).toContainEqual({
      name: 'WATCHPOST_EVIDENCE_API_ONLY',
      value: 'true',
    });
    expect(JSON.stringify(dep.spec.template.spec.volumes)).not.toContain('hostPath');
    expect(dep.spec.template.metadata.labels['azure.workload.identity/use']).toBe('true');
    const config = one(rendered.agentAks, 'ConfigMap', 'watchpost-agent').data as Record<string, string>;
    expect(config.WATCHPOST_AZURE_RESOURCE_ID).toMatch(
      /\/providers\/Microsoft\.ContainerService\/managedClusters\//,
    );
    expect(one(rendered.agentAks, 'Namespace').metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe(
      'restricted',
    );
  });

  it('run one SQLite hub with its embedded broker, or several PostgreSQL hubs sharing reports through Mosquitto', () => {
    const single = one(rendered.hub, 'StatefulSet', 'watchpost-hub');
    expect(single.spec.replicas).toBe(1);
    const env = (objs: Obj[]) => one(objs, 'ConfigMap', 'watchpost-hub').data as Record<string, string>;
    expect(env(rendered.hub).WATCHPOST_MQTT_URL).toBeUndefined();
    expect(env(rendered.hub).WATCHPOST_DB_PATH).toMatch(/^\/var\/lib\/watchpost-hub\//);

    const multi = one(rendered.hubPostgres, 'StatefulSet', 'watchpost-hub');
    expect(multi.spec.replicas).toBeGreaterThan(1);
    expect(env(rendered.hubPostgres).WATCHPOST_MQTT_URL).toMatch(/^mqtts:\/\/watchpost-mosquitto\./);
    expect(env(rendered.hubPostgres).WATCHPOST_MQTT_SHARE_GROUP).toBe('watchpost-hub');
    const hubEnv = multi.spec.template.spec.containers[0].env as { name: string; valueFrom?: unknown }[];
    expect(hubEnv.find((e) => e.name === 'WATCHPOST_DB_URL')?.valueFrom).toEqual({
      secretKeyRef: { name: 'watchpost-hub-db', key: 'url' },
    });
    // The shipped Mosquitto configuration and ACL, verbatim.
    const cm = rendered.hubPostgres.find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('watchpost-mosquitto'),
    )!;
    expect(cm.data['mosquitto.conf']).toBe(
      readFileSync(join(ROOT, 'deploy', 'hci', 'mosquitto', 'mosquitto.conf'), 'utf8'),
    );
    expect(cm.data['acl']).toBe(readFileSync(join(ROOT, 'deploy', 'hci', 'mosquitto', 'acl'), 'utf8'));

    // Each replica's MQTT identity is its pod name (watchpost-hub-0, -1, ...), and the ACL grants every one of
    // them the hub's rights: otherwise a replica would connect but read nothing.
    const clientId = (hubEnv as { name: string; value?: string }[]).find(
      (e) => e.name === 'WATCHPOST_MQTT_CLIENT_ID',
    )?.value;
    expect(clientId).toBe('$(POD_NAME)');
    const hubUsers = new Set(
      (cm.data['acl'] as string)
        .split('\n')
        .filter((l) => l.startsWith('user '))
        .map((l) => l.slice('user '.length).trim()),
    );
    for (let i = 0; i < (multi.spec.replicas as number); i++) {
      expect(hubUsers).toContain(`${multi.metadata.name}-${i}`);
    }
  });

  describe("scanned by the agent's own workload checks", () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'watchpost-manifests-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    /** A bundle holding the rendered workloads (as `kubectl get -A -o json` would list them) and their namespaces. */
    async function scanWorkloads(objs: Obj[], namespace?: string) {
      const bundle = mkdtempSync(join(dir, 'b-'));
      mkdirSync(join(bundle, 'kube'));
      const moved = objs.map((o) =>
        namespace && o.metadata.namespace ? { ...o, metadata: { ...o.metadata, namespace } } : o,
      );
      const list = (items: Obj[]) => JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
      const namespaces = moved.filter((o) => o.kind === 'Namespace');
      if (namespace)
        namespaces.push({
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: namespace, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
        });
      writeFileSync(join(bundle, 'kube', 'namespaces.json'), list(namespaces));
      for (const file of ['pods.json', 'replicasets.apps.json', 'jobs.batch.json', 'cronjobs.batch.json'])
        writeFileSync(join(bundle, 'kube', file), list([]));
      for (const [kind, file] of [
        ['Deployment', 'deployments.apps.json'],
        ['DaemonSet', 'daemonsets.apps.json'],
        ['StatefulSet', 'statefulsets.apps.json'],
      ])
        writeFileSync(join(bundle, 'kube', file), list(moved.filter((o) => o.kind === kind)));
      writeFileSync(
        join(bundle, 'cluster.json'),
        JSON.stringify({ name: 'self-scan', platform: 'aks-hci', role: 'workload' }),
      );
      const evidence = await readBundle(bundle);
      // Pod-spec checks only: azure-policy-addon and image-signature-verification judge the cluster's admission
      // setup, and image-provenance the registry the operator pushes our images to, not these manifests.
      const clusterLevel = ['azure-policy-addon', 'image-signature-verification', 'image-provenance'];
      const workloadChecks = registeredChecks().filter(
        (c) => c.definition.area === 'workload' && !clusterLevel.includes(c.definition.id),
      );
      const report = runChecks(evidence, { now: new Date('2026-06-01T00:00:00Z'), checks: workloadChecks });
      // What the manifests decide: each workload's pod spec. Cluster-wide checks of the workload area (admission
      // add-ons) judge the cluster, not these files; where images come from is the operator's registry
      // (kustomize `images: newName`, digests), which deploy/README.md asks them to set.
      return report.results.filter(
        (r) =>
          (r.outcome === 'fail' || r.outcome === 'warn' || r.outcome === 'error') &&
          r.resource.kind !== 'Cluster' &&
          r.checkId !== 'image-provenance',
      );
    }

    it('the hub, Mosquitto and the AKS agent have no workload finding, even outside a platform namespace', async () => {
      for (const objs of [rendered.hub, rendered.hubPostgres, rendered.agentAks]) {
        expect((await scanWorkloads(objs)).map((r) => `${r.checkId} ${r.resource?.name ?? ''}`)).toEqual([]);
        expect(
          (await scanWorkloads(objs, 'team-apps')).map((r) => `${r.checkId} ${r.resource?.name ?? ''}`),
        ).toEqual([]);
      }
    });

    it('the AKS-hybrid DaemonSet is clean in its namespace, and elsewhere shows only the host access it needs', async () => {
      expect(await scanWorkloads(rendered.agentHci)).toEqual([]);
      const elsewhere = new Set((await scanWorkloads(rendered.agentHci, 'team-apps')).map((r) => r.checkId));
      expect([...elsewhere].sort()).toEqual(
        [...elsewhere]
          // Host access, and the namespace's `restricted` level rejecting exactly that (pod-security-level).
          .filter((id) =>
            ['pod-host-namespaces', 'pod-host-path', 'pod-run-as-root', 'pod-security-level'].includes(id),
          )
          .sort(),
      );
      expect(elsewhere.has('pod-host-path')).toBe(true);
    });
  });
});
