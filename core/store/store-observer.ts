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

export interface StoreObserver {
  available(event: StoreAvailable): void;
  /** At the change, then as a reminder every 30 s or so while it lasts. */
  unavailable(event: StoreUnavailable): void;
}
