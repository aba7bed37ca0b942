// An insert-only hash table keyed by byte strings, looked up in place
// (buf, start, end): no string or Buffer is made to ask for a key. Keys live
// back to back in one growing arena; open addressing with linear probing.

const EMPTY = -1;
const MIN_CAPACITY = 1024;

/** FNV-1a over the bytes, cut to 31 bits so that it is never EMPTY. */
function hashBytes(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ (buf[i] as number), 0x01000193);
  return h & 0x7fffffff;
}

export class ByteTable<V> {
  private hashes = new Int32Array(MIN_CAPACITY).fill(EMPTY);
  private keyAt = new Int32Array(MIN_CAPACITY);
  private keyLength = new Int32Array(MIN_CAPACITY);
  private values: (V | undefined)[] = new Array(MIN_CAPACITY).fill(undefined);
  private arena = Buffer.allocUnsafe(64 * 1024);
  private arenaUsed = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(buf: Uint8Array, start: number, end: number): V | undefined {
    const slot = this.slotOf(buf, start, end, hashBytes(buf, start, end));
    return this.hashes[slot] === EMPTY ? undefined : this.values[slot];
  }

  /** Adds the key with `value` unless it is there; true if it added it. */
  add(buf: Uint8Array, start: number, end: number, value: V): boolean {
    const hash = hashBytes(buf, start, end);
    const slot = this.slotOf(buf, start, end, hash);
    if (this.hashes[slot] !== EMPTY) return false;
    this.insert(slot, hash, buf, start, end, value);
    return true;
  }

  /** Sets the key's value, adding the key when it is not there. */
  set(buf: Uint8Array, start: number, end: number, value: V): void {
    const hash = hashBytes(buf, start, end);
    const slot = this.slotOf(buf, start, end, hash);
    if (this.hashes[slot] !== EMPTY) this.values[slot] = value;
    else this.insert(slot, hash, buf, start, end, value);
  }

  private insert(slot: number, hash: number, buf: Uint8Array, start: number, end: number, value: V): void {
    if ((this.count + 1) * 2 > this.hashes.length) {
      this.grow();
      slot = this.slotOf(buf, start, end, hash);
    }
    const length = end - start;
    if (this.arenaUsed + length > this.arena.length) {
      const arena = Buffer.allocUnsafe(Math.max(this.arena.length * 2, this.arenaUsed + length));
      this.arena.copy(arena, 0, 0, this.arenaUsed);
      this.arena = arena;
    }
    // A loop, not set(subarray): names are short, and a view per key is garbage.
    const arena = this.arena;
    const at = this.arenaUsed;
    for (let i = 0; i < length; i++) arena[at + i] = buf[start + i] as number;
    this.hashes[slot] = hash;
    this.keyAt[slot] = this.arenaUsed;
    this.keyLength[slot] = length;
    this.values[slot] = value;
    this.arenaUsed += length;
    this.count++;
  }

  /** The slot holding the key, or the empty slot where it would go. */
  private slotOf(buf: Uint8Array, start: number, end: number, hash: number): number {
    const hashes = this.hashes;
    const mask = hashes.length - 1;
    let slot = hash & mask;
    for (;;) {
      const h = hashes[slot];
      if (h === EMPTY || (h === hash && this.keyEquals(slot, buf, start, end))) return slot;
      slot = (slot + 1) & mask;
    }
  }

  private keyEquals(slot: number, buf: Uint8Array, start: number, end: number): boolean {
    const length = this.keyLength[slot] as number;
    if (length !== end - start) return false;
    const arena = this.arena;
    const at = this.keyAt[slot] as number;
    for (let i = 0; i < length; i++) {
      if (arena[at + i] !== buf[start + i]) return false;
    }
    return true;
  }

  private grow(): void {
    const { hashes, keyAt, keyLength, values } = this;
    const capacity = hashes.length * 2;
    const mask = capacity - 1;
    this.hashes = new Int32Array(capacity).fill(EMPTY);
    this.keyAt = new Int32Array(capacity);
    this.keyLength = new Int32Array(capacity);
    this.values = new Array(capacity).fill(undefined);
    for (let old = 0; old < hashes.length; old++) {
      const hash = hashes[old] as number;
      if (hash === EMPTY) continue;
      let slot = hash & mask;
      while (this.hashes[slot] !== EMPTY) slot = (slot + 1) & mask;
      this.hashes[slot] = hash;
      this.keyAt[slot] = keyAt[old] as number;
      this.keyLength[slot] = keyLength[old] as number;
      this.values[slot] = values[old];
    }
  }
}
