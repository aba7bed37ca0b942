// Every open client connection, TCP and WebSocket together: enforces
// --max-connections, --max-connections-per-address, --max-client-memory and
// --idle-timeout-ms, and lets shutdown drain them all.

import { type JnhpError, tooManyConnections, tooManyConnectionsFromAddress } from '../core/errors.js';
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
  /** When it last received anything, on the registry's coarse clock (`ConnectionRegistry.now`). */
  lastInput: number;
  /** No command in flight and no reply left to write. */
  quiet(): boolean;
  /** Closes it for having been idle too long. */
  closeIdle(): void;
}

export interface ConnectionLimits {
  /** --max-connections */
  readonly maxConnections: number;
  /** --max-connections-per-address (0: no cap per address). */
  readonly maxConnectionsPerAddress?: number;
  /** --max-client-memory: bytes all connections together may hold. */
  readonly maxClientMemory: number;
  /** Told about each connection closed for holding the most when the total passed the budget. */
  readonly onEvicted?: (connection: Connection, totalBytes: number) => void;
  /** --idle-timeout-ms (0: never). */
  readonly idleTimeoutMs?: number;
}

const OVER_MAX = tooManyConnections();
const OVER_MAX_PER_ADDRESS = tooManyConnectionsFromAddress();

export class ConnectionRegistry {
  readonly max: number;
  readonly maxPerAddress: number;
  private readonly open = new Set<Connection>();
  /** Open connections per client address, when they are capped. */
  private readonly byAddress = new Map<string, number>();
  private emptied: (() => void) | null = null;
  /** Sum of every open connection's `memory`. */
  private held = 0;
  private evicting = false;
  /** A coarse clock, moved on by the idle sweep: cheap to read on every input. */
  now = 0;
  private readonly sweeper: NodeJS.Timeout | null = null;

  constructor(private readonly limits: ConnectionLimits) {
    this.max = limits.maxConnections;
    this.maxPerAddress = limits.maxConnectionsPerAddress ?? 0;
    const idleMs = limits.idleTimeoutMs ?? 0;
    if (idleMs > 0) {
      // Closed between idleMs and idleMs plus one sweep.
      const every = Math.max(10, Math.min(1000, Math.floor(idleMs / 4)));
      this.now = performance.now();
      this.sweeper = setInterval(() => this.sweep(idleMs), every).unref();
    }
  }

  /** Stops the idle sweep. */
  close(): void {
    if (this.sweeper !== null) clearInterval(this.sweeper);
  }

  get size(): number {
    return this.open.size;
  }

  /** Bytes all open connections hold together, as reported. */
  get memory(): number {
    return this.held;
  }

  /** Registers `connection`; when a cap is reached, returns why not (sent as an `ERROR`). */
  add(connection: Connection): JnhpError | null {
    if (this.open.size >= this.max) return OVER_MAX;
    if (this.maxPerAddress > 0) {
      const count = this.byAddress.get(connection.remoteAddress) ?? 0;
      if (count >= this.maxPerAddress) return OVER_MAX_PER_ADDRESS;
      this.byAddress.set(connection.remoteAddress, count + 1);
    }
    this.open.add(connection);
    connection.lastInput = this.now;
    this.held += connection.memory;
    return null;
  }

  delete(connection: Connection): void {
    if (!this.open.delete(connection)) return;
    this.held -= connection.memory;
    if (this.maxPerAddress > 0) {
      const count = (this.byAddress.get(connection.remoteAddress) ?? 1) - 1;
      if (count === 0) this.byAddress.delete(connection.remoteAddress);
      else this.byAddress.set(connection.remoteAddress, count);
    }
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

  private sweep(idleMs: number): void {
    const now = performance.now();
    this.now = now;
    for (const c of this.open) {
      if (now - c.lastInput < idleMs) continue;
      // Idle counts from when its last command was answered and written.
      if (c.quiet()) {
        c.lastInput = Number.POSITIVE_INFINITY;
        c.closeIdle();
      } else c.lastInput = now;
    }
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
