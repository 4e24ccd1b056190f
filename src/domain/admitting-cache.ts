/**
 * A cache of versioned values that admits a newcomer only when it is asked for more often than
 * what it would evict (the TinyLFU admission of Caffeine, with an exact, aged count instead of a
 * sketch). The records service keeps its settled pages in it.
 *
 * Why not plain LRU: a reader paging through a deep history at random asks for each page once, and
 * an LRU keeps every one of them, evicting the pages people ask for again and again (a job's first
 * page, polled by dashboards). Each kept page also lives long enough to reach V8's old generation
 * and is then thrown out for the next one, which made full collections the largest cost of a
 * random page. Here a page asked once does not displace one asked before.
 *
 * Each value sits in a slot (what is asked for: a job's page at a position) under a version (the
 * job's records version). Versions only grow: a newer version of a slot replaces the older at once,
 * whatever the counts, and an older one is never served for a newer ask.
 */
export class AdmittingCache<V> {
  /** Least recently used first. */
  private readonly entries = new Map<string, { version: number; value: V }>();
  /** How often each slot was asked for lately (halved every `agingPeriod` asks). */
  private readonly asks = new Map<string, number>();
  private asksSinceAging = 0;
  private readonly agingPeriod: number;

  /** Holds at most `capacity` values (at least one). */
  constructor(private readonly capacity: number) {
    if (!(capacity >= 1))
      throw new RangeError(`an admitting cache needs a capacity of at least 1, not ${capacity}`);
    // Caffeine ages its counts every ten times its size: long enough to tell the hot from the
    // once-asked, short enough that yesterday's hot slots do not hold their place for ever. It
    // also bounds the counts kept: at most that many slots between two agings.
    this.agingPeriod = 10 * capacity;
  }

  /** The value of `slot` at `version`, counting the ask; undefined when not kept. */
  get(slot: string, version: number): V | undefined {
    this.countAsk(slot);
    const entry = this.entries.get(slot);
    if (entry === undefined) return undefined;
    if (entry.version < version) {
      this.entries.delete(slot); // outdated for good: versions only grow
      return undefined;
    }
    if (entry.version > version) return undefined; // the asker read an older version: not this
    this.entries.delete(slot);
    this.entries.set(slot, entry);
    return entry.value;
  }

  /**
   * Offers `value` for `slot` at `version`; true when it is kept. A newer version of a kept slot
   * always is; a new slot is when there is room, or when it was asked for more often than the
   * least recently used value, which it then evicts.
   */
  set(slot: string, version: number, value: V): boolean {
    const kept = this.entries.get(slot);
    if (kept !== undefined) {
      if (kept.version > version) return false;
      this.entries.delete(slot);
    } else if (this.entries.size >= this.capacity) {
      const [victim] = this.entries.keys();
      if (victim === undefined || this.asksOf(slot) <= this.asksOf(victim)) return false;
      this.entries.delete(victim);
    }
    this.entries.set(slot, { version, value });
    return true;
  }

  /** How many values it holds. */
  get size(): number {
    return this.entries.size;
  }

  /** How often `slot` was asked for lately (after aging). */
  asksOf(slot: string): number {
    return this.asks.get(slot) ?? 0;
  }

  private countAsk(slot: string): void {
    this.asks.set(slot, this.asksOf(slot) + 1);
    if (++this.asksSinceAging < this.agingPeriod) return;
    this.asksSinceAging = 0;
    for (const [key, count] of this.asks) {
      if (count > 1) this.asks.set(key, count >> 1);
      else this.asks.delete(key);
    }
  }
}
