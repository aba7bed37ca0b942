// The pieces of a helper pool: a request on its way (sent to a process, or
// waiting for one), and one place in the pool with the process running there.

import type { HookSignal } from '../../validation/hook-signal.js';
import type { HelperProcess } from './helper-process.js';

/** A request sent, or waiting for a process. */
export class Pending {
  /** The slot whose process holds it; null while it waits for a process. */
  slot: Slot | null = null;
  readonly onAbort = (): void => this.timedOut(this);

  constructor(
    private readonly timedOut: (pending: Pending) => void,
    readonly id: number,
    readonly line: string,
    readonly signal: HookSignal,
    private readonly resolveFn: (allowed: boolean) => void,
    private readonly rejectFn: (err: Error) => void,
  ) {}

  settle(allowed: boolean): void {
    this.signal.offAbort(this.onAbort);
    this.resolveFn(allowed);
  }

  fail(err: Error): void {
    this.signal.offAbort(this.onAbort);
    this.rejectFn(err);
  }
}

/** One place in the pool: the process running there now, and what it holds. */
export class Slot {
  process: HelperProcess | null = null;
  /** The process was killed: it takes no more requests. */
  dying = false;
  readonly held = new Map<number, Pending>();
  restarts = 0;
  /** Ends in a row without staying up STABLE_MS: the restart delay doubles with each. */
  quickEnds = 0;
  timer: NodeJS.Timeout | undefined;

  constructor(readonly index: number) {}

  get pid(): number {
    return this.process?.pid ?? 0;
  }
}
