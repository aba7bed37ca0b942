// What a connection owes its client and the socket has not taken yet, held
// as bytes. While nothing is on its way, a burst of replies goes straight to
// the socket (the kernel usually takes it at once). While a write is on its
// way, later replies are copied into one growing buffer, written as one chunk
// once the socket is done with the previous: a client that does not read
// costs the bytes of its replies, not an object per reply.

import type { Writable } from 'node:stream';

/** Unsent reply bytes past which a client is no longer read (it does not read its replies). */
export const MAX_UNSENT_BYTES = 1024 * 1024;
/** Reply bytes of one burst past which they are written at once, so that congestion shows mid-burst. */
export const FLUSH_AT = 64 * 1024;

/** Who owns the output: told when it may take replies again, and when the memory held may have changed. */
export interface OutputOwner {
  writable(): void;
  changed(): void;
}

/** The first size of a held buffer: small, from Node's pool; it grows by doubling. */
const MIN_HELD = 256;

export class HeldOutput {
  /** Bytes held so far: `buffer[0, length)`. */
  length = 0;
  /**
   * True while more than MAX_UNSENT_BYTES wait: the session runs no more
   * lines until the owner hears `writable()` (once half of it is written).
   */
  congested = false;
  private buffer: Buffer | null = null;
  private afterHeld: (() => void) | null = null;

  constructor(
    private readonly socket: Writable,
    private readonly owner: OutputOwner,
  ) {}

  /** True while earlier output is on its way or held: new output must be held behind it. */
  get busy(): boolean {
    return this.length > 0 || this.socket.writableLength > 0;
  }

  /** Bytes not yet taken by the kernel: held here, or queued in the socket. */
  get unsent(): number {
    return this.length + this.socket.writableLength;
  }

  /** Memory held for this output: the held buffer and what the socket queued. */
  get bytes(): number {
    return (this.buffer === null ? 0 : this.buffer.length) + this.socket.writableLength;
  }

  /** Writes `data` at once; only while not `busy`. */
  write(data: string | Buffer): void {
    this.socket.write(data, this.written);
  }

  /** A buffer with room for `bytes` more from `length` on; write into it, then advance `length`. */
  reserve(bytes: number): Buffer {
    const buffer = this.buffer;
    const needed = this.length + bytes;
    if (buffer !== null && needed <= buffer.length) return buffer;
    // Grows by doubling: the bytes held are copied about once more in all.
    const grown = Buffer.allocUnsafe(Math.max(MIN_HELD, needed, buffer === null ? 0 : 2 * buffer.length));
    if (buffer !== null) buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
    return grown;
  }

  /** Holds `text` as UTF-8. */
  holdString(text: string): void {
    const max = text.length <= 1024 ? text.length * 3 : Buffer.byteLength(text);
    const buffer = this.reserve(max);
    this.length += buffer.write(text, this.length);
  }

  /** Writes what is held if the socket has nothing on its way; call after each burst. */
  flush(): void {
    if (this.length > 0 && this.socket.writableLength === 0) this.writeHeld();
    if (!this.congested && this.unsent > MAX_UNSENT_BYTES) this.congested = true;
    this.owner.changed();
  }

  /** Calls `then` once nothing is held any more (the socket may still be writing). */
  whenHeldWritten(then: () => void): void {
    if (this.length === 0) then();
    else this.afterHeld = then;
  }

  private writeHeld(): void {
    const out = (this.buffer as Buffer).subarray(0, this.length);
    // The socket owns these bytes now; the next reply held gets a new buffer.
    this.buffer = null;
    this.length = 0;
    this.socket.write(out, this.written);
    const then = this.afterHeld;
    if (then !== null) {
      this.afterHeld = null;
      then();
    }
  }

  private readonly written = (err?: Error | null): void => {
    if (err || this.socket.destroyed) return;
    if (this.length > 0 && this.socket.writableLength === 0) this.writeHeld();
    if (this.congested && this.unsent <= MAX_UNSENT_BYTES / 2) {
      this.congested = false;
      this.owner.writable();
    }
    this.owner.changed();
  };
}
