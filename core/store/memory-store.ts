import type { Store } from './store.js';

/** One process, one Map: check-and-set is atomic because it runs on the event loop. */
export class MemoryStore implements Store {
  private readonly values = new Map<string, string>();

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  putIfAbsent(name: string, value: string): boolean {
    if (this.values.has(name)) return false;
    this.values.set(name, value);
    return true;
  }

  get size(): number {
    return this.values.size;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}
