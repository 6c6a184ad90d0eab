import type { Probe } from './probe.js';

export type { Probe, ProbeContext } from './probe.js';

/** Live probes, run after the kube and host collectors, in this order. */
export const PROBES: Probe[] = [];
