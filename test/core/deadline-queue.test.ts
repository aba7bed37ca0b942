import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeadlineQueue } from '../../core/store/deadline-queue.js';

class Item {
  settled = false;
  expired = false;
  constructor(readonly deadline: number) {}
  expire(): void {
    this.expired = true;
  }
}

describe('DeadlineQueue', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('expires each unsettled item once its deadline has passed, and no settled one', () => {
    const queue = new DeadlineQueue<Item>();
    const items = Array.from(
      { length: 3000 },
      (_, i) => new Item(performance.now() + 100 + Math.floor(i / 1000) * 100),
    );
    for (const item of items) queue.push(item);
    for (const [i, item] of items.entries()) if (i % 3 === 0) item.settled = true;
    vi.advanceTimersByTime(99);
    expect(items.some((item) => item.expired)).toBe(false);
    vi.advanceTimersByTime(2);
    expect(items.filter((item) => item.expired)).toHaveLength(666);
    vi.advanceTimersByTime(300);
    expect(items.filter((item) => item.expired)).toHaveLength(2000);
    expect(items.every((item) => item.expired !== item.settled)).toBe(true);
    expect(queue.length).toBe(0);
  });

  it('gives back what has not settled, and forgets it', () => {
    const queue = new DeadlineQueue<Item>();
    const a = new Item(performance.now() + 50);
    const b = new Item(performance.now() + 50);
    queue.push(a);
    queue.push(b);
    a.settled = true;
    expect(queue.takeAll()).toEqual([b]);
    vi.advanceTimersByTime(100);
    expect(b.expired).toBe(false);
  });
});
