// Where a name and the token of its write live in Redis. The value is under
// prefix + the name's bytes; the token key ends in a space, which no name
// holds, so it never collides with a name, and shares the value's hash slot
// so that one script may touch both on a Redis Cluster.

import type { Name } from '../name.js';

const TOKEN_SUFFIX = Buffer.from(' token');
const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }

export class RedisKeys {
  /** The prefix's bytes; also a key of its own (never a name's: names are not empty). */
  readonly prefix: Buffer;

  constructor(
    prefix: string,
    private readonly clustered: boolean,
  ) {
    this.prefix = Buffer.from(prefix, 'utf8');
  }

  /** The key of `name`: its own copy, safe to keep after the line buffer is reused. */
  key(name: Name): Buffer {
    const prefix = this.prefix;
    const key = Buffer.allocUnsafe(prefix.length + name.byteLength);
    prefix.copy(key, 0);
    name.buf.copy(key, prefix.length, name.start, name.end);
    return key;
  }

  /** The name's bytes inside its key. */
  nameStart(): number {
    return this.prefix.length;
  }

  /** The key for the token of a write to `key`, or null where none can share its hash slot. */
  tokenKey(key: Buffer): Buffer | null {
    if (!this.clustered || hasHashTag(key)) return Buffer.concat([key, TOKEN_SUFFIX]);
    // The whole key is hashed: wrap it in braces so that the braces' content is hashed.
    if (key.includes(CLOSE)) return null;
    return Buffer.concat([Buffer.of(OPEN), key, Buffer.of(CLOSE), TOKEN_SUFFIX]);
  }
}

/** True when Redis Cluster hashes only part of `key` (a non-empty `{...}`). */
export function hasHashTag(key: Buffer): boolean {
  const open = key.indexOf(OPEN);
  if (open === -1) return false;
  const close = key.indexOf(CLOSE, open + 1);
  return close > open + 1;
}
