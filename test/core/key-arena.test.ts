import { describe, expect, it } from 'vitest';
import { Name } from '../../core/name.js';
import { KeyArena } from '../../core/store/key-arena.js';

describe('KeyArena', () => {
  it('writes each key as one RESP argument, back to back', () => {
    const arena = new KeyArena(Buffer.from('p:'));
    const first = arena.add(Name.of('a'));
    const second = arena.add(Name.of('x'.repeat(98)));
    const third = arena.add(Name.of('ключ'.repeat(30)));
    expect(first).toBe(0);
    const text = arena.chunk.toString('utf8', 0, arena.used);
    const long = 'ключ'.repeat(30);
    expect(text).toBe(`$3\r\np:a\r\n$100\r\np:${'x'.repeat(98)}\r\n$${2 + Buffer.byteLength(long)}\r\np:${long}\r\n`);
    expect(second).toBe(9);
    expect(third).toBe(9 + 6 + 100 + 2);
  });

  it('reads the bytes of a name inside a larger buffer', () => {
    const arena = new KeyArena(Buffer.alloc(0));
    const line = Buffer.from('GET name rest');
    arena.add(new Name(line, 4, 8));
    expect(arena.chunk.toString('latin1', 0, arena.used)).toBe('$4\r\nname\r\n');
  });

  it('starts a new chunk when a key does not fit, and leaves the full one as it was', () => {
    const arena = new KeyArena(Buffer.from('prefix:'));
    const name = Name.of('n'.repeat(250));
    const chunks = new Set<Buffer>();
    const written: { chunk: Buffer; at: number; end: number }[] = [];
    for (let i = 0; i < 1000; i++) {
      const at = arena.add(name);
      chunks.add(arena.chunk);
      written.push({ chunk: arena.chunk, at, end: arena.used });
    }
    expect(chunks.size).toBeGreaterThan(1);
    for (const { chunk, at, end } of written) {
      expect(chunk.toString('latin1', at, end)).toBe(`$257\r\nprefix:${'n'.repeat(250)}\r\n`);
    }
  });
});
