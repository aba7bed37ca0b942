// A name as the bytes the client sent (SPEC: names compare as bytes), viewed
// in place in the line it came from: a GET makes no string and no copy.

export class Name {
  private decoded: string | undefined;

  constructor(
    readonly buf: Buffer,
    readonly start: number,
    readonly end: number,
  ) {}

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
