/**
 * Token bucket per key (client IP), in memory: `perMinute` requests refill evenly over a minute, with bursts up
 * to `perMinute`. Per hub process; behind a load balancer with several replicas the effective limit is
 * replicas x perMinute, which is fine for its purpose (slowing token guessing, not accounting).
 */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly maxKeys = 10_000,
  ) {}

  /** Takes one token for `key`; returns 0 when allowed, else the ms until the next token. */
  take(key: string, nowMs: number): number {
    const rate = this.perMinute / 60_000;
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= this.maxKeys) this.evict(nowMs);
      b = { tokens: this.perMinute, at: nowMs };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(this.perMinute, b.tokens + (nowMs - b.at) * rate);
    b.at = nowMs;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - b.tokens) / rate);
  }

  /** Forgets full buckets (they behave like new ones), then the oldest if still too many. */
  private evict(nowMs: number): void {
    const rate = this.perMinute / 60_000;
    for (const [k, b] of this.buckets) {
      if (b.tokens + (nowMs - b.at) * rate >= this.perMinute) this.buckets.delete(k);
    }
    while (this.buckets.size >= this.maxKeys) {
      const first = this.buckets.keys().next().value as string;
      this.buckets.delete(first);
    }
  }
}
