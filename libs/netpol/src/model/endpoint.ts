/**
 * Endpoints as Calico sees them: pods (workload endpoints) with the labels Calico adds, network sets, and
 * bare IP addresses outside the cluster.
 */
import type { KubeObject } from '@watchpost/shared';
import type { LabelSet } from '../selector/selector.js';
import type { Cidr, IpAddress } from './cidr.js';

/** Label Calico adds to every workload endpoint with the pod's namespace. */
export const CALICO_NAMESPACE_LABEL = 'projectcalico.org/namespace';
/** Label Calico adds to namespace profiles with the namespace's name (usable in namespaceSelector). */
export const CALICO_NAME_LABEL = 'projectcalico.org/name';
/** Label Calico adds to workload endpoints with the pod's orchestrator (`k8s`). */
export const CALICO_ORCHESTRATOR_LABEL = 'projectcalico.org/orchestrator';
/** Label Calico adds to workload endpoints with the pod's service account name. */
export const CALICO_SERVICEACCOUNT_LABEL = 'projectcalico.org/serviceaccount';

/** A namespace with the labels a namespaceSelector is evaluated against. */
export interface NamespaceInfo {
  name: string;
  /** Namespace labels plus `projectcalico.org/name` and `kubernetes.io/metadata.name`. */
  labels: LabelSet;
  /** False for a namespace a pod names but the namespace list lacked. */
  listed: boolean;
}

/** A container port with a name, for named-port rules. */
export interface NamedPort {
  name: string;
  port: number;
  protocol: string;
}

/** A pod as a Calico workload endpoint. */
export interface PodEndpoint {
  kind: 'pod';
  /** `namespace/name`. */
  key: string;
  namespace: string;
  name: string;
  /** Pod labels plus the Calico-added `projectcalico.org/{namespace,orchestrator,serviceaccount}`. */
  labels: LabelSet;
  ns: NamespaceInfo;
  serviceAccount: string;
  /** Labels of the pod's service account (for `serviceAccountSelector` / `serviceAccounts.selector`). */
  serviceAccountLabels: LabelSet;
  ips: IpAddress[];
  ports: NamedPort[];
  os: 'linux' | 'windows';
  hostNetwork: boolean;
  node?: string;
  /** Whether Calico enforces policy on this pod at all, and if not, why. */
  enforced: boolean;
  notEnforcedReason?: string;
  /** True for the stand-in "new pod" used to judge a namespace as a whole. */
  synthetic?: boolean;
  object?: KubeObject;
}

/** A NetworkSet or GlobalNetworkSet: labelled nets that selectors can pick. */
export interface NetworkSetEndpoint {
  kind: 'networkset';
  /** `NetworkSet ns/name` or `GlobalNetworkSet name`. */
  key: string;
  namespace?: string;
  name: string;
  /** Set labels (plus `projectcalico.org/namespace` for a namespaced set). */
  labels: LabelSet;
  ns?: NamespaceInfo;
  nets: Cidr[];
}

/** An address outside any pod, with the network sets that contain it. */
export interface IpEndpoint {
  kind: 'ip';
  key: string;
  ip: IpAddress;
  sets: NetworkSetEndpoint[];
}

/** Either end of a connection. */
export type Peer = PodEndpoint | IpEndpoint;

/** A connection's protocol and destination port (source ports are unknown and treated as such). */
export interface Connection {
  /** Upper-case protocol name: TCP, UDP, SCTP, ICMP, ICMPV6, UDPLITE, or a number as text. */
  protocol: string;
  port?: number;
}

/** The address a peer uses in this connection: its first address of the destination's family when both exist. */
export function peerAddress(peer: Peer, family?: 4 | 6): IpAddress | undefined {
  if (peer.kind === 'ip') return peer.ip;
  return (family ? peer.ips.find((i) => i.family === family) : undefined) ?? peer.ips[0];
}
