/** Injection token of the hub's clock; tests provide a fixed one so "stale" and "expires in" are deterministic. */
export const HUB_CLOCK = Symbol('HUB_CLOCK');

/** Where "now" comes from. */
export interface HubClock {
  now(): Date;
}

/** The real clock. */
export const systemClock: HubClock = { now: () => new Date() };
