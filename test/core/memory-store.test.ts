import { describe, expect, it } from 'vitest';
import { Name } from '../../core/name.js';
import { MemoryStore } from '../../core/store/memory-store.js';

const inLine = (line: string, start: number, end: number): Name => new Name(Buffer.from(line, 'utf8'), start, end);

describe('MemoryStore', () => {
  it('stores a name once and never overwrites it', () => {
    const store = new MemoryStore();
    expect(store.putIfAbsent(Name.of('foo'), 'bar')).toBe(true);
    expect(store.putIfAbsent(Name.of('foo'), 'baz')).toBe(false);
    expect(store.get(Name.of('foo'))).toBe('bar');
    expect(store.has(Name.of('foo'))).toBe(true);
    expect(store.size).toBe(1);
  });

  it('answers absent names with undefined and false, synchronously', () => {
    const store = new MemoryStore();
    expect(store.get(Name.of('nothing'))).toBeUndefined();
    expect(store.has(Name.of('nothing'))).toBe(false);
  });

  it('finds a name viewed in place in a line as the same name made from text', () => {
    const store = new MemoryStore();
    store.putIfAbsent(inLine('STORE key value', 6, 9), 'value');
    expect(store.get(Name.of('key'))).toBe('value');
    expect(store.get(inLine('GET key\r\n', 4, 7))).toBe('value');
  });

  it('keeps the value after the line buffer a name came from is overwritten', () => {
    const store = new MemoryStore();
    const line = Buffer.from('STORE kept v');
    store.putIfAbsent(new Name(line, 6, 10), 'v');
    line.fill(0x20);
    expect(store.get(Name.of('kept'))).toBe('v');
  });

  it('holds many names, non-ASCII ones and ones differing in one byte among them', () => {
    const store = new MemoryStore();
    const names = Array.from({ length: 20_000 }, (_, i) => `n${i}`);
    names.push('ключ', '鍵', '🙂', 'aé', 'aè', 'é', 'e\u0301');
    expect(names.filter((name) => !store.putIfAbsent(Name.of(name), `v:${name}`))).toEqual([]);
    expect(names.filter((name) => store.get(Name.of(name)) !== `v:${name}`)).toEqual([]);
    expect(store.size).toBe(names.length);
  });

  it('answers ping and close', async () => {
    const store = new MemoryStore();
    await expect(store.ping()).resolves.toBeUndefined();
    await expect(store.close()).resolves.toBeUndefined();
  });
});
