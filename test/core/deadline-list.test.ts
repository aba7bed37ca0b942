import { describe, expect, it } from 'vitest';
import type { Clock } from '../../core/clock.js';
import { type Deadlined, DeadlineList } from '../../core/deadline-list.js';
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

/** An item due `ms` after it starts; counts its expiry like an aborted signal. */
class Item implements Deadlined {
  dueList: DeadlineList<Deadlined> | null = null;
  duePrev: Deadlined | null = null;
  dueNext: Deadlined | null = null;
  aborted = false;
  private readonly listeners: (() => void)[] = [];
  constructor(readonly at: number) {}
  expire(): void {
    this.aborted = true;
    for (const listener of this.listeners) listener();
  }
  onAbort(listener: () => void): void {
    this.listeners.push(listener);
  }
}

/** The policy's use: every item waits `ms` from when it starts. */
class Waits {
  readonly list: DeadlineList<Item>;
  constructor(
    private readonly clock: Clock,
    private readonly ms: number,
  ) {
    this.list = new DeadlineList<Item>(clock);
  }
  start(): Item {
    const item = new Item(this.clock.now() + this.ms);
    this.list.add(item);
    return item;
  }
  end(item: Item): void {
    this.list.remove(item);
  }
}

describe('DeadlineList', () => {
  it('aborts each signal at its own deadline, in the order they started', () => {
    const clock = new CountingClock();
    const list = new Waits(clock, 1000);
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
    const list = new Waits(clock, 1000);
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
    const list = new Waits(clock, 1000);
    const signals = Array.from({ length: 100 }, () => list.start());
    expect(clock.armed).toBe(1);
    for (const signal of signals) list.end(signal);
    expect(clock.live).toBe(0);
  });

  it('arms again for the next signal when the timer finds its head already ended', () => {
    const clock = new CountingClock();
    const list = new Waits(clock, 1000);
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
    const list = new Waits(clock, 1000);
    const late: Item[] = [];
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

  it('gives back, in order, what has not ended, and expires none of it', () => {
    const clock = new CountingClock();
    const list = new Waits(clock, 50);
    const a = list.start();
    const b = list.start();
    const c = list.start();
    list.end(a);
    expect(list.list.takeAll()).toEqual([b, c]);
    expect(clock.live).toBe(0);
    clock.inner.advance(100);
    expect([b.aborted, c.aborted]).toEqual([false, false]);
  });
});
