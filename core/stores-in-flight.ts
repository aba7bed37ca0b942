// The validated STOREs of one connection still in flight (SPEC section 1,
// "Order and concurrency"; docs/validators.md): a later STORE of another name
// may be validated beside them while the hooks have idle slots, and is
// applied after them (Engine.store's `after`); any other command waits until
// none is left.

/** STOREs of one connection in flight at once, at most: bounds what one connection holds. */
export const STORES_AHEAD = 16;

export class StoresInFlight {
  private readonly names = new Set<string>();
  /** The outcome of the STORE started last: it settles only after every earlier one. */
  last: Promise<unknown> | undefined = undefined;

  get count(): number {
    return this.names.size;
  }

  /** True when no more may start beside those in flight. */
  get full(): boolean {
    return this.names.size >= STORES_AHEAD;
  }

  /** True when a STORE of `name` may start beside those in flight (room and hooks permitting). */
  admits(name: string): boolean {
    return !this.names.has(name);
  }

  started(name: string, outcome: Promise<unknown>): void {
    this.names.add(name);
    this.last = outcome;
  }

  settled(name: string, outcome: Promise<unknown>): void {
    this.names.delete(name);
    if (this.last === outcome) this.last = undefined;
  }
}
