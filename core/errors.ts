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

export function toJnhpError(err: unknown): JnhpError {
  return err instanceof JnhpError ? err : new JnhpError(ErrorCode.Internal, 'internal error', { cause: err });
}
