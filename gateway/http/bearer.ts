// `Authorization: Bearer <token>` (RFC 6750), for REST and the WebSocket
// upgrade, and the challenges of a 401.

const BEARER = /^bearer +([\x21-\x7e]+) *$/i;

/** The token of an Authorization header; null when the header is not a bearer token. */
export function bearerToken(header: string): string | null {
  return BEARER.exec(header)?.[1] ?? null;
}

/** WWW-Authenticate of a 401 for a request without a token. */
export const ASK_FOR_TOKEN = 'Bearer realm="jnhp"';
/** WWW-Authenticate of a 401 for a token that names no enabled user. */
export const BAD_TOKEN = 'Bearer realm="jnhp", error="invalid_token"';
