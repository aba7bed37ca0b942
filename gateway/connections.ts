// Every open client connection, TCP and WebSocket together: enforces
// --max-connections and --max-connections-per-address, and lets shutdown
// drain them all.

import type { Transport } from '../core/validation/validation.js';

export interface Connection {
  readonly transport: Transport;
  readonly remoteAddress: string;
  /** Finish the commands already received, then close. */
  drain(): void;
  /** Close at once, whatever is pending. */
  destroy(): void;
}

const OVER_MAX = 'too many connections (see --max-connections)';
const OVER_MAX_PER_ADDRESS = 'too many connections from one address (see --max-connections-per-address)';

export class ConnectionRegistry {
  private readonly open = new Set<Connection>();
  /** Open connections per client address, when they are capped. */
  private readonly byAddress = new Map<string, number>();
  private emptied: (() => void) | null = null;

  /** `maxPerAddress` 0: no cap per address. */
  constructor(
    readonly max: number,
    readonly maxPerAddress = 0,
  ) {}

  get size(): number {
    return this.open.size;
  }

  /** Registers `connection`; when a cap is reached, returns why not (the reason of an `ERROR`). */
  add(connection: Connection): string | null {
    if (this.open.size >= this.max) return OVER_MAX;
    if (this.maxPerAddress > 0) {
      const count = this.byAddress.get(connection.remoteAddress) ?? 0;
      if (count >= this.maxPerAddress) return OVER_MAX_PER_ADDRESS;
      this.byAddress.set(connection.remoteAddress, count + 1);
    }
    this.open.add(connection);
    return null;
  }

  delete(connection: Connection): void {
    if (!this.open.delete(connection)) return;
    if (this.maxPerAddress > 0) {
      const count = (this.byAddress.get(connection.remoteAddress) ?? 1) - 1;
      if (count === 0) this.byAddress.delete(connection.remoteAddress);
      else this.byAddress.set(connection.remoteAddress, count);
    }
    if (this.open.size === 0) this.emptied?.();
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
