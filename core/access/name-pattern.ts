// A `~pattern` of an ACL user, compiled once: `*` matches any run of bytes,
// every other byte matches itself. Matching runs per command, on the name's
// bytes in place: no string, no allocation.

function equalAt(buf: Buffer, at: number, part: Buffer): boolean {
  for (let i = 0; i < part.length; i++) {
    if (buf[at + i] !== part[i]) return false;
  }
  return true;
}

/** Where `part` first occurs in `buf[from, to)`, or -1. */
function indexWithin(buf: Buffer, from: number, to: number, part: Buffer): number {
  const last = to - part.length;
  for (let at = from; at <= last; at++) {
    if (equalAt(buf, at, part)) return at;
  }
  return -1;
}

export class NamePattern {
  /** The bytes before the first `*` (all of them when there is none). */
  private readonly prefix: Buffer;
  /** The bytes after the last `*`. */
  private readonly suffix: Buffer;
  /** The non-empty runs between stars, in order. */
  private readonly middle: readonly Buffer[];
  private readonly hasStar: boolean;
  /** The fewest bytes a matching name has. */
  private readonly minLength: number;
  /** The byte every matching name starts with; -1 when the pattern starts with `*`. */
  readonly firstByte: number;

  constructor(readonly source: string) {
    const parts = source.split('*').map((p) => Buffer.from(p, 'utf8'));
    this.hasStar = parts.length > 1;
    this.prefix = parts[0] as Buffer;
    this.suffix = this.hasStar ? (parts[parts.length - 1] as Buffer) : Buffer.alloc(0);
    this.middle = parts.slice(1, -1).filter((p) => p.length > 0);
    this.minLength = parts.reduce((n, p) => n + p.length, 0);
    this.firstByte = this.prefix.length > 0 ? (this.prefix[0] as number) : -1;
  }

  /** True when the name `buf[start, end)` matches. */
  matches(buf: Buffer, start: number, end: number): boolean {
    const length = end - start;
    const prefix = this.prefix;
    if (!this.hasStar) return length === prefix.length && equalAt(buf, start, prefix);
    if (length < this.minLength || !equalAt(buf, start, prefix)) return false;
    const suffix = this.suffix;
    const tail = end - suffix.length;
    if (suffix.length > 0 && !equalAt(buf, tail, suffix)) return false;
    // Between prefix and suffix each run may float: its leftmost place leaves the most room for the rest.
    let at = start + prefix.length;
    for (const part of this.middle) {
      const found = indexWithin(buf, at, tail, part);
      if (found === -1) return false;
      at = found + part.length;
    }
    return true;
  }
}
