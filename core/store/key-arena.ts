// The keys of reads, written as RESP arguments (`$<length>\r\n<key>\r\n`)
// back to back, straight from the names' bytes as the reads start: a run of
// reads is then sent as one slice of a chunk, with no string per key and no
// encoding on the way out. Chunks are never reused (a read keeps a view of
// its key until it settles): a full one is left to the garbage collector.

import type { Name } from '../name.js';

const CHUNK_BYTES = 64 * 1024;
const DOLLAR = 0x24;
const CR = 0x0d;
const LF = 0x0a;

export class KeyArena {
  /** The chunk the last `add` wrote to. */
  chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  /** Bytes of `chunk` written: the end of the last argument. */
  used = 0;

  constructor(private readonly prefix: Buffer) {}

  /** Writes the key of `name` as one argument; returns where it starts in `chunk` (it ends at `used`). */
  add(name: Name): number {
    const prefix = this.prefix;
    const { buf, start, end } = name;
    const length = prefix.length + end - start;
    // `$`, up to 10 digits, CR LF, the key, CR LF.
    if (this.used + length + 15 > this.chunk.length) {
      this.chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, length + 15));
      this.used = 0;
    }
    const chunk = this.chunk;
    const at = this.used;
    let i = at;
    chunk[i++] = DOLLAR;
    if (length < 10) chunk[i++] = 0x30 + length;
    else if (length < 100) {
      chunk[i++] = 0x30 + Math.floor(length / 10);
      chunk[i++] = 0x30 + (length % 10);
    } else i += chunk.write(String(length), i, 'latin1');
    chunk[i++] = CR;
    chunk[i++] = LF;
    // Keys are short: a loop beats Buffer#copy's set-up.
    for (let j = 0; j < prefix.length; j++) chunk[i++] = prefix[j] as number;
    for (let j = start; j < end; j++) chunk[i++] = buf[j] as number;
    chunk[i++] = CR;
    chunk[i++] = LF;
    this.used = i;
    return at;
  }
}
