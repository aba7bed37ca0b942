import { describe, expect, it } from 'vitest';
import type { HookSignal } from '../../core/validation/hook-signal.js';
import type { ValidationRequest, Verdict } from '../../core/validation/validation.js';
import type { HookOutcome, ValidationObserver } from '../../core/validation/validation-observer.js';
import { type PolicyOptions, ValidationPolicy } from '../../core/validation/validation-policy.js';
import type { Validator } from '../../core/validation/validator.js';
import { ManualClock } from '../helpers/manual-clock.js';

const REQUEST: ValidationRequest = {
  name: 'n',
  value: 'v',
  client: { transport: 'tcp', remoteAddress: '127.0.0.1', user: 'default' },
};

interface Call {
  readonly signal: HookSignal;
  allow(): void;
  refuse(): void;
  fail(message?: string): void;
}

/** A hook the test answers by hand; by default it stops (rejects) when its signal aborts. */
class ManualHook implements Validator {
  readonly calls: Call[] = [];
  running = 0;
  maxRunning = 0;

  constructor(
    readonly name: string,
    private readonly stopsOnAbort = true,
  ) {}

  decide(_request: ValidationRequest, signal: HookSignal): Promise<boolean> {
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    return new Promise<boolean>((resolve, reject) => {
      let done = false;
      const end = (settle: () => void): void => {
        if (done) return;
        done = true;
        this.running--;
        settle();
      };
      const call: Call = {
        signal,
        allow: () => end(() => resolve(true)),
        refuse: () => end(() => resolve(false)),
        fail: (message = 'hook failed') => end(() => reject(new Error(message))),
      };
      if (this.stopsOnAbort) signal.onAbort(() => call.fail('stopped'));
      this.calls.push(call);
    });
  }
}

/** A hook that answers at once. */
const instant = (name: string, answer: boolean | Error | string): Validator => ({
  name,
  decide: () => (answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer as unknown as boolean)),
});

class Recorder implements ValidationObserver {
  readonly calls: { hook: string; outcome: HookOutcome; seconds: number; reason?: string }[] = [];
  hookSettled(hook: string, outcome: HookOutcome, seconds: number, reason?: string): void {
    this.calls.push({ hook, outcome, seconds, reason });
  }
  outcomes(): string[] {
    return this.calls.map((c) => `${c.hook}:${c.outcome}`);
  }
}

function setup(validators: Validator[], options: Partial<PolicyOptions> = {}) {
  const clock = new ManualClock();
  const recorder = new Recorder();
  const policy = new ValidationPolicy(validators, {
    timeoutMs: 1000,
    concurrency: 4,
    queue: 10,
    failure: 'closed',
    observers: [recorder],
    clock,
    ...options,
  });
  return { clock, recorder, policy };
}

/** Lets pending promise callbacks run. */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Tracks a verdict so a test can ask whether it came yet. */
function track(verdict: Promise<Verdict>): { readonly value: Verdict | undefined } {
  const state: { value: Verdict | undefined } = { value: undefined };
  verdict.then((v) => {
    state.value = v;
  });
  return state;
}

