// At most `limit` calls at once, and at most `queueLimit` waiting behind
// them: a bounded queue, so that an overload fails fast instead of piling up.

import type { HookSignal } from './hook-signal.js';

/** Why a wait in the queue ended without a slot. */
export const TIMED_OUT = new Error('timed out waiting for a slot');

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

  /** True when `enter` would take a slot at once, without queueing. */
  get hasFreeSlot(): boolean {
    return this.running < this.limit;
  }

  /**
   * Takes a slot: resolves at once or after a wait in the queue, rejects with
   * TIMED_OUT if the signal aborts while waiting, and returns null when the
   * queue is full. Every resolved `enter` must be paired with `leave`.
   */
  enter(signal: HookSignal): Promise<void> | null {
    if (this.running < this.limit) {
      this.running++;
      return GRANTED;
    }
    if (this.waiting.size >= this.queueLimit) return null;
    if (signal.aborted) return Promise.reject(TIMED_OUT);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.waiting.delete(waiter);
        reject(TIMED_OUT);
      };
      const waiter: Waiter = {
        grant: () => {
          signal.offAbort(onAbort);
          resolve();
        },
      };
      signal.onAbort(onAbort);
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
