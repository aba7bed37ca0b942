// A StoreObserver that records what a store reports, and waits for it.

import type { StoreAvailable, StoreObserver, StoreUnavailable } from '../../core/store/store-observer.js';

export type StoreEvent = ({ kind: 'available' } & StoreAvailable) | ({ kind: 'unavailable' } & StoreUnavailable);

export class StoreEvents implements StoreObserver {
  readonly events: StoreEvent[] = [];
  private readonly waiters = new Set<() => void>();

  available(event: StoreAvailable): void {
    this.record({ kind: 'available', ...event });
  }

  unavailable(event: StoreUnavailable): void {
    this.record({ kind: 'unavailable', ...event });
  }

  /** Resolves with the first event of `kind` after the first `after` events; rejects after the deadline. */
  waitFor(kind: StoreEvent['kind'], after = 0, timeoutMs = 10_000): Promise<StoreEvent> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.events.slice(after).find((e) => e.kind === kind);
        if (found === undefined) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no '${kind}' event within ${timeoutMs} ms; saw ${JSON.stringify(this.events)}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  private record(event: StoreEvent): void {
    this.events.push(event);
    for (const w of this.waiters) w();
  }
}
