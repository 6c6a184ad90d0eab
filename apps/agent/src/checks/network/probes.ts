import type { Connection, Peer, PolicyEngine } from '@watchpost/netpol';

/** A TEST-NET-1 address (RFC 5737): stands for "some address outside the cluster" that no rule names on purpose. */
export const OUTSIDE_ADDRESS = '192.0.2.10';
/** A namespace name no cluster has: its new pod stands for "an unrelated workload". */
export const PROBE_NAMESPACE = 'watchpost-probe-unrelated';
/** A port nobody allows on purpose, for "any port" questions. */
export const ANY_PORT: Connection = { protocol: 'TCP', port: 1 };

/**
 * The unrelated peers a default deny must refuse: a pod in another namespace, and an outside address. Made once
 * per engine (the checks ask for them per namespace and only read them), so an outside peer is one object and
 * its decisions are shared per label set as the engine shares them.
 */
export function unrelatedPeers(engine: PolicyEngine): readonly { label: string; peer: Peer }[] {
  let peers = probes.get(engine);
  if (!peers)
    probes.set(
      engine,
      (peers = [
        { label: 'a pod in another namespace', peer: engine.syntheticPod(PROBE_NAMESPACE) },
        { label: `an outside address (${OUTSIDE_ADDRESS})`, peer: engine.ipPeer(OUTSIDE_ADDRESS) },
      ]),
    );
  return peers;
}

const probes = new WeakMap<PolicyEngine, readonly { label: string; peer: Peer }[]>();
