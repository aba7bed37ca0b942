// Where a name and the token of its write live in Redis. The value is under
// prefix + the name's bytes; the token key ends in a space, which no name
// holds, so it never collides with a name, and shares the value's hash slot
// so that one script may touch both on a Redis Cluster.
//
// Keys are strings: names are valid UTF-8 (SPEC 1), so a key's UTF-8 is the
// prefix's bytes then the name's bytes as the client sent them, and ioredis
// encodes commands of string arguments without building buffers.

import type { Name } from '../name.js';

const TOKEN_SUFFIX = ' token';

export class RedisKeys {
  /** The prefix's bytes; also a key of its own (never a name's: names are not empty). */
  readonly prefix: Buffer;
  private readonly prefixText: string;

  constructor(
    prefix: string,
    private readonly clustered: boolean,
  ) {
    this.prefixText = prefix;
    this.prefix = Buffer.from(prefix, 'utf8');
  }

  /** The key of `name`. */
  key(name: Name): string {
    return this.prefixText + name.text;
  }

  /** Where the name's bytes start in the UTF-8 of a key. */
  nameStart(): number {
    return this.prefix.length;
  }

  /** The key for the token of a write to `key`, or null where none can share its hash slot. */
  tokenKey(key: string): string | null {
    if (!this.clustered || hasHashTag(key)) return key + TOKEN_SUFFIX;
    // The whole key is hashed: wrap it in braces so that the braces' content is hashed.
    if (key.includes('}')) return null;
    return `{${key}}${TOKEN_SUFFIX}`;
  }
}

/** True when Redis Cluster hashes only part of `key` (a non-empty `{...}`). */
export function hasHashTag(key: string): boolean {
  const open = key.indexOf('{');
  if (open === -1) return false;
  const close = key.indexOf('}', open + 1);
  return close > open + 1;
}
