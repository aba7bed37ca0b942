// Where names, and the records of the write script's calls, live in Redis.
// A name's value is under prefix + the name's bytes; a record's key holds a
// space, which no name holds, so it never collides with a name's.
//
// Keys are strings: names are valid UTF-8 (SPEC 1), so a key's UTF-8 is the
// prefix's bytes then the name's bytes as the client sent them, and ioredis
// encodes commands of string arguments without building buffers.

import type { Name } from '../name.js';

export class RedisKeys {
  /** The prefix's bytes; also a key of its own (never a name's: names are not empty). */
  readonly prefix: Buffer;
  private readonly prefixText: string;

  constructor(prefix: string) {
    this.prefixText = prefix;
    this.prefix = Buffer.from(prefix, 'utf8');
  }

  /** The key of `name`. */
  key(name: Name): string {
    return this.prefixText + name.text;
  }

  /** The length of the key of `name` in UTF-8. */
  keyBytes(name: Name): number {
    return this.prefix.length + name.end - name.start;
  }

  /** Where the name's bytes start in the UTF-8 of a key. */
  nameStart(): number {
    return this.prefix.length;
  }

  /** The key of the record a call of the write script leaves (`token`: unique to the call). */
  record(token: string): string {
    return `${this.prefixText}${token} writes`;
  }
}
