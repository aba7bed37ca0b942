import { describe, expect, it } from 'vitest';
import type { Clock } from '../../core/validation/clock.js';
import { type Deadline, DeadlineList } from '../../core/validation/deadline-list.js';
import { ManualClock } from '../helpers/manual-clock.js';

/** A ManualClock that counts the timers armed on it and those still armed. */
class CountingClock implements Clock {
  readonly inner = new ManualClock();
  armed = 0;
  live = 0;

  now(): number {
    return this.inner.now();
  }

  setTimeout(fn: () => void, ms: number): () => void {
    this.armed++;
    this.live++;
    let done = false;
    const settle = (): void => {
      if (!done) this.live--;
      done = true;
    };
    const cancel = this.inner.setTimeout(() => {
      settle();
      fn();
    }, ms);
    return () => {
      settle();
      cancel();
    };
  }
}

describe('DeadlineList', () => {
  it('aborts each signal at its own deadline, in the order they started', () => {
    const clock = new CountingClock();
    const list = new DeadlineList(clock, 1000);
    const aborted: string[] = [];
    const first = list.start();
    first.onAbort(() => aborted.push('first'));
    clock.inner.advance(600);
    const second = list.start();
    second.onAbort(() => aborted.push('second'));
    clock.inner.advance(399);
    expect(aborted).toEqual([]);
    clock.inner.advance(1);
    expect(aborted).toEqual(['first']);
    clock.inner.advance(599);
    expect(aborted).toEqual(['first']);
    clock.inner.advance(1);
    expect(aborted).toEqual(['first', 'second']);
    expect(clock.live).toBe(0);
  });

  it('never aborts a signal that ended before its deadline', () => {
    const clock = new CountingClock();
    const list = new DeadlineList(clock, 1000);
    const first = list.start();
    const second = list.start();
    const third = list.start();
    list.end(second);
    list.end(first);
    list.end(first);
    clock.inner.advance(1000);
    expect([first.aborted, second.aborted, third.aborted]).toEqual([false, false, true]);
  });

  it('keeps one timer for many signals, and none once all have ended', () => {
    const clock = new CountingClock();
    const list = new DeadlineList(clock, 1000);
    const signals = Array.from({ length: 100 }, () => list.start());
    expect(clock.armed).toBe(1);
    for (const signal of signals) list.end(signal);
    expect(clock.live).toBe(0);
  });

  it('arms again for the next signal when the timer finds its head already ended', () => {
    const clock = new CountingClock();
    const list = new DeadlineList(clock, 1000);
    const first = list.start();
    clock.inner.advance(500);
    const second = list.start();
    list.end(first);
    clock.inner.advance(500);
    expect(second.aborted).toBe(false);
    clock.inner.advance(499);
    expect(second.aborted).toBe(false);
    clock.inner.advance(1);
    expect(second.aborted).toBe(true);
    expect(clock.armed).toBe(2);
  });

  it('times a signal started while the others abort from its own start', () => {
    const clock = new CountingClock();
    const list = new DeadlineList(clock, 1000);
    const late: Deadline[] = [];
    list.start().onAbort(() => {
      late.push(list.start());
    });
    clock.inner.advance(1000);
    expect(late).toHaveLength(1);
    clock.inner.advance(999);
    expect(late[0]?.aborted).toBe(false);
    clock.inner.advance(1);
    expect(late[0]?.aborted).toBe(true);
  });
});
