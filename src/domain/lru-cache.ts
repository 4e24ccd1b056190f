/**
 * A small least-recently-used cache (the records service's settled pages, SQLite's prepared
 * statements). It stores what it is given: callers that hand out hits must not mutate them.
 */
export class LruCache<K, V> {
  private readonly entries = new Map<K, V>();

  /** Holds at most `capacity` entries (at least one). */
  constructor(private readonly capacity: number) {
    if (!(capacity >= 1))
      throw new RangeError(`an LRU cache needs a capacity of at least 1, not ${capacity}`);
  }

  /** The entry for `key`, now the most recently used; undefined when absent. */
  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      // Map order is insertion order: a hit moves to the end, the least recent stays first.
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  /** Stores `value` as the most recently used, evicting the least recently used when full. */
  set(key: K, value: V): void {
    this.entries.delete(key);
    if (this.entries.size >= this.capacity) {
      const [oldest] = this.entries.keys();
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, value);
  }

  /** How many entries it holds. */
  get size(): number {
    return this.entries.size;
  }
}
