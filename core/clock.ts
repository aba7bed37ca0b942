// Time as the core sees it (validation timeouts, rate limits, store
// deadlines): injected, so that unit tests can drive timeouts without
// waiting for them.

export interface Clock {
  /** Milliseconds from an arbitrary origin. */
  now(): number;
  /** Calls `fn` after `ms`; the returned function cancels it. */
  setTimeout(fn: () => void, ms: number): () => void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};
