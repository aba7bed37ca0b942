import { describe, expect, it } from 'vitest';
import { ByteTable } from '../../core/store/byte-table.js';

const key = (text: string | Buffer): Buffer => (typeof text === 'string' ? Buffer.from(text, 'utf8') : text);

function add<V>(table: ByteTable<V>, k: string | Buffer, value: V): boolean {
  const bytes = key(k);
  return table.add(bytes, 0, bytes.length, value);
}

function get<V>(table: ByteTable<V>, k: string | Buffer): V | undefined {
  const bytes = key(k);
  return table.get(bytes, 0, bytes.length);
}

describe('ByteTable', () => {
  it('finds nothing in an empty table', () => {
    const table = new ByteTable<string>();
    expect(get(table, 'a')).toBeUndefined();
    expect(table.size).toBe(0);
  });

  it('adds a key once and keeps its first value', () => {
    const table = new ByteTable<string>();
    expect(add(table, 'foo', 'bar')).toBe(true);
    expect(add(table, 'foo', 'baz')).toBe(false);
    expect(get(table, 'foo')).toBe('bar');
    expect(table.size).toBe(1);
  });

  it('keeps every key through many rounds of growth', () => {
    const table = new ByteTable<number>();
    const count = 200_000;
    let added = 0;
    for (let i = 0; i < count; i++) if (add(table, `key:${i}`, i)) added++;
    expect(added).toBe(count);
    expect(table.size).toBe(count);
    const lost: number[] = [];
    for (let i = 0; i < count; i++) if (get(table, `key:${i}`) !== i) lost.push(i);
    expect(lost).toEqual([]);
    for (let i = 0; i < count; i += 997) expect(add(table, `key:${i}`, -1)).toBe(false);
    expect(get(table, `key:${count}`)).toBeUndefined();
  });

  it('keeps long keys through growth of its key storage', () => {
    const table = new ByteTable<number>();
    const long = (i: number): string => `${String(i).padStart(6, '0')}${'L'.repeat(244)}`;
    for (let i = 0; i < 5000; i++) add(table, long(i), i);
    for (let i = 0; i < 5000; i++) expect(get(table, long(i))).toBe(i);
  });

  it('tells apart keys that differ in one byte only', () => {
    const table = new ByteTable<string>();
    const base = Buffer.from('abcdefghijklmnopqrstuvwxyz012345');
    const variants: Buffer[] = [];
    for (let at = 0; at < base.length; at++) {
      for (const byte of [0x00, 0x41, 0x7f, 0x80, 0xfe, 0xff]) {
        if (base[at] === byte) continue;
        const variant = Buffer.from(base);
        variant[at] = byte;
        variants.push(variant);
      }
    }
    add(table, base, 'base');
    for (const [i, v] of variants.entries()) expect(add(table, v, `v${i}`)).toBe(true);
    expect(get(table, base)).toBe('base');
    for (const [i, v] of variants.entries()) expect(get(table, v)).toBe(`v${i}`);
    expect(table.size).toBe(variants.length + 1);
  });

  it('tells apart keys of different lengths that share a prefix', () => {
    const table = new ByteTable<number>();
    for (let n = 1; n <= 300; n++) expect(add(table, 'a'.repeat(n), n)).toBe(true);
    for (let n = 1; n <= 300; n++) expect(get(table, 'a'.repeat(n))).toBe(n);
    expect(get(table, 'a'.repeat(301))).toBeUndefined();
    add(table, 'prefix', 0);
    expect(get(table, 'prefix-longer')).toBeUndefined();
    expect(get(table, 'prefi')).toBeUndefined();
  });

  it('keeps non-ASCII keys as their bytes', () => {
    const table = new ByteTable<string>();
    const keys = ['ключ', '鍵', '🙂', 'é', 'e\u0301', Buffer.from([0x61, 0xff]), Buffer.from([0x61, 0xfe])];
    for (const [i, k] of keys.entries()) expect(add(table, k, `v${i}`)).toBe(true);
    for (const [i, k] of keys.entries()) expect(get(table, k)).toBe(`v${i}`);
    expect(get(table, 'a\ufffd')).toBeUndefined();
  });

  it('looks keys up in place in a larger buffer', () => {
    const table = new ByteTable<string>();
    const line = Buffer.from('GET name-in-line\r\n');
    expect(table.add(line, 4, 16, 'found')).toBe(true);
    expect(get(table, 'name-in-line')).toBe('found');
    expect(table.get(Buffer.from('xxname-in-linexx'), 2, 14)).toBe('found');
  });

  it('keeps its own copy of a key, so the caller may reuse its buffer', () => {
    const table = new ByteTable<string>();
    const chunk = Buffer.from('reused-buffer');
    add(table, chunk, 'v');
    chunk.fill(0x7a);
    expect(get(table, 'reused-buffer')).toBe('v');
    expect(get(table, chunk)).toBeUndefined();
  });
});
