// At most `limit` calls at once, and at most `queueLimit` waiting behind
// them: a bounded queue, so that an overload fails fast instead of piling up.

interface Waiter {
  grant(): void;
}

const GRANTED: Promise<void> = Promise.resolve();

export class ConcurrencyGate {
  private running = 0;
  // A Set keeps insertion order (FIFO) and lets an aborted waiter leave in O(1).
  private readonly waiting = new Set<Waiter>();

  constructor(
    readonly limit: number,
    readonly queueLimit: number,
  ) {}

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.size;
  }

  /**
   * Takes a slot: resolves at once or after a wait in the queue, rejects with
   * `signal.reason` if the signal aborts while waiting, and returns null when
   * the queue is full. Every resolved `enter` must be paired with `leave`.
   */
  enter(signal: AbortSignal): Promise<void> | null {
    if (this.running < this.limit) {
      this.running++;
      return GRANTED;
    }
    if (this.waiting.size >= this.queueLimit) return null;
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.waiting.delete(waiter);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.add(waiter);
    });
  }

  /** Gives the slot back; the longest waiter, if any, takes it over. */
  leave(): void {
    for (const next of this.waiting) {
      this.waiting.delete(next);
      next.grant();
      return;
    }
    this.running--;
  }
}
