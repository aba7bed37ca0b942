// Tokens and their SHA-256: an ACL file holds only the hash of a token
// (`#<64 hex digits>`), the way Redis keeps passwords.

import { createHash, hash, randomBytes } from 'node:crypto';

/** Bytes of randomness in a new token: 256 bits, as long as the hash. */
const TOKEN_BYTES = 32;

/**
 * The SHA-256 of a token as lower-case hex. A token is taken as the bytes
 * the client sent: `latin1` maps each char of a header or a line back to its byte.
 */
export function hashToken(token: string): string {
  return tokenDigest(token).toString('hex');
}

/** Printable ASCII: where UTF-8 and latin1 give the same bytes. */
const PRINTABLE = /^[\x21-\x7e]*$/;

/** The SHA-256 of a token, as bytes. */
export function tokenDigest(token: string): Buffer {
  // The one-shot hash is about twice as fast; it reads a string as UTF-8, which is latin1 for printable ASCII.
  if (PRINTABLE.test(token)) return hash('sha256', token, 'buffer');
  return createHash('sha256').update(token, 'latin1').digest();
}

/** A new random token: URL-safe, no whitespace, fit for a header and a command line. */
export function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}
