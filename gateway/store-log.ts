// Log lines for the store's reachability: one when it answers (again), one
// when it stops, and a reminder every 30 s while it stays away.

import type { StoreAvailable, StoreObserver, StoreRefused, StoreUnavailable } from '../core/store/store-observer.js';
import type { Logger } from './logger.js';

/** At most one warning about refused writes this often; the ones between are counted in the next. */
const REFUSED_LOG_EVERY_MS = 10_000;

export class StoreLog implements StoreObserver {
  private refusedSince = 0;
  private lastRefusedLog = Number.NEGATIVE_INFINITY;

  constructor(private readonly logger: Logger) {}

  refused(event: StoreRefused): void {
    this.refusedSince++;
    const now = performance.now();
    if (now - this.lastRefusedLog < REFUSED_LOG_EVERY_MS) return;
    this.lastRefusedLog = now;
    this.logger.warn(
      { store: event.target, code: event.code, refused: this.refusedSince, err: describe(event.cause) },
      'store refuses writes: answered as storage unavailable',
    );
    this.refusedSince = 0;
  }

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
