// --store-rate: a token bucket per key (a user, or a client address), in a
// bounded map. A bucket idle long enough to be full again is the same as no
// bucket, so idle entries are forgotten without changing any answer.

import { type Clock, systemClock } from '../clock.js';

/** Keys remembered at most; past it full buckets go first, then the least recently used. */
export const DEFAULT_MAX_KEYS = 100_000;
/** An empty bucket is full again after a second (it holds one second's worth). */
const FULL_AFTER_MS = 1000;

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date, in ms. */
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  /** `rate` takes per second on average, in bursts of up to `rate`. */
  constructor(
    readonly rate: number,
    private readonly clock: Pick<Clock, 'now'> = systemClock,
    private readonly maxKeys = DEFAULT_MAX_KEYS,
  ) {}

  get size(): number {
    return this.buckets.size;
  }

  /** Takes one from `key`'s bucket: 0 when allowed, else the seconds until one is there again (at least 1). */
  take(key: string): number {
    const now = this.clock.now();
    const buckets = this.buckets;
    let bucket = buckets.get(key);
    if (bucket === undefined) {
      if (buckets.size >= this.maxKeys) this.forget(now);
      bucket = { tokens: this.rate, at: now };
    } else {
      // Least recently used first: a touched key moves to the end.
      buckets.delete(key);
      bucket.tokens = Math.min(this.rate, bucket.tokens + ((now - bucket.at) * this.rate) / 1000);
      bucket.at = now;
    }
    buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.rate));
  }

  /** Drops the buckets that are full again; if none is, the least recently used one. */
  private forget(now: number): void {
    const buckets = this.buckets;
    for (const [key, bucket] of buckets) {
      if (now - bucket.at >= FULL_AFTER_MS) buckets.delete(key);
      // Touched keys are at the end: past the first recent one, all are recent.
      else break;
    }
    if (buckets.size >= this.maxKeys) {
      const oldest = buckets.keys().next();
      if (oldest.done !== true) buckets.delete(oldest.value);
    }
  }
}
