import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../core/access/rate-limiter.js';

class StepClock {
  time = 0;
  now(): number {
    return this.time;
  }
}

describe('RateLimiter', () => {
  it('allows a burst of N, then refuses until time refills the bucket', () => {
    const clock = new StepClock();
    const limiter = new RateLimiter(3, clock);
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 0]);
    expect(limiter.take('a')).toBe(1);
    clock.time += 340;
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(1);
  });

  it('keeps one bucket per key', () => {
    const limiter = new RateLimiter(1, new StepClock());
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(1);
    expect(limiter.take('b')).toBe(0);
  });

  it('holds N per second on average over a long run', () => {
    const clock = new StepClock();
    const limiter = new RateLimiter(5, clock);
    let allowed = 0;
    for (let ms = 0; ms < 10_000; ms += 10) {
      clock.time = ms;
      if (limiter.take('a') === 0) allowed++;
    }
    // A burst of 5 at the start, then 5 per second for 10 s.
    expect(allowed).toBeGreaterThanOrEqual(50);
    expect(allowed).toBeLessThanOrEqual(55);
  });

  it('says how many seconds to wait, at least 1', () => {
    const limiter = new RateLimiter(1, new StepClock());
    limiter.take('a');
    expect(limiter.take('a')).toBe(1);
    const slow = new RateLimiter(1, new StepClock());
    expect(slow.take('x')).toBe(0);
    expect(slow.take('x')).toBeGreaterThanOrEqual(1);
  });

  it('forgets idle keys once it holds its most, and stays bounded', () => {
    const clock = new StepClock();
    const limiter = new RateLimiter(1, clock, 100);
    for (let i = 0; i < 1000; i++) {
      clock.time = i;
      limiter.take(`k${i}`);
    }
    expect(limiter.size).toBeLessThanOrEqual(100);
  });

  it('keeps a busy key while it forgets others', () => {
    const clock = new StepClock();
    const limiter = new RateLimiter(1, clock, 3);
    expect(limiter.take('busy')).toBe(0);
    for (let i = 0; i < 10; i++) {
      clock.time += 1;
      expect(limiter.take('busy')).toBe(1);
      limiter.take(`idle${i}`);
    }
  });

  it('forgets a full bucket without changing any answer', () => {
    const clock = new StepClock();
    const limiter = new RateLimiter(2, clock, 2);
    limiter.take('a');
    clock.time = 5000;
    limiter.take('b');
    limiter.take('c');
    // `a` was forgotten; it comes back with a full bucket, as it would have had anyway.
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 1]);
  });
});
