// Values read back at startup, as UTF-8 bytes back to back, each after its
// u32 length, addressed by offset: a million strings made at once would cost
// seconds of garbage collection, and most may never be asked for.

export class ValueArena {
  private buf = Buffer.allocUnsafe(1024 * 1024);
  private used = 0;

  /** Keeps src[start, end); returns its offset. */
  add(src: Buffer, start: number, end: number): number {
    const length = end - start;
    const at = this.used;
    if (at + 4 + length > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(2 * this.buf.length, at + 4 + length));
      this.buf.copy(grown, 0, 0, at);
      this.buf = grown;
    }
    const buf = this.buf;
    buf.writeUInt32LE(length, at);
    // Most values are short: a loop beats Buffer#copy's set-up.
    if (length > 64) src.copy(buf, at + 4, start, end);
    else for (let i = 0; i < length; i++) buf[at + 4 + i] = src[start + i] as number;
    this.used = at + 4 + length;
    return at;
  }

  /** The value kept at `at`, as text. */
  text(at: number): string {
    return this.buf.toString('utf8', at + 4, at + 4 + this.buf.readUInt32LE(at));
  }

  /** Lets go of the room grown for more. */
  trim(): void {
    if (this.buf.length > this.used) this.buf = Buffer.from(this.buf.subarray(0, this.used));
  }
}
