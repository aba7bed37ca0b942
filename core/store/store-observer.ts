// What a store tells the outside about its reachability, so that the gateway
// can log it (core/ knows no logger). Called on each change, not per command.

export interface StoreAvailable {
  /** Where the store is, without secrets. */
  readonly target: string;
  /** Milliseconds it had been unavailable, or null at the first connection. */
  readonly downForMs: number | null;
}

export interface StoreUnavailable {
  readonly target: string;
  /** Why, in a few words: never reached, connection lost, no answer in time. */
  readonly reason: string;
  readonly cause: unknown;
  /** Milliseconds since it became unavailable (0 at the change; more in reminders). */
  readonly downForMs: number;
}

export interface StoreRefused {
  readonly target: string;
  /** The store's own word for why (for Redis, its error code: `OOM`, `READONLY`, `MISCONF` ...). */
  readonly code: string;
  readonly cause: unknown;
}

export interface StoreObserver {
  available(event: StoreAvailable): void;
  /** At the change, then as a reminder every 30 s or so while it lasts. */
  unavailable(event: StoreUnavailable): void;
  /** The store answers but refuses a write for its own reasons (out of memory, read-only, disk full): per refusal. */
  refused?(event: StoreRefused): void;
}
