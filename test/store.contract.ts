// The Store contract: every store (memory, file, Redis) runs this one suite.

import { describe, expect, it } from 'vitest';
import { Name } from '../core/name.js';
import type { Store } from '../core/store/store.js';

export interface StoreFixture {
  /** A store that holds no names yet and answers. */
  readonly store: Store;
  close(): Promise<void>;
}

const inLine = (line: string, start: number, end: number): Name => new Name(Buffer.from(line, 'utf8'), start, end);

export function storeContract(label: string, open: () => Promise<StoreFixture>): void {
  const withStore = (body: (store: Store) => Promise<void>) => async () => {
    const fixture = await open();
    try {
      await body(fixture.store);
    } finally {
      await fixture.close();
    }
  };

  describe(`${label}: the Store contract`, () => {
    it(
      'answers an absent name with undefined and false',
      withStore(async (store) => {
        expect(await store.get(Name.of('nothing'))).toBeUndefined();
        expect(await store.has(Name.of('nothing'))).toBe(false);
      }),
    );

    it(
      'stores a name once and never overwrites it',
      withStore(async (store) => {
        expect(await store.putIfAbsent(Name.of('foo'), 'bar')).toBe(true);
        expect(await store.putIfAbsent(Name.of('foo'), 'baz')).toBe(false);
        expect(await store.get(Name.of('foo'))).toBe('bar');
        expect(await store.has(Name.of('foo'))).toBe(true);
      }),
    );

    it(
      'finds a name viewed in place in a line as the same name made from text',
      withStore(async (store) => {
        expect(await store.putIfAbsent(inLine('STORE key value', 6, 9), 'value')).toBe(true);
        expect(await store.get(Name.of('key'))).toBe('value');
        expect(await store.get(inLine('GET key\r\n', 4, 7))).toBe('value');
        expect(await store.has(inLine('EXISTS key', 7, 10))).toBe(true);
      }),
    );

    it(
      'keeps the name it was given after the line buffer is overwritten, before it answers',
      withStore(async (store) => {
        const line = Buffer.from('STORE kept v');
        const stored = store.putIfAbsent(new Name(line, 6, 10), 'v');
        line.fill(0x20);
        expect(await stored).toBe(true);
        const again = Buffer.from('GET kept');
        const value = store.get(new Name(again, 4, 8));
        again.fill(0x21);
        expect(await value).toBe('v');
      }),
    );

    it(
      'keeps values verbatim: inner and trailing spaces and tabs, non-ASCII text, 64 KiB',
      withStore(async (store) => {
        const values = ['a b  c\t d \t ', '  leading', 'ключ 鍵 🙂 e\u0301', 'x'.repeat(65536)];
        for (const [i, value] of values.entries()) {
          expect(await store.putIfAbsent(Name.of(`v${i}`), value)).toBe(true);
        }
        for (const [i, value] of values.entries()) expect(await store.get(Name.of(`v${i}`))).toBe(value);
      }),
    );

    it(
      'compares names as bytes: names differing in one byte, or only in Unicode normalisation, are distinct',
      withStore(async (store) => {
        const names = ['aé', 'aè', 'é', 'e\u0301', 'ключ', '鍵', '🙂', 'a', 'A', '{a}', 'a}b', '{}x'];
        for (const name of names) expect(await store.putIfAbsent(Name.of(name), `v:${name}`)).toBe(true);
        for (const name of names) expect(await store.get(Name.of(name))).toBe(`v:${name}`);
      }),
    );

    it(
      'lets exactly one of many concurrent STOREs of one name win, and keeps the winner',
      withStore(async (store) => {
        const results = await Promise.all(
          Array.from({ length: 100 }, (_, i) => store.putIfAbsent(Name.of('contested'), `value-${i}`)),
        );
        const winners = results.flatMap((stored, i) => (stored ? [i] : []));
        expect(winners).toHaveLength(1);
        expect(await store.get(Name.of('contested'))).toBe(`value-${winners[0]}`);
      }),
    );

    it(
      "applies one caller's calls in the order they were made, without waiting between them",
      withStore(async (store) => {
        const calls = [];
        for (let i = 0; i < 200; i++) {
          calls.push(store.has(Name.of(`o${i}`)), store.putIfAbsent(Name.of(`o${i}`), `v${i}`));
          calls.push(store.get(Name.of(`o${i}`)), store.has(Name.of(`o${i}`)));
        }
        const results = await Promise.all(calls);
        for (let i = 0; i < 200; i++) expect(results.slice(4 * i, 4 * i + 4)).toEqual([false, true, `v${i}`, true]);
      }),
    );

    it(
      'holds thousands of names',
      withStore(async (store) => {
        const names = Array.from({ length: 5000 }, (_, i) => `n${i}`);
        const stored = await Promise.all(names.map((n) => store.putIfAbsent(Name.of(n), `v:${n}`)));
        expect(stored.every((s) => s)).toBe(true);
        const values = await Promise.all(names.map((n) => store.get(Name.of(n))));
        expect(values.every((v, i) => v === `v:${names[i]}`)).toBe(true);
      }),
    );

    it(
      'answers ping while it works',
      withStore(async (store) => {
        await expect(store.ping()).resolves.toBeUndefined();
      }),
    );
  });
}
