import type { Connection, Peer, PolicyEngine } from '@watchpost/netpol';

/** A TEST-NET-1 address (RFC 5737): stands for "some address outside the cluster" that no rule names on purpose. */
export const OUTSIDE_ADDRESS = '192.0.2.10';
/** A namespace name no cluster has: its new pod stands for "an unrelated workload". */
export const PROBE_NAMESPACE = 'watchpost-probe-unrelated';
/** A port nobody allows on purpose, for "any port" questions. */
export const ANY_PORT: Connection = { protocol: 'TCP', port: 1 };

/** The unrelated peers a default deny must refuse: a pod in another namespace, and an outside address. */
export function unrelatedPeers(engine: PolicyEngine): { label: string; peer: Peer }[] {
  return [
    { label: 'a pod in another namespace', peer: engine.syntheticPod(PROBE_NAMESPACE) },
    { label: `an outside address (${OUTSIDE_ADDRESS})`, peer: engine.ipPeer(OUTSIDE_ADDRESS) },
  ];
}
