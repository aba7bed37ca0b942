// The file store's log, byte by byte (docs/file-store.md). After an 8-byte
// file header come frames, one per group commit, so that a crash mid-write
// tears at most the last frame:
//
//   frame:  u32 payload length | u32 CRC-32C of the payload | u32 CRC-32C of the 8 bytes before | payload
//   record: u16 name length | u32 value length | name | value (UTF-8)
//
// Integers are little-endian. The header's own CRC lets recovery trust a
// length before it reads that far, and find the next frame after damage.

import type { Name } from '../name.js';
import { crc32c } from './crc32c.js';

export const LOG_MAGIC = Buffer.from('JNHPLOG1', 'latin1');
export const FRAME_HEADER_BYTES = 12;
export const RECORD_HEADER_BYTES = 6;

/** The payload length of a frame whose header at buf[at] is intact, or -1. */
export function framePayloadLength(buf: Buffer, at: number): number {
  const length = buf.readUInt32LE(at);
  // Zero first: a tail of zeros (a crash on some file systems) is scanned without a CRC per byte.
  if (length === 0 || buf.readUInt32LE(at + 8) !== crc32c(buf, at, at + 8)) return -1;
  return length;
}

/** True when the payload of the frame at buf[at] (its header intact) matches its CRC. */
export function framePayloadIntact(buf: Buffer, at: number, length: number): boolean {
  const start = at + FRAME_HEADER_BYTES;
  return buf.readUInt32LE(at + 4) === crc32c(buf, start, start + length);
}

/** Builds one frame in a reusable buffer: records first, the header when sealed. */
export class FrameBuilder {
  buf: Buffer;
  used = FRAME_HEADER_BYTES;

  constructor(capacity = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  get isEmpty(): boolean {
    return this.used === FRAME_HEADER_BYTES;
  }

  /** Appends a record; returns where its name starts in `buf` (valid across growth). */
  add(name: Name, value: string): number {
    const nameLength = name.end - name.start;
    // UTF-16 to UTF-8 takes at most 3 bytes per unit.
    this.reserve(RECORD_HEADER_BYTES + nameLength + 3 * value.length);
    const buf = this.buf;
    const at = this.used;
    const nameAt = at + RECORD_HEADER_BYTES;
    name.buf.copy(buf, nameAt, name.start, name.end);
    const valueLength = buf.write(value, nameAt + nameLength, 'utf8');
    buf.writeUInt16LE(nameLength, at);
    buf.writeUInt32LE(valueLength, at + 2);
    this.used = nameAt + nameLength + valueLength;
    return nameAt;
  }

  /** Writes the header; buf[0, used) is then the frame. */
  seal(): void {
    const buf = this.buf;
    buf.writeUInt32LE(this.used - FRAME_HEADER_BYTES, 0);
    buf.writeUInt32LE(crc32c(buf, FRAME_HEADER_BYTES, this.used), 4);
    buf.writeUInt32LE(crc32c(buf, 0, 8), 8);
  }

  /** Empties it for the next frame, letting go of a buffer grown past `keep` bytes. */
  reset(keep: number): void {
    this.used = FRAME_HEADER_BYTES;
    if (this.buf.length > keep) this.buf = Buffer.allocUnsafe(keep);
  }

  private reserve(bytes: number): void {
    const need = this.used + bytes;
    if (need <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
    this.buf.copy(grown, 0, 0, this.used);
    this.buf = grown;
  }
}
