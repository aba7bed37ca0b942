// Log lines for the store's reachability: one when it answers (again), one
// when it stops, and a reminder every 30 s while it stays away.

import type { StoreAvailable, StoreObserver, StoreUnavailable } from '../core/store/store-observer.js';
import type { Logger } from './logger.js';

export class StoreLog implements StoreObserver {
  constructor(private readonly logger: Logger) {}

  available(event: StoreAvailable): void {
    const msg = event.downForMs === null ? 'store connected' : 'store reconnected';
    this.logger.info({ store: event.target, downForMs: event.downForMs ?? undefined }, msg);
  }

  unavailable(event: StoreUnavailable): void {
    this.logger.error(
      { store: event.target, reason: event.reason, downForMs: event.downForMs, err: describe(event.cause) },
      'store unavailable',
    );
  }
}

/** The cause in one short line (a connection error's stack says nothing useful here). */
function describe(cause: unknown): string {
  if (cause instanceof Error) return 'code' in cause ? `${cause.message} (${String(cause.code)})` : cause.message;
  return String(cause);
}
