/** Builders of `kubectl get -o json`-shaped objects for engine and check tests. */
import type { KubeObject } from '@watchpost/shared';

/** A running pod with labels, an IP and optional container ports. */
export function pod(
  ns: string,
  name: string,
  labels: Record<string, string>,
  ip: string,
  extra: {
    ports?: { name?: string; containerPort: number; protocol?: string }[];
    sa?: string;
    node?: string;
    hostNetwork?: boolean;
    os?: string;
  } = {},
): KubeObject {
  const spec: Record<string, unknown> = {
    serviceAccountName: extra.sa ?? 'default',
    containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10', ports: extra.ports ?? [] }],
  };
  if (extra.node) spec['nodeName'] = extra.node;
  if (extra.hostNetwork) spec['hostNetwork'] = true;
  if (extra.os) spec['os'] = { name: extra.os };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels, uid: `uid-${ns}-${name}` },
    spec,
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] },
  };
}

/** A namespace with labels (the API server's `kubernetes.io/metadata.name` included). */
export function namespace(name: string, labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

/** A `networking.k8s.io/v1` NetworkPolicy. */
export function k8sPolicy(ns: string, name: string, spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace: ns },
    spec,
  };
}

/** A Calico NetworkPolicy (`crd.projectcalico.org/v1` unless another apiVersion is given). */
export function calicoPolicy(
  ns: string,
  name: string,
  spec: Record<string, unknown>,
  apiVersion = 'crd.projectcalico.org/v1',
): KubeObject {
  return { apiVersion, kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec };
}

/** A Calico GlobalNetworkPolicy. */
export function globalPolicy(
  name: string,
  spec: Record<string, unknown>,
  apiVersion = 'crd.projectcalico.org/v1',
): KubeObject {
  return { apiVersion, kind: 'GlobalNetworkPolicy', metadata: { name }, spec };
}

/** A Calico GlobalNetworkSet. */
export function globalNetworkSet(name: string, labels: Record<string, string>, nets: string[]): KubeObject {
  return {
    apiVersion: 'crd.projectcalico.org/v1',
    kind: 'GlobalNetworkSet',
    metadata: { name, labels },
    spec: { nets },
  };
}

/** A Calico NetworkSet. */
export function networkSet(
  ns: string,
  name: string,
  labels: Record<string, string>,
  nets: string[],
): KubeObject {
  return {
    apiVersion: 'crd.projectcalico.org/v1',
    kind: 'NetworkSet',
    metadata: { name, namespace: ns, labels },
    spec: { nets },
  };
}

/** A Calico Tier. */
export function tier(name: string, order?: number): KubeObject {
  return {
    apiVersion: 'crd.projectcalico.org/v1',
    kind: 'Tier',
    metadata: { name },
    spec: order === undefined ? {} : { order },
  };
}
