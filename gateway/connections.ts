// Every open client connection, TCP and WebSocket together: enforces
// --max-connections and --max-client-memory, and lets shutdown drain them all.

import type { Transport } from '../core/validation/validation.js';

export interface Connection {
  readonly transport: Transport;
  readonly remoteAddress: string;
  /** Finish the commands already received, then close. */
  drain(): void;
  /** Close at once, whatever is pending. */
  destroy(): void;
  /** Bytes held for it (unfinished input, unsent replies) as last reported; kept by the registry. */
  memory: number;
}

export interface ConnectionLimits {
  /** --max-connections */
  readonly maxConnections: number;
  /** --max-client-memory: bytes all connections together may hold. */
  readonly maxClientMemory: number;
  /** Told about each connection closed for holding the most when the total passed the budget. */
  readonly onEvicted?: (connection: Connection, totalBytes: number) => void;
}

export class ConnectionRegistry {
  readonly max: number;
  private readonly open = new Set<Connection>();
  private emptied: (() => void) | null = null;
  /** Sum of every open connection's `memory`. */
  private held = 0;
  private evicting = false;

  constructor(private readonly limits: ConnectionLimits) {
    this.max = limits.maxConnections;
  }

  get size(): number {
    return this.open.size;
  }

  /** Bytes all open connections hold together, as reported. */
  get memory(): number {
    return this.held;
  }

  /** Registers `connection`, or returns false when the cap is reached. */
  add(connection: Connection): boolean {
    if (this.open.size >= this.max) return false;
    this.open.add(connection);
    this.held += connection.memory;
    return true;
  }

  delete(connection: Connection): void {
    if (!this.open.delete(connection)) return;
    this.held -= connection.memory;
    if (this.open.size === 0) this.emptied?.();
  }

  /** Records that `connection` now holds `bytes`; past the budget, the largest holder is closed soon after. */
  setMemory(connection: Connection, bytes: number): void {
    if (!this.open.has(connection)) return;
    this.held += bytes - connection.memory;
    connection.memory = bytes;
    if (this.held > this.limits.maxClientMemory && !this.evicting) {
      this.evicting = true;
      // Not from inside the connection's own call stack: it may be mid-write.
      setImmediate(() => this.evict());
    }
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

  /** Closes the connections holding the most until the rest fit the budget (as Redis's maxmemory-clients). */
  private evict(): void {
    this.evicting = false;
    while (this.held > this.limits.maxClientMemory) {
      let largest: Connection | null = null;
      for (const c of this.open) if (largest === null || c.memory > largest.memory) largest = c;
      if (largest === null || largest.memory === 0) return;
      const total = this.held;
      this.delete(largest);
      this.limits.onEvicted?.(largest, total);
      largest.destroy();
    }
  }
}
