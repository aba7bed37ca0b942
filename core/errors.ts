// Every failure a client can see has a stable code; transports map codes to
// their wire form (`ERROR ...`, an HTTP status, a close code).

export const ErrorCode = {
  UnknownCommand: 'unknown_command',
  WrongArguments: 'wrong_arguments',
  BadName: 'bad_name',
  BadValue: 'bad_value',
  InvalidUtf8: 'invalid_utf8',
  LineTooLong: 'line_too_long',
  StorageUnavailable: 'storage_unavailable',
  ValidatorOverloaded: 'validator_overloaded',
  TooManyConnections: 'too_many_connections',
  /** The client's user may not run this command on this name (SPEC section 8). */
  Forbidden: 'forbidden',
  /** Past --store-rate (SPEC section 10). */
  RateLimited: 'rate_limited',
  Internal: 'internal',
  // What a client sees besides the codes above (client/): the server's
  // `ERROR <reason>` line, and failures on its own side of the connection.
  /** The server answered `ERROR <reason>`; the message is the reason. */
  ErrorReply: 'error_reply',
  /** No reply within the client's timeout. */
  Timeout: 'timeout',
  /** The connection failed, closed, or could not be opened. */
  ConnectionLost: 'connection_lost',
  /** A STORE was sent but its reply never came: it may or may not be stored. */
  OutcomeUnknown: 'outcome_unknown',
  /** The client's token was refused (`RARGH!` to its `AUTH`). */
  AuthRefused: 'auth_refused',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class JnhpError extends Error {
  override name = 'JnhpError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function storageUnavailable(cause?: unknown): JnhpError {
  return new JnhpError(ErrorCode.StorageUnavailable, 'storage unavailable', { cause });
}

export function tooManyConnections(): JnhpError {
  return new JnhpError(ErrorCode.TooManyConnections, 'too many connections (see --max-connections)');
}

export function tooManyConnectionsFromAddress(): JnhpError {
  return new JnhpError(
    ErrorCode.TooManyConnections,
    'too many connections from one address (see --max-connections-per-address)',
  );
}

export function toJnhpError(err: unknown): JnhpError {
  return err instanceof JnhpError ? err : new JnhpError(ErrorCode.Internal, 'internal error', { cause: err });
}
