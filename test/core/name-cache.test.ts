import { describe, expect, it } from 'vitest';
import { NameCache } from '../../core/store/name-cache.js';

const key = (text: string): [Buffer, number, number] => {
  const buf = Buffer.from(`xx${text}yy`);
  return [buf, 2, buf.length - 2];
};

describe('NameCache', () => {
  it('answers the names it was given, looked up in place', () => {
    const cache = new NameCache({ names: 100, bytes: 1 << 20 });
    cache.add(...key('a'), 'one');
    expect(cache.get(...key('a'))).toBe('one');
    expect(cache.get(...key('b'))).toBeUndefined();
  });

  it('never holds more names than its bound, and keeps the names read often', () => {
    const cache = new NameCache({ names: 10, bytes: 1 << 20 });
    for (let i = 0; i < 1000; i++) {
      cache.add(...key(`n${i}`), 'v');
      expect(cache.get(...key('hot'))).toBe(i === 0 ? undefined : 'v');
      if (i === 0) cache.add(...key('hot'), 'v');
      expect(cache.size).toBeLessThanOrEqual(10);
    }
  });

  it('never holds more bytes than its bound, and skips a value larger than half of it', () => {
    const cache = new NameCache({ names: 1000, bytes: 400 });
    cache.add(...key('big'), 'x'.repeat(200));
    expect(cache.get(...key('big'))).toBeUndefined();
    for (let i = 0; i < 100; i++) cache.add(...key(`n${i}`), 'x'.repeat(40));
    // Two generations of at most 200 bytes, each entry costing 80 bytes and more.
    expect(cache.size).toBeLessThanOrEqual(4);
  });

  it('holds nothing when turned off, and nothing after clear', () => {
    const off = new NameCache({ names: 0, bytes: 1 << 20 });
    off.add(...key('a'), 'v');
    expect(off.get(...key('a'))).toBeUndefined();
    const cache = new NameCache({ names: 10, bytes: 1 << 20 });
    cache.add(...key('a'), 'v');
    cache.clear();
    expect(cache.get(...key('a'))).toBeUndefined();
  });
});
