// Reads the file store's log back at startup, sequentially and synchronously
// (nothing else runs yet). The first frame that does not check out ends the
// log: when no intact frame follows it, it is the torn tail of a crash
// mid-write and is cut off; when one does, the log is damaged and startup
// stops, since cutting there would drop names that were acknowledged.

import fs from 'node:fs';
import path from 'node:path';
import { FileStoreError } from './file-store-error.js';
import {
  FRAME_HEADER_BYTES,
  framePayloadIntact,
  framePayloadLength,
  LOG_MAGIC,
  RECORD_HEADER_BYTES,
} from './log-format.js';

export interface TornTail {
  /** Where the log now ends. */
  readonly offset: number;
  /** Bytes cut off. */
  readonly bytes: number;
}

export interface LogReadBack {
  readonly records: number;
  /** The log's length once read back: where the next frame goes. */
  readonly end: number;
  readonly tornTail: TornTail | null;
}

/** Called per record with views of its name and value bytes (valid during the call only). */
export type OnRecord = (buf: Buffer, nameStart: number, nameEnd: number, valueStart: number, valueEnd: number) => void;

const CHUNK_BYTES = 8 * 1024 * 1024;

/** Reads the log at `file` (creating it when missing) and hands each record to `onRecord`. */
export function readLogBack(file: string, onRecord: OnRecord): LogReadBack {
  const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
  try {
    const size = fs.fstatSync(fd).size;
    if (size < LOG_MAGIC.length) {
      startLog(fd, file, size);
      return { records: 0, end: LOG_MAGIC.length, tornTail: null };
    }
    const window = new Window(fd, size);
    window.load(0, LOG_MAGIC.length);
    if (!window.buf.subarray(0, LOG_MAGIC.length).equals(LOG_MAGIC)) {
      throw new FileStoreError(`${file}: not a JNHP log (bad file header at offset 0)`);
    }
    let at = LOG_MAGIC.length;
    let records = 0;
    for (;;) {
      const length = frameAt(window, at);
      if (length < 0) break;
      const buf = window.buf;
      const end = at - window.start + FRAME_HEADER_BYTES + length;
      let p = at - window.start + FRAME_HEADER_BYTES;
      while (p < end) {
        const nameStart = p + RECORD_HEADER_BYTES;
        const nameEnd = nameStart + (nameStart <= end ? buf.readUInt16LE(p) : 0);
        const valueEnd = nameEnd + (nameStart <= end ? buf.readUInt32LE(p + 2) : 0);
        // An intact frame holding a malformed record was written wrong: no cut can mend that.
        if (nameEnd === nameStart || valueEnd === nameEnd || valueEnd > end) {
          throw new FileStoreError(`${file}: damaged record at offset ${window.start + p} (bad lengths)`);
        }
        onRecord(buf, nameStart, nameEnd, nameEnd, valueEnd);
        records++;
        p = valueEnd;
      }
      at += FRAME_HEADER_BYTES + length;
    }
    if (at === size) return { records, end: at, tornTail: null };
    for (let p = at + 1; p + FRAME_HEADER_BYTES <= size; p++) {
      if (frameAt(window, p) >= 0) {
        throw new FileStoreError(
          `${file}: damaged record at offset ${at}, with intact records after it (see docs/file-store.md)`,
        );
      }
    }
    fs.ftruncateSync(fd, at);
    fs.fdatasyncSync(fd);
    return { records, end: at, tornTail: { offset: at, bytes: size - at } };
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes the file header of a new log (or one torn while it was being created). */
function startLog(fd: number, file: string, size: number): void {
  const head = Buffer.alloc(size);
  fs.readSync(fd, head, 0, size, 0);
  if (!head.equals(LOG_MAGIC.subarray(0, size)) && head.some((b) => b !== 0)) {
    throw new FileStoreError(`${file}: not a JNHP log (bad file header at offset 0)`);
  }
  fs.ftruncateSync(fd, 0);
  fs.writeSync(fd, LOG_MAGIC, 0, LOG_MAGIC.length, 0);
  fs.fdatasyncSync(fd);
  // The new file's directory entry must be on disk too, or a crash could lose the whole log.
  const dir = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
}

/** The payload length of the intact frame at file offset `at`, or -1. */
function frameAt(window: Window, at: number): number {
  if (!window.load(at, FRAME_HEADER_BYTES)) return -1;
  const length = framePayloadLength(window.buf, at - window.start);
  if (length < 0 || !window.load(at, FRAME_HEADER_BYTES + length)) return -1;
  return framePayloadIntact(window.buf, at - window.start, length) ? length : -1;
}

/** A sliding view of the file: buf[0, filled) holds the bytes from file offset `start`. */
class Window {
  buf: Buffer;
  start = 0;
  private filled = 0;

  constructor(
    private readonly fd: number,
    private readonly size: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, size));
  }

  /** Makes file bytes [at, at + n) readable at buf[at - start]; false when the file ends first. */
  load(at: number, n: number): boolean {
    if (at + n > this.size) return false;
    if (at >= this.start && at + n <= this.start + this.filled) return true;
    let kept = 0;
    const old = this.buf;
    if (n > old.length) this.buf = Buffer.allocUnsafe(Math.max(n, 2 * old.length));
    if (at >= this.start && at < this.start + this.filled) {
      kept = this.start + this.filled - at;
      old.copy(this.buf, 0, at - this.start, this.filled);
    }
    this.start = at;
    const want = Math.min(this.buf.length, this.size - at);
    let got = kept;
    while (got < want) {
      const read = fs.readSync(this.fd, this.buf, got, want - got, at + got);
      if (read === 0) break;
      got += read;
    }
    this.filled = got;
    return got >= n;
  }
}
