// Turns a byte stream into lines (LF or CRLF), without copying a line that
// lies inside one chunk. A line longer than `maxLineBytes` is reported once
// as an overflow and the rest of it is skipped without being buffered.
//
// Pull-style, so a consumer can stop between two lines (a STORE waiting on a
// validator) and resume later from the same place.

export const Next = { Line: 0, Overflow: 1, NeedMore: 2 } as const;
export type Next = (typeof Next)[keyof typeof Next];

const LF = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);

export class LineSplitter {
  /** After `Next.Line`: the line is `buf[start, end)`, its line end removed. */
  buf: Buffer = EMPTY;
  start = 0;
  end = 0;

  private chunk: Buffer = EMPTY;
  private pos = 0;
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private skipping = false;

  constructor(readonly maxLineBytes: number) {}

  /** Hands over the next chunk; call only once `next()` said `NeedMore`. */
  feed(chunk: Buffer): void {
    this.chunk = chunk;
    this.pos = 0;
  }

  /** True while bytes of the last fed chunk wait to be read by `next()`. */
  get hasInput(): boolean {
    return this.pos < this.chunk.length;
  }

  next(): Next {
    const chunk = this.chunk;
    while (this.pos < chunk.length) {
      const from = this.pos;
      const nl = chunk.indexOf(LF, from);
      if (nl === -1) {
        this.pos = chunk.length;
        if (this.skipping) return Next.NeedMore;
        // One byte of slack: a CR may end the kept bytes while its LF is late.
        if (this.partialBytes + chunk.length - from > this.maxLineBytes + 1) {
          this.dropPartial();
          this.skipping = true;
          return Next.Overflow;
        }
        this.partial.push(Buffer.from(chunk.subarray(from)));
        this.partialBytes += chunk.length - from;
        return Next.NeedMore;
      }
      this.pos = nl + 1;
      if (this.skipping) {
        this.skipping = false;
        continue;
      }
      if (this.partialBytes > 0) {
        this.partial.push(chunk.subarray(from, nl));
        this.setLine(Buffer.concat(this.partial), 0, this.partialBytes + nl - from);
        this.dropPartial();
      } else {
        this.setLine(chunk, from, nl);
      }
      if (this.end - this.start > this.maxLineBytes) return Next.Overflow;
      return Next.Line;
    }
    return Next.NeedMore;
  }

  /** At end of input: an unterminated last line counts as a line. */
  finish(): Next {
    if (this.skipping || this.partialBytes === 0) return Next.NeedMore;
    this.setLine(Buffer.concat(this.partial), 0, this.partialBytes);
    this.dropPartial();
    return this.end - this.start > this.maxLineBytes ? Next.Overflow : Next.Line;
  }

  private setLine(buf: Buffer, start: number, end: number): void {
    if (end > start && buf[end - 1] === CR) end--;
    this.buf = buf;
    this.start = start;
    this.end = end;
  }

  private dropPartial(): void {
    this.partial = [];
    this.partialBytes = 0;
  }
}