describe('ValidationPolicy', () => {
  it('allows when every hook allows, and reports each call once', async () => {
    const { policy, recorder } = setup([instant('a', true), instant('b', true)]);
    expect(await policy.check(REQUEST)).toBe('allow');
    expect(recorder.outcomes()).toEqual(['a:allow', 'b:allow']);
  });

  it('refuses as soon as one hook refuses, and still reports the others when they end', async () => {
    const slow = new ManualHook('slow');
    const { policy, recorder } = setup([slow, instant('no', false)]);
    expect(await policy.check(REQUEST)).toBe('refuse');
    expect(recorder.outcomes()).toEqual(['no:refuse']);
    slow.calls[0]?.allow();
    await flush();
    expect(recorder.outcomes()).toEqual(['no:refuse', 'slow:allow']);
  });

  it('lets a refusal beat a failure, failing closed or open', async () => {
    for (const failure of ['closed', 'open'] as const) {
      const { policy } = setup([instant('broken', new Error('boom')), instant('no', false)], { failure });
      expect(await policy.check(REQUEST), failure).toBe('refuse');
    }
  });

  it('fails closed on an error, with the reason in the report', async () => {
    const { policy, recorder } = setup([instant('ok', true), instant('broken', new Error('boom'))]);
    expect(await policy.check(REQUEST)).toBe('fail');
    expect(recorder.calls[1]).toMatchObject({ hook: 'broken', outcome: 'error', reason: 'boom' });
  });

  it('treats a result that is not a boolean as an error', async () => {
    const { policy, recorder } = setup([instant('odd', 'yes')]);
    expect(await policy.check(REQUEST)).toBe('fail');
    expect(recorder.calls[0]?.outcome).toBe('error');
  });

  it('treats a hook that throws instead of returning a Promise as an error', async () => {
    const throwing: Validator = {
      name: 'sync-throw',
      decide: () => {
        throw new Error('sync');
      },
    };
    const { policy, recorder } = setup([throwing]);
    expect(await policy.check(REQUEST)).toBe('fail');
    expect(recorder.calls[0]).toMatchObject({ outcome: 'error', reason: 'sync' });
    expect(await policy.check(REQUEST)).toBe('fail'); // the slot was given back
  });

  it('allows on an error or a timeout when failing open', async () => {
    const hook = new ManualHook('hangs');
    const { policy, recorder, clock } = setup([instant('broken', new Error('boom')), hook], { failure: 'open' });
    const verdict = track(policy.check(REQUEST));
    await flush();
    clock.advance(1000);
    await flush();
    expect(verdict.value).toBe('allow');
    expect(recorder.outcomes()).toEqual(['broken:error', 'hangs:timeout']);
  });

  it('never turns a refusal into an allow when failing open', async () => {
    const hook = new ManualHook('later-no');
    const { policy, clock } = setup([hook, instant('broken', new Error('boom'))], { failure: 'open' });
    const verdict = track(policy.check(REQUEST));
    await flush();
    hook.calls[0]?.refuse();
    await flush();
    clock.advance(5000);
    expect(verdict.value).toBe('refuse');
  });

  it('times a hook out at the deadline and tells it to stop', async () => {
    const hook = new ManualHook('hangs');
    const { policy, recorder, clock } = setup([hook]);
    const verdict = track(policy.check(REQUEST));
    await flush();
    clock.advance(999);
    await flush();
    expect(verdict.value).toBeUndefined();
    expect(hook.calls[0]?.signal.aborted).toBe(false);
    clock.advance(1);
    await flush();
    expect(verdict.value).toBe('fail');
    expect(hook.calls[0]?.signal.aborted).toBe(true);
    expect(recorder.calls[0]).toMatchObject({ outcome: 'timeout', seconds: 1 });
    expect(recorder.calls[0]?.reason).toContain('--validator-timeout-ms');
  });

  it('fails a STORE at once when the queue is full, even when failing open', async () => {
    for (const failure of ['closed', 'open'] as const) {
      const hook = new ManualHook('busy');
      const { policy, recorder } = setup([hook], { concurrency: 1, queue: 1, failure });
      const first = track(policy.check(REQUEST));
      const second = track(policy.check(REQUEST));
      expect(await policy.check(REQUEST), failure).toBe('fail');
      expect(recorder.calls).toHaveLength(1);
      expect(recorder.calls[0]).toMatchObject({ hook: 'busy', outcome: 'overloaded', seconds: 0 });
      expect(recorder.calls[0]?.reason).toContain('--validator-queue');
      expect(hook.calls).toHaveLength(1);
      hook.calls[0]?.allow();
      await flush();
      hook.calls[1]?.allow();
      await flush();
      expect([first.value, second.value]).toEqual(['allow', 'allow']);
    }
  });

  it('runs at most `concurrency` calls of a hook at once, the rest in arrival order', async () => {
    const hook = new ManualHook('bounded');
    const { policy } = setup([hook], { concurrency: 2, queue: 10 });
    const verdicts = Array.from({ length: 5 }, () => track(policy.check(REQUEST)));
    await flush();
    expect(hook.calls).toHaveLength(2);
    for (let i = 0; i < 5; i++) {
      hook.calls[i]?.allow();
      await flush();
    }
    expect(hook.maxRunning).toBe(2);
    expect(verdicts.map((v) => v.value)).toEqual(['allow', 'allow', 'allow', 'allow', 'allow']);
  });

  it('counts the timeout from the start of the wait, queue time included', async () => {
    const hook = new ManualHook('one-at-a-time');
    const { policy, recorder, clock } = setup([hook], { concurrency: 1 });
    const first = track(policy.check(REQUEST));
    await flush();
    clock.advance(600);
    const second = track(policy.check(REQUEST)); // waits in the queue from t=600
    await flush();
    clock.advance(400); // t=1000: the first times out, the second gets the slot
    await flush();
    expect(first.value).toBe('fail');
    expect(hook.calls).toHaveLength(2);
    clock.advance(599); // t=1599
    await flush();
    expect(second.value).toBeUndefined();
    clock.advance(1); // t=1600: 1000 ms after the second STORE began to wait, not after its call began
    await flush();
    expect(second.value).toBe('fail');
    expect(recorder.calls.map((c) => [c.outcome, c.seconds])).toEqual([
      ['timeout', 1],
      ['timeout', 1],
    ]);
  });

  it('times a STORE out while it still waits in the queue', async () => {
    const stubborn = new ManualHook('stubborn', false);
    const { policy, recorder, clock } = setup([stubborn], { concurrency: 1 });
    track(policy.check(REQUEST));
    await flush();
    clock.advance(500);
    const queued = track(policy.check(REQUEST));
    await flush();
    clock.advance(1000);
    await flush();
    expect(queued.value).toBe('fail');
    expect(stubborn.calls).toHaveLength(1);
    expect(recorder.calls[1]?.reason).toContain('waiting for a free slot');
  });

  it('keeps the slot taken until a timed-out hook has really stopped', async () => {
    const stubborn = new ManualHook('stubborn', false);
    const { policy, clock } = setup([stubborn], { concurrency: 1, timeoutMs: 1000 });
    const first = track(policy.check(REQUEST));
    await flush();
    clock.advance(1000);
    await flush();
    expect(first.value).toBe('fail'); // answered at the deadline...
    const second = track(policy.check(REQUEST));
    await flush();
    expect(stubborn.calls).toHaveLength(1); // ...but the next call waits for the slot
    stubborn.calls[0]?.fail('finally stopped');
    await flush();
    expect(stubborn.calls).toHaveLength(2);
    stubborn.calls[1]?.allow();
    await flush();
    expect(second.value).toBe('allow');
    expect(stubborn.maxRunning).toBe(1);
  });

  it('starts a tryCheck only when every hook has a free slot, taking them at once, and never queues it', async () => {
    const one = new ManualHook('one');
    const two = new ManualHook('two');
    const { policy } = setup([one, two], { concurrency: 2 });
    const first = track(policy.check(REQUEST));
    expect(policy.hasFreeSlots).toBe(true);
    // Called back to back, before any await: the slots are taken by the call itself.
    const second = policy.tryCheck(REQUEST);
    expect(second).not.toBeNull();
    expect(policy.hasFreeSlots).toBe(false);
    expect(policy.tryCheck(REQUEST)).toBeNull();
    await flush();
    expect(one.calls).toHaveLength(2);
    expect(two.calls).toHaveLength(2);
    one.calls[0]?.allow();
    await flush();
    // A slot of `one` is free, but not of `two`: still nothing.
    expect(policy.hasFreeSlots).toBe(false);
    expect(policy.tryCheck(REQUEST)).toBeNull();
    two.calls[0]?.allow();
    await flush();
    expect(first.value).toBe('allow');
    expect(policy.hasFreeSlots).toBe(true);
    expect(one.calls).toHaveLength(2);
  });

  it('gives a free slot to a STORE waiting in the queue before any tryCheck', async () => {
    const hook = new ManualHook('hook');
    const { policy } = setup([hook], { concurrency: 1 });
    track(policy.check(REQUEST));
    const queued = track(policy.check(REQUEST));
    await flush();
    hook.calls[0]?.allow();
    await flush();
    expect(hook.calls).toHaveLength(2);
    expect(policy.tryCheck(REQUEST)).toBeNull();
    hook.calls[1]?.allow();
    await flush();
    expect(queued.value).toBe('allow');
  });
});
