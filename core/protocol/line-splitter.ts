// Turns a byte stream into lines (LF or CRLF). A line that lies inside one
// chunk is reported in place, without a copy. What must wait (an unfinished
// line, or input that arrives before the last was read) is copied once into
// one growing buffer, so that what a connection holds is proportional to the
// bytes it sent, however they were cut into packets. A line longer than
// `maxLineBytes` is reported once as an overflow and the rest of it is skipped
// without being buffered.
//
// Pull-style, so a consumer can stop between two lines (a STORE waiting on a
// validator, a slice of work done) and resume later from the same place.

export const Next = { Line: 0, Overflow: 1, NeedMore: 2 } as const;
export type Next = (typeof Next)[keyof typeof Next];

const LF = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);
const LF_BYTE = Buffer.from([LF]);
/** The first size of the owned buffer: small, from Node's pool; it grows by doubling. */
const MIN_OWNED = 128;

export class LineSplitter {
  /** After `Next.Line`: the line is `buf[start, end)`, its line end removed. */
  buf: Buffer = EMPTY;
  start = 0;
  end = 0;

  /** What `next()` reads: a borrowed chunk, or a view of `owned` over its valid bytes. */
  private input: Buffer = EMPTY;
  private pos = 0;
  /** Bytes of `input` from `pos` up to here hold no LF. */
  private scanned = 0;
  /** Where input waits when it cannot be read in place; null while input is borrowed. */
  private owned: Buffer | null = null;
  private skipping = false;
  /** Where the last line reported starts in `input`, line end included: for `giveBack()`. */
  private lineFrom = 0;
  /** The last line reported ended at an implied line end: `giveBack()` restores it. */
  private lineImplied = false;
  /** A line end that `feedLine` implies right after `input`, not yet read. */
  private impliedLf = false;
  /** Bytes fed so far, line ends added by `feedLine` included. */
  private fed = 0;

  constructor(readonly maxLineBytes: number) {}

  /** Bytes received and not yet reported as lines (an unfinished line included). */
  get unread(): number {
    return this.input.length - this.pos + (this.impliedLf ? 1 : 0);
  }

  /** Bytes fed so far that `next()` has gone past (as lines, overflow or skipped). */
  get consumed(): number {
    return this.fed - this.unread;
  }

  /** True while complete or partial input waits to be read by `next()`. */
  get hasInput(): boolean {
    return this.pos < this.input.length || this.impliedLf;
  }

  /** Memory this splitter holds of its own (the buffer it copies into). */
  get heldBytes(): number {
    return this.owned === null ? 0 : this.owned.length;
  }

  /** Hands over bytes received; read in place while nothing else waits, copied otherwise. */
  feed(chunk: Buffer): void {
    this.fed += chunk.length;
    if (this.hasInput) this.append(chunk, false);
    else this.borrow(chunk);
  }

  /**
   * Hands over one message that ends a line: LF is implied when it does not
   * end in one (the message is still read in place while nothing else waits).
   */
  feedLine(message: Buffer): void {
    const terminated = message.length > 0 && message[message.length - 1] === LF;
    if (terminated) {
      this.feed(message);
      return;
    }
    this.fed += message.length + 1;
    if (this.hasInput) {
      this.append(message, true);
      return;
    }
    this.borrow(message);
    this.impliedLf = true;
  }

  private borrow(chunk: Buffer): void {
    this.release();
    this.input = chunk;
    this.pos = 0;
    this.scanned = 0;
  }

  next(): Next {
    const input = this.input;
    while (this.pos < input.length || this.impliedLf) {
      const from = this.pos;
      let nl = input.indexOf(LF, this.scanned);
      let implied = false;
      if (nl === -1 && this.impliedLf) {
        nl = input.length;
        this.impliedLf = false;
        implied = true;
      }
      if (nl === -1) {
        if (this.skipping) {
          this.dropUnread();
          return Next.NeedMore;
        }
        // One byte of slack: a CR may end the kept bytes while its LF is late.
        if (input.length - from > this.maxLineBytes + 1) {
          this.dropUnread();
          this.skipping = true;
          return Next.Overflow;
        }
        this.scanned = input.length;
        if (this.owned === null) this.append(EMPTY, false);
        return Next.NeedMore;
      }
      // Past the LF, or at the end when it was implied.
      this.pos = Math.min(nl + 1, input.length);
      this.scanned = this.pos;
      if (this.skipping) {
        this.skipping = false;
        continue;
      }
      this.lineFrom = from;
      this.lineImplied = implied;
      this.setLine(input, from, nl);
      if (this.end - this.start > this.maxLineBytes) return Next.Overflow;
      return Next.Line;
    }
    this.release();
    return Next.NeedMore;
  }

  /** At end of input: an unterminated last line counts as a line. */
  finish(): Next {
    if (this.skipping || this.pos === this.input.length) return Next.NeedMore;
    this.lineFrom = this.pos;
    this.lineImplied = false;
    this.setLine(this.input, this.pos, this.input.length);
    this.pos = this.input.length;
    return this.end - this.start > this.maxLineBytes ? Next.Overflow : Next.Line;
  }

  /**
   * Gives back the line just reported (`Next.Line`): the next `next()` or
   * `finish()` reports it again. Only before any other call.
   */
  giveBack(): void {
    this.pos = this.lineFrom;
    this.scanned = this.lineFrom;
    if (this.lineImplied) this.impliedLf = true;
  }

  private setLine(buf: Buffer, start: number, end: number): void {
    if (end > start && buf[end - 1] === CR) end--;
    this.buf = buf;
    this.start = start;
    this.end = end;
  }

  /** Copies the unread input and then `chunk` (and an LF) into the owned buffer. */
  private append(chunk: Buffer, addLf: boolean): void {
    if (this.impliedLf) {
      // The borrowed message waits: it is copied with its line end, and the new bytes after it.
      this.impliedLf = false;
      this.append(LF_BYTE, false);
    }
    const extra = chunk.length + (addLf ? 1 : 0);
    const unread = this.input.length - this.pos;
    let owned = this.owned;
    let at: number;
    if (owned !== null && this.input.length + extra <= owned.length) {
      at = this.input.length;
    } else {
      if (owned === null || unread + extra > owned.length) {
        // Grows by doubling, so that a line fed byte by byte is copied about twice in all.
        const size = Math.max(MIN_OWNED, unread + extra, owned === null ? 0 : 2 * owned.length);
        const grown = Buffer.allocUnsafe(size);
        this.input.copy(grown, 0, this.pos);
        owned = grown;
      } else {
        // Room enough once the bytes already read are dropped from the front.
        owned.copyWithin(0, this.pos, this.input.length);
      }
      this.scanned -= this.pos;
      this.pos = 0;
      this.owned = owned;
      at = unread;
    }
    at += chunk.copy(owned, at);
    if (addLf) owned[at++] = LF;
    this.input = owned.subarray(0, at);
  }

  private dropUnread(): void {
    this.pos = this.input.length;
    this.scanned = this.pos;
    this.release();
  }

  /** Once everything was read, the owned buffer goes: an idle connection holds none. */
  private release(): void {
    if (this.owned === null) return;
    this.owned = null;
    this.input = EMPTY;
    this.pos = 0;
    this.scanned = 0;
  }
}
