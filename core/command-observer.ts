// What a metrics layer learns about every command. Kept to one call with
// small fixed arguments, so that counting costs the hot path almost nothing.

import type { Op } from './protocol/command.js';
import type { Transport } from './validation/validation.js';

export const Outcome = {
  Hit: 'hit',
  Miss: 'miss',
  Present: 'present',
  Absent: 'absent',
  Stored: 'stored',
  Exists: 'exists',
  Refused: 'refused',
  Failed: 'failed',
  Ok: 'ok',
  Invalid: 'invalid',
  Error: 'error',
  /** The client's user may not run it (SPEC section 8). */
  Denied: 'denied',
  /** Past --store-rate (SPEC section 10). */
  RateLimited: 'rate_limited',
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

export interface CommandObserver {
  /**
   * One command answered. `seconds` is null for a command answered
   * synchronously: it is not timed, which keeps that path cheap.
   */
  observe(transport: Transport, op: Op, outcome: Outcome, seconds: number | null): void;
}
