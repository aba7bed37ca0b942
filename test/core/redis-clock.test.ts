import { describe, expect, it } from 'vitest';
import { RedisClock } from '../../core/store/redis-clock.js';

describe('RedisClock', () => {
  it("maps a local deadline to a Redis time no later than it, whatever the sample's error", () => {
    const clock = new RedisClock();
    expect(clock.known).toBe(false);
    // Asked at local 1000, answered at local 1040: Redis said 5_000_000.020 s, somewhere in that window.
    clock.sample(['5000000', '20000'], 1000, 1040, true);
    expect(clock.known).toBe(true);
    // Redis time at local 2000 is at most 5_000_000_020 + (2000 - 1000) = ..._001_020 ms.
    expect(clock.toRedis(2000)).toBeLessThanOrEqual(5_000_000_020 + 1000 - 5);
    expect(clock.toRedis(2000)).toBeGreaterThanOrEqual(5_000_000_020 + 1000 - 40 - 5);
  });

  it('keeps a precise sample over a much less precise one, and takes a fresh connection first sample', () => {
    const clock = new RedisClock();
    clock.sample(['100', '0'], 0, 2, true);
    const precise = clock.toRedis(1000);
    clock.sample(['200', '0'], 10, 510, false);
    expect(clock.toRedis(1000)).toBe(precise);
    clock.sample(['200', '0'], 10, 510, true);
    expect(clock.toRedis(1000)).not.toBe(precise);
    clock.forget();
    expect(clock.known).toBe(false);
  });
});
