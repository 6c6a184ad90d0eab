import { etcdSecretsProbe } from './etcd-secrets.probe.js';
import { kmsProbe } from './kms.probe.js';
import type { Probe } from './probe.js';
import { tlsEndpointsProbe } from './tls-endpoints.probe.js';

export type { Probe, ProbeContext } from './probe.js';

/** Live probes, run after the kube and host collectors, in this order. */
export const PROBES: Probe[] = [kmsProbe, etcdSecretsProbe, tlsEndpointsProbe];
