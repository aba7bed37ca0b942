// Closing a client connection without cutting short the replies it is owed:
// a slow reader still gets every byte, and only a client that stops reading
// altogether is dropped.

import type { Duplex } from 'node:stream';

/** Quiet time (nothing read, nothing written) after which a closing connection is dropped. */
export const CLOSE_STALL_MS = 30_000;

/**
 * Drops `socket` (through `drop`) once it has been idle for CLOSE_STALL_MS
 * while closing: writes that make progress keep it open.
 */
export function dropWhenStalled(socket: Duplex, drop: () => void): void {
  const timed = socket as Duplex & { setTimeout?: (ms: number, cb: () => void) => unknown };
  timed.setTimeout?.(CLOSE_STALL_MS, drop);
}
