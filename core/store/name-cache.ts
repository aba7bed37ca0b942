// Names seen stored, with their values (SPEC 1: names are write-once, so a
// stored name may be answered locally; "absent" is never kept). Two
// generations of insert-only tables: when the young one is full the old one
// is dropped, so the cache holds at most twice one generation's bound, and a
// name read often survives by being copied into the young one.

import { ByteTable } from './byte-table.js';

export const DEFAULT_CACHE_NAMES = 100_000;
export const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

export interface NameCacheLimits {
  /** Names held at most (0 turns the cache off). */
  readonly names: number;
  /** Bytes of names and values held at most (values counted as 2 bytes per UTF-16 unit). */
  readonly bytes: number;
}

export class NameCache {
  private young = new ByteTable<string>();
  private old: ByteTable<string> | null = null;
  private youngBytes = 0;
  private readonly namesPerGeneration: number;
  private readonly bytesPerGeneration: number;

  constructor(limits: NameCacheLimits) {
    this.namesPerGeneration = Math.floor(limits.names / 2);
    this.bytesPerGeneration = Math.floor(limits.bytes / 2);
  }

  get enabled(): boolean {
    return this.namesPerGeneration > 0;
  }

  /** Names held now (both generations; a name may be counted twice). */
  get size(): number {
    return this.young.size + (this.old?.size ?? 0);
  }

  get(buf: Uint8Array, start: number, end: number): string | undefined {
    const value = this.young.get(buf, start, end);
    if (value !== undefined || this.old === null) return value;
    const kept = this.old.get(buf, start, end);
    if (kept !== undefined) this.add(buf, start, end, kept);
    return kept;
  }

  add(buf: Uint8Array, start: number, end: number, value: string): void {
    const cost = end - start + 2 * value.length;
    if (!this.enabled || cost > this.bytesPerGeneration) return;
    if (this.young.size >= this.namesPerGeneration || this.youngBytes + cost > this.bytesPerGeneration) {
      this.old = this.young;
      this.young = new ByteTable<string>();
      this.youngBytes = 0;
    }
    if (this.young.add(buf, start, end, value)) this.youngBytes += cost;
  }

  clear(): void {
    this.young = new ByteTable<string>();
    this.old = null;
    this.youngBytes = 0;
  }
}
