// A name as the bytes the client sent (SPEC: names compare as bytes), viewed
// in place in the line it came from: a GET makes no string and no copy.
//
// A Name handed to the engine or a store is valid for that call only (the
// parser reuses one per connection); whatever keeps it longer takes copy().

export class Name {
  private decoded: string | undefined;

  constructor(
    public buf: Buffer,
    public start: number,
    public end: number,
  ) {}

  /** Points this name at other bytes (the parser's reuse). */
  reset(buf: Buffer, start: number, end: number): void {
    this.buf = buf;
    this.start = start;
    this.end = end;
    this.decoded = undefined;
  }

  /** A name of its own, with its own bytes: for keeping past the call. */
  copy(): Name {
    const name = new Name(this.bytes(), 0, this.end - this.start);
    name.decoded = this.decoded;
    return name;
  }

  static of(text: string): Name {
    const bytes = Buffer.from(text, 'utf8');
    const name = new Name(bytes, 0, bytes.length);
    name.decoded = text;
    return name;
  }

  get byteLength(): number {
    return this.end - this.start;
  }

  /** The name as text (it is valid UTF-8 by construction). */
  get text(): string {
    if (this.decoded === undefined) this.decoded = this.buf.toString('utf8', this.start, this.end);
    return this.decoded;
  }

  /** Its own copy of the bytes. */
  bytes(): Buffer {
    return Buffer.from(this.buf.subarray(this.start, this.end));
  }

  toString(): string {
    return this.text;
  }
}
