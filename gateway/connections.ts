// Every open client connection, TCP and WebSocket together: enforces
// --max-connections and lets shutdown drain them all.

import type { Transport } from '../core/validation/validation.js';

export interface Connection {
  readonly transport: Transport;
  /** Finish the commands already received, then close. */
  drain(): void;
  /** Close at once, whatever is pending. */
  destroy(): void;
}

export class ConnectionRegistry {
  private readonly open = new Set<Connection>();
  private emptied: (() => void) | null = null;

  constructor(readonly max: number) {}

  get size(): number {
    return this.open.size;
  }

  /** Registers `connection`, or returns false when the cap is reached. */
  add(connection: Connection): boolean {
    if (this.open.size >= this.max) return false;
    this.open.add(connection);
    return true;
  }

  delete(connection: Connection): void {
    if (this.open.delete(connection) && this.open.size === 0) this.emptied?.();
  }

  countBy(transport: Transport): number {
    let n = 0;
    for (const c of this.open) if (c.transport === transport) n++;
    return n;
  }

  destroyAll(): void {
    for (const c of [...this.open]) c.destroy();
  }

  /** Asks every connection to drain; resolves once all closed. */
  drainAll(): Promise<void> {
    const done = new Promise<void>((resolve) => {
      this.emptied = resolve;
    });
    for (const c of [...this.open]) c.drain();
    if (this.open.size === 0) this.emptied?.();
    return done;
  }
}
