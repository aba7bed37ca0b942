import type { ErrorCode } from '../errors.js';
import type { Name } from '../name.js';

export const Op = {
  Get: 'GET',
  Exists: 'EXISTS',
  Store: 'STORE',
  Ping: 'PING',
  Quit: 'QUIT',
  /** `AUTH <token>`: the connection acts as the token's user from now on (SPEC section 8). */
  Auth: 'AUTH',
  /** A line that looks like HTTP: the connection is closed, nothing runs. */
  Http: 'HTTP',
  /** A line the server answers with `ERROR <reason>`. */
  Invalid: 'INVALID',
} as const;
export type Op = (typeof Op)[keyof typeof Op];

export type Command =
  | { readonly op: typeof Op.Get; readonly name: Name }
  | { readonly op: typeof Op.Exists; readonly name: Name }
  | { readonly op: typeof Op.Store; readonly name: Name; readonly value: string }
  | { readonly op: typeof Op.Ping }
  | { readonly op: typeof Op.Quit }
  /** `token` holds the bytes the client sent, one char per byte (latin1). */
  | { readonly op: typeof Op.Auth; readonly token: string }
  | { readonly op: typeof Op.Http }
  | { readonly op: typeof Op.Invalid; readonly code: ErrorCode; readonly reason: string };
