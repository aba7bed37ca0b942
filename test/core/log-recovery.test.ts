import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Name } from '../../core/name.js';
import { FileStore, LOG_FILE } from '../../core/store/file-store.js';
import { FileStoreError } from '../../core/store/file-store-error.js';
import { LOG_MAGIC } from '../../core/store/log-format.js';
import { readLogBack } from '../../core/store/log-recovery.js';

let dir: string;
let log: Buffer;
/** Where each of the three frames starts, and where the log ends. */
let frames: number[];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'jnhp-log-'));
  const store = FileStore.open({ dir: path.join(dir, 'source') });
  const file = path.join(dir, 'source', LOG_FILE);
  frames = [statSync(file).size];
  for (const batch of [
    ['a1', 'a2'],
    ['b1', 'b2', 'b3'],
    ['c1', 'c2'],
  ]) {
    await Promise.all(batch.map((name) => store.putIfAbsent(Name.of(name), `value of ${name} ✓`)));
    frames.push(statSync(file).size);
  }
  await store.close();
  log = readFileSync(file);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

let copies = 0;
/** Writes `bytes` as a log of its own and reads it back: the names found, and what the reader said. */
function readBack(bytes: Buffer): {
  names: string[];
  tornTail: { offset: number; bytes: number } | null;
  size: number;
} {
  const file = path.join(dir, `copy-${copies++}.log`);
  writeFileSync(file, bytes);
  const names: string[] = [];
  const back = readLogBack(file, (buf, nameStart, nameEnd, valueStart, valueEnd) => {
    const name = buf.toString('utf8', nameStart, nameEnd);
    expect(buf.toString('utf8', valueStart, valueEnd)).toBe(`value of ${name} ✓`);
    names.push(name);
  });
  return { names, tornTail: back.tornTail, size: statSync(file).size };
}

const flipped = (at: number): Buffer => {
  const copy = Buffer.from(log);
  copy[at] = (copy[at] as number) ^ 0x40;
  return copy;
};

describe('reading the log back', () => {
  it('finds every record of an intact log', () => {
    expect(readBack(log)).toEqual({
      names: ['a1', 'a2', 'b1', 'b2', 'b3', 'c1', 'c2'],
      tornTail: null,
      size: log.length,
    });
  });

  it('cuts off a last frame cut short at any byte, and keeps the frames before it', () => {
    const [, , last, end] = frames as [number, number, number, number];
    for (let cut = last + 1; cut < end; cut++) {
      expect(readBack(log.subarray(0, cut))).toEqual({
        names: ['a1', 'a2', 'b1', 'b2', 'b3'],
        tornTail: { offset: last, bytes: cut - last },
        size: last,
      });
    }
  });

  it('cuts off bytes appended after the last frame: zeros, random bytes, the start of a frame', () => {
    const [first, second] = frames as [number, number];
    for (const tail of [Buffer.alloc(100), randomBytes(5000), log.subarray(first, second - 3), Buffer.from('x')]) {
      expect(readBack(Buffer.concat([log, tail]))).toMatchObject({
        tornTail: { offset: log.length, bytes: tail.length },
        size: log.length,
      });
    }
  });

  it('cuts off a last frame with any byte flipped (it cannot be told from a torn one)', () => {
    const [, , last, end] = frames as [number, number, number, number];
    for (let at = last; at < end; at++) {
      expect(readBack(flipped(at))).toMatchObject({ names: ['a1', 'a2', 'b1', 'b2', 'b3'], size: last });
    }
  });

  it('stops with the file and the offset of a frame with any byte flipped that intact frames follow', () => {
    const [, middle, last] = frames as [number, number, number];
    for (let at = middle; at < last; at++) {
      let err: unknown;
      try {
        readBack(flipped(at));
      } catch (e) {
        err = e;
      }
      const file = path.join(dir, `copy-${copies - 1}.log`);
      expect(err).toBeInstanceOf(FileStoreError);
      expect((err as Error).message).toBe(
        `${file}: damaged record at offset ${middle}, with intact records after it (see docs/file-store.md)`,
      );
      expect(statSync(file).size).toBe(log.length);
    }
  });

  it('refuses a file that is not a JNHP log, naming offset 0', () => {
    expect(() => readBack(Buffer.concat([Buffer.from('JNHPLOG2'), log.subarray(8)]))).toThrow(
      /copy-\d+\.log: not a JNHP log \(bad file header at offset 0\)/,
    );
  });

  it('starts a new log in a missing, empty or torn new file', () => {
    for (const start of [Buffer.alloc(0), LOG_MAGIC.subarray(0, 3)]) {
      expect(readBack(start)).toEqual({ names: [], tornTail: null, size: LOG_MAGIC.length });
    }
    const missing = path.join(dir, 'missing.log');
    expect(readLogBack(missing, () => {}).end).toBe(LOG_MAGIC.length);
    expect(readFileSync(missing)).toEqual(LOG_MAGIC);
  });

  it('appends after a torn tail that was cut off', async () => {
    const [, , last] = frames as [number, number, number];
    const data = path.join(dir, 'torn');
    const store = FileStore.open({ dir: data });
    await store.close();
    writeFileSync(path.join(data, LOG_FILE), log.subarray(0, last + 5));
    let reopened = FileStore.open({ dir: data });
    expect(reopened.readBack.tornTail).toEqual({ offset: last, bytes: 5 });
    expect(await reopened.putIfAbsent(Name.of('c1'), 'value of c1 ✓')).toBe(true);
    await reopened.close();
    reopened = FileStore.open({ dir: data });
    expect(reopened.readBack).toMatchObject({ names: 6, tornTail: null });
    await reopened.close();
    appendFileSync(path.join(data, LOG_FILE), 'garbage');
    truncateSync(path.join(data, LOG_FILE), statSync(path.join(data, LOG_FILE)).size - 1);
    reopened = FileStore.open({ dir: data });
    expect(reopened.readBack.tornTail?.bytes).toBe(6);
    await reopened.close();
  });
});
