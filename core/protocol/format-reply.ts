// The mirror of parseCommand: outcomes to reply lines (without line end).

import type { StoreOutcome } from '../engine.js';
import type { JnhpError } from '../errors.js';

export const Reply = {
  Stored: 'W00T!',
  No: 'RARGH!',
  Present: 'AWESOME!',
  Pong: 'PONG',
  Absent: '',
} as const;

export function formatStore(outcome: StoreOutcome): string {
  return outcome === 'stored' ? Reply.Stored : Reply.No;
}

export function formatExists(present: boolean): string {
  return present ? Reply.Present : Reply.No;
}

/** AUTH: `W00T!` authenticated, `RARGH!` unknown token or disabled user. */
export function formatAuth(authenticated: boolean): string {
  return authenticated ? Reply.Stored : Reply.No;
}

export function formatGet(value: string | undefined): string {
  return value === undefined ? Reply.Absent : value;
}

export function formatError(err: JnhpError | { readonly reason: string }): string {
  return `ERROR ${'reason' in err ? err.reason : err.message}`;
}
