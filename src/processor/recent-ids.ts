/**
 * The processor's recent-id window: which (tenant, event_id) it has seen in
 * the last `windowMs`, held as 64-bit hashes in open-addressing tables (about
 * 16 bytes per id), one table per time bucket so memory is freed a bucket at
 * a time. It answers "maybe seen" or "certainly not seen": a hash collision
 * only makes an event a suspect the store then looks up exactly, so the
 * window may err towards "seen", never the other way within the window.
 */

/** A set of 64-bit hashes (two uint32 halves), linear probing, grown at half full. (0, 0) marks an empty slot. */
class HashSet64 {
  #table: Uint32Array;
  #mask: number;
  #size = 0;

  constructor(capacity = 1024) {
    let slots = 1024;
    while (slots < capacity * 2) slots *= 2;
    this.#table = new Uint32Array(slots * 2);
    this.#mask = slots - 1;
  }

  get size(): number {
    return this.#size;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.#table.byteLength;
  }

  has(hi: number, lo: number): boolean {
    const t = this.#table;
    for (let i = lo & this.#mask; ; i = (i + 1) & this.#mask) {
      const a = t[2 * i] as number;
      const b = t[2 * i + 1] as number;
      if (a === 0 && b === 0) return false;
      if (a === hi && b === lo) return true;
    }
  }

  add(hi: number, lo: number): void {
    if ((this.#size + 1) * 2 > this.#mask + 1) this.#grow();
    if (this.#put(this.#table, this.#mask, hi, lo)) this.#size++;
  }

  #put(t: Uint32Array, mask: number, hi: number, lo: number): boolean {
    for (let i = lo & mask; ; i = (i + 1) & mask) {
      const a = t[2 * i] as number;
      const b = t[2 * i + 1] as number;
      if (a === 0 && b === 0) {
        t[2 * i] = hi;
        t[2 * i + 1] = lo;
        return true;
      }
      if (a === hi && b === lo) return false;
    }
  }

  #grow(): void {
    const old = this.#table;
    const slots = (this.#mask + 1) * 2;
    const table = new Uint32Array(slots * 2);
    const mask = slots - 1;
    for (let i = 0; i < old.length; i += 2) {
      const a = old[i] as number;
      const b = old[i + 1] as number;
      if (a !== 0 || b !== 0) this.#put(table, mask, a, b);
    }
    this.#table = table;
    this.#mask = mask;
  }
}

/**
 * 64-bit hash of a string as two uint32 (cyrb53's two lanes, kept whole);
 * never (0, 0), the empty-slot mark.
 */
export function hash64(text: string): [number, number] {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const hi = h2 >>> 0;
  const lo = h1 >>> 0;
  return hi === 0 && lo === 0 ? [0, 1] : [hi, lo];
}

/** The key of an event in the window. */
export function recentIdKey(tenant: string, eventId: string): string {
  return `${tenant}\u0000${eventId}`;
}

export interface RecentIdWindowOptions {
  /** An id added within this many ms is always recognised. */
  readonly windowMs: number;
  /** Number of tables the window is cut into. Default 6. */
  readonly buckets?: number;
}

export class RecentIdWindow {
  readonly windowMs: number;
  readonly #bucketMs: number;
  readonly #buckets: number;
  readonly #tables = new Map<number, HashSet64>();

  constructor(options: RecentIdWindowOptions) {
    this.windowMs = options.windowMs;
    this.#buckets = Math.max(1, options.buckets ?? 6);
    this.#bucketMs = Math.max(1, Math.ceil(options.windowMs / this.#buckets));
  }

  /** Whether `key` may have been added within the window (false: certainly not). */
  mightHave(key: string, now: number): boolean {
    if (this.#tables.size === 0) return false;
    const [hi, lo] = hash64(key);
    const oldest = this.#index(now) - this.#buckets - 1;
    for (const [index, table] of this.#tables) if (index >= oldest && table.has(hi, lo)) return true;
    return false;
  }

  add(key: string, now: number): void {
    const index = this.#index(now);
    let table = this.#tables.get(index);
    if (table === undefined) {
      this.#evict(index);
      table = new HashSet64();
      this.#tables.set(index, table);
    }
    const [hi, lo] = hash64(key);
    table.add(hi, lo);
  }

  /** Ids held (an id added in two buckets counts twice) and the bytes of their tables. */
  stats(): { readonly ids: number; readonly bytes: number } {
    let ids = 0;
    let bytes = 0;
    for (const t of this.#tables.values()) {
      ids += t.size;
      bytes += t.bytes;
    }
    return { ids, bytes };
  }

  #index(now: number): number {
    return Math.floor(now / this.#bucketMs);
  }

  /**
   * Drops the tables wholly older than the window. An id added `windowMs` ago
   * may sit `buckets + 1` tables back (bucket edges), so that many are kept.
   */
  #evict(current: number): void {
    for (const index of [...this.#tables.keys()]) if (index < current - this.#buckets - 1) this.#tables.delete(index);
  }
}
