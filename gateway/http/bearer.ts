// `Authorization: Bearer <token>` (RFC 6750), for REST and the WebSocket
// upgrade, and the challenges of a 401.

import type { AccessControl } from '../../core/access/access-control.js';
import type { AclUser } from '../../core/access/acl.js';

const BEARER = /^bearer +([\x21-\x7e]+) *$/i;

/** The token of an Authorization header; null when the header is not a bearer token. */
export function bearerToken(header: string): string | null {
  return BEARER.exec(header)?.[1] ?? null;
}

/** WWW-Authenticate of a 401 for a request without a token. */
export const ASK_FOR_TOKEN = 'Bearer realm="jnhp"';
/** WWW-Authenticate of a 401 for a token that names no enabled user. */
export const BAD_TOKEN = 'Bearer realm="jnhp", error="invalid_token"';

interface Seen {
  readonly header: string;
  readonly generation: number;
  readonly user: AclUser;
}

/**
 * The user of the bearer token each HTTP connection last sent, so that a
 * keep-alive client pays for parsing and hashing it once, not per request.
 * Comparing a header with the one the same connection sent before reveals
 * nothing about anyone else's token; the memory goes with the connection,
 * and a reload voids it.
 */
export class ConnectionTokens {
  private readonly seen = new WeakMap<object, Seen>();

  constructor(private readonly access: AccessControl) {}

  /** The enabled user the bearer token of an Authorization `header` authenticates as, or null. */
  authenticate(connection: object, header: string): AclUser | null {
    const generation = this.access.generation;
    const seen = this.seen.get(connection);
    if (seen !== undefined && seen.header === header && seen.generation === generation) return seen.user;
    const token = bearerToken(header);
    const user = token === null ? null : this.access.authenticate(token);
    if (user === null) this.seen.delete(connection);
    else this.seen.set(connection, { header, generation, user });
    return user;
  }
}
