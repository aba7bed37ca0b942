// Runs every configured hook for a STORE under one policy (SPEC section 4):
// per-hook concurrency bound and bounded queue, one timeout counted from when
// the STORE starts waiting, all hooks must allow, a refusal beats a failure,
// fail closed unless the operator chose open, an overload never open.

import { type Clock, systemClock } from './clock.js';
import { ConcurrencyGate } from './concurrency-gate.js';
import { describeError } from './describe-error.js';
import { HookSignal } from './hook-signal.js';
import type { Validation, ValidationRequest } from './validation.js';
import { Verdict } from './validation.js';
import { HookOutcome, type ValidationObserver } from './validation-observer.js';
import type { Validator } from './validator.js';

export const FailureMode = { Closed: 'closed', Open: 'open' } as const;
export type FailureMode = (typeof FailureMode)[keyof typeof FailureMode];

export interface PolicyOptions {
  /** Time a STORE may wait on each hook, queue included. */
  readonly timeoutMs: number;
  /** Calls of one hook running at once. */
  readonly concurrency: number;
  /** Calls of one hook waiting for a slot; past it a STORE fails at once. */
  readonly queue: number;
  readonly failure: FailureMode;
  readonly observers?: readonly ValidationObserver[];
  readonly clock?: Clock;
}

interface Hook {
  readonly validator: Validator;
  readonly gate: ConcurrencyGate;
}

export class ValidationPolicy implements Validation {
  private readonly hooks: readonly Hook[];
  private readonly observers: readonly ValidationObserver[];
  private readonly clock: Clock;

  constructor(
    validators: readonly Validator[],
    private readonly options: PolicyOptions,
  ) {
    if (validators.length === 0) throw new Error('a ValidationPolicy needs at least one validator');
    this.hooks = validators.map((validator) => ({
      validator,
      gate: new ConcurrencyGate(options.concurrency, options.queue),
    }));
    this.observers = options.observers ?? [];
    this.clock = options.clock ?? systemClock;
  }

  check(request: ValidationRequest): Promise<Verdict> {
    const started = this.clock.now();
    const signal = new HookSignal();
    const cancelTimer = this.clock.setTimeout(() => signal.abort(), this.options.timeoutMs);
    return new Promise<Verdict>((resolve) => {
      let left = this.hooks.length;
      let failed = false;
      for (const hook of this.hooks) {
        this.call(hook, request, signal, started).then((outcome) => {
          // A refusal answers at once; the other hooks run on to their end or timeout.
          if (outcome === HookOutcome.Refuse) resolve(Verdict.Refuse);
          else if (this.fails(outcome)) failed = true;
          if (--left === 0) {
            cancelTimer();
            resolve(failed ? Verdict.Fail : Verdict.Allow);
          }
        });
      }
    });
  }

  get hasFreeSlots(): boolean {
    for (const hook of this.hooks) if (!hook.gate.hasFreeSlot) return false;
    return true;
  }

  tryCheck(request: ValidationRequest): Promise<Verdict> | null {
    // `check` enters every gate before its first await: the slots seen free here are the ones it takes.
    return this.hasFreeSlots ? this.check(request) : null;
  }

  /** Stops what the hooks still run. */
  async close(): Promise<void> {
    await Promise.all(this.hooks.map((h) => h.validator.close?.()));
  }

  private fails(outcome: HookOutcome): boolean {
    switch (outcome) {
      case HookOutcome.Allow:
      case HookOutcome.Refuse:
        return false;
      case HookOutcome.Overloaded:
        return true;
      case HookOutcome.Error:
      case HookOutcome.Timeout:
        return this.options.failure === FailureMode.Closed;
    }
  }

  /** One hook call; resolves with its outcome (never rejects) and reports it once. */
  private async call(
    hook: Hook,
    request: ValidationRequest,
    signal: HookSignal,
    started: number,
  ): Promise<HookOutcome> {
    const settle = (outcome: HookOutcome, reason?: string): HookOutcome => {
      const seconds = (this.clock.now() - started) / 1000;
      for (const observer of this.observers) observer.hookSettled(hook.validator.name, outcome, seconds, reason);
      return outcome;
    };
    const { gate } = hook;
    const entered = gate.enter(signal);
    if (entered === null) {
      return settle(
        HookOutcome.Overloaded,
        `queue full: ${gate.active} running, ${gate.queued} waiting (see --validator-concurrency, --validator-queue)`,
      );
    }
    try {
      await entered;
    } catch {
      return settle(
        HookOutcome.Timeout,
        `timed out after ${this.options.timeoutMs} ms waiting for a free slot (see --validator-timeout-ms, --validator-concurrency)`,
      );
    }
    let work: Promise<boolean>;
    try {
      work = hook.validator.decide(request, signal);
    } catch (err) {
      gate.leave();
      return settle(HookOutcome.Error, describeError(err));
    }
    // The slot stays taken until the hook has really stopped (a killed process
    // has exited), so that no more than `concurrency` ever run at once.
    const leave = (): void => gate.leave();
    work.then(leave, leave);
    try {
      const allowed = await untilAborted(work, signal);
      if (typeof allowed !== 'boolean') return settle(HookOutcome.Error, `decided ${String(allowed)}, not a boolean`);
      return settle(allowed ? HookOutcome.Allow : HookOutcome.Refuse);
    } catch (err) {
      if (signal.aborted) {
        return settle(HookOutcome.Timeout, `timed out after ${this.options.timeoutMs} ms (see --validator-timeout-ms)`);
      }
      return settle(HookOutcome.Error, describeError(err));
    }
  }
}

const TIMED_OUT = new Error('timed out');

/** `work`, or a rejection as soon as `signal` aborts, whichever comes first. */
function untilAborted<T>(work: Promise<T>, signal: HookSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(TIMED_OUT);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(TIMED_OUT);
    signal.onAbort(onAbort);
    work.then(
      (value) => {
        signal.offAbort(onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.offAbort(onAbort);
        reject(err);
      },
    );
  });
}
