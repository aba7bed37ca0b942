// Runs every configured hook for a STORE under one policy (SPEC section 4):
// per-hook concurrency bound and bounded queue, one timeout counted from when
// the STORE starts waiting, all hooks must allow, a refusal beats a failure,
// fail closed unless the operator chose open, an overload never open.

import { type Clock, systemClock } from '../clock.js';
import { DeadlineList } from '../deadline-list.js';
import { ConcurrencyGate } from './concurrency-gate.js';
import { describeError } from './describe-error.js';
import { HookDeadline } from './hook-deadline.js';
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
  private readonly deadlines: DeadlineList<HookDeadline>;

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
    this.deadlines = new DeadlineList(this.clock);
  }

  check(request: ValidationRequest): Promise<Verdict> {
    const now = this.clock.now();
    const deadline = new HookDeadline(now, now + this.options.timeoutMs);
    this.deadlines.add(deadline);
    return new Promise<Verdict>((resolve) => {
      let left = this.hooks.length;
      let failed = false;
      const done = (outcome: HookOutcome): void => {
        // A refusal answers at once; the other hooks run on to their end or timeout.
        if (outcome === HookOutcome.Refuse) resolve(Verdict.Refuse);
        else if (this.fails(outcome)) failed = true;
        if (--left === 0) {
          this.deadlines.remove(deadline);
          resolve(failed ? Verdict.Fail : Verdict.Allow);
        }
      };
      for (const hook of this.hooks) this.call(hook, request, deadline, done);
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

  /** One hook call: `done` hears its outcome once, after the observers did. */
  private call(
    hook: Hook,
    request: ValidationRequest,
    deadline: HookDeadline,
    done: (outcome: HookOutcome) => void,
  ): void {
    const { gate } = hook;
    // A free slot is taken at once: no turn of the microtask queue spent waiting for it.
    if (gate.active < gate.limit) {
      gate.enter(deadline);
      this.run(hook, request, deadline, done);
      return;
    }
    const entered = gate.enter(deadline);
    if (entered === null) {
      const reason = `queue full: ${gate.active} running, ${gate.queued} waiting (see --validator-concurrency, --validator-queue)`;
      done(this.settle(hook, deadline, HookOutcome.Overloaded, reason));
      return;
    }
    entered.then(
      () => this.run(hook, request, deadline, done),
      () => {
        const reason = `timed out after ${this.options.timeoutMs} ms waiting for a free slot (see --validator-timeout-ms, --validator-concurrency)`;
        done(this.settle(hook, deadline, HookOutcome.Timeout, reason));
      },
    );
  }

  /** Runs the hook in the slot it holds, and gives the slot back once the hook has really stopped. */
  private run(
    hook: Hook,
    request: ValidationRequest,
    deadline: HookDeadline,
    done: (outcome: HookOutcome) => void,
  ): void {
    const { gate } = hook;
    let work: Promise<boolean>;
    try {
      work = hook.validator.decide(request, deadline);
    } catch (err) {
      gate.leave();
      done(this.settle(hook, deadline, HookOutcome.Error, describeError(err)));
      return;
    }
    // The outcome is told once: at the deadline, or when the hook settles before it.
    let told = false;
    const onAbort = (): void => {
      told = true;
      const reason = `timed out after ${this.options.timeoutMs} ms (see --validator-timeout-ms)`;
      done(this.settle(hook, deadline, HookOutcome.Timeout, reason));
    };
    deadline.onAbort(onAbort);
    // The slot stays taken until the hook has really stopped (a killed process
    // has exited), so that no more than `concurrency` ever run at once.
    work.then(
      (allowed) => {
        gate.leave();
        if (told) return;
        deadline.offAbort(onAbort);
        if (typeof allowed !== 'boolean') {
          done(this.settle(hook, deadline, HookOutcome.Error, `decided ${String(allowed)}, not a boolean`));
        } else done(this.settle(hook, deadline, allowed ? HookOutcome.Allow : HookOutcome.Refuse));
      },
      (err: unknown) => {
        gate.leave();
        if (told) return;
        deadline.offAbort(onAbort);
        done(this.settle(hook, deadline, HookOutcome.Error, describeError(err)));
      },
    );
  }

  /** Reports a call's outcome to the observers, and returns it. */
  private settle(hook: Hook, deadline: HookDeadline, outcome: HookOutcome, reason?: string): HookOutcome {
    const seconds = (this.clock.now() - deadline.started) / 1000;
    for (const observer of this.observers) observer.hookSettled(hook.validator.name, outcome, seconds, reason);
    return outcome;
  }
}
