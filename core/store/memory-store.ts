// One process, one table: check-and-set is atomic because it runs on the
// event loop. Names are looked up by their bytes in place, so a GET
// allocates nothing.

import type { Name } from '../name.js';
import { ByteTable } from './byte-table.js';
import type { Store } from './store.js';

export class MemoryStore implements Store {
  private readonly table = new ByteTable<string>();

  get(name: Name): string | undefined {
    return this.table.get(name.buf, name.start, name.end);
  }

  has(name: Name): boolean {
    return this.table.get(name.buf, name.start, name.end) !== undefined;
  }

  putIfAbsent(name: Name, value: string): boolean {
    return this.table.add(name.buf, name.start, name.end, value);
  }

  get size(): number {
    return this.table.size;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}
