import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { AdmittingCache } from '../../src/domain/admitting-cache.ts';
import { LruCache } from '../../src/domain/lru-cache.ts';
import { withStatementCache } from '../../src/storage/sqlite/statement-cache.ts';

describe('LruCache', () => {
  it('evicts the least recently used entry, a read counting as a use', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // b is now the least recent
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
    expect(cache.size).toBe(2);
  });

  it('replacing an entry makes it the most recent and does not grow the cache', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 10);
    cache.set('c', 3);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([10, undefined, 3]);
    expect(cache.size).toBe(2);
  });

  it('keeps falsy values (only a missing key is a miss)', () => {
    const cache = new LruCache<string, number | string | null>(3);
    cache.set('zero', 0);
    cache.set('empty', '');
    cache.set('null', null);
    expect([cache.get('zero'), cache.get('empty'), cache.get('null')]).toEqual([0, '', null]);
  });

  it('matches a reference model over a seeded random sequence of operations', () => {
    const capacity = 4;
    const cache = new LruCache<number, number>(capacity);
    let model: [number, number][] = []; // least recent first
    let state = 7;
    const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 5000; i++) {
      const key = next() % 8;
      if (next() % 2 === 0) {
        const found = model.find(([k]) => k === key);
        expect(cache.get(key)).toBe(found?.[1]);
        if (found) model = [...model.filter(([k]) => k !== key), found];
      } else {
        cache.set(key, i);
        model = [...model.filter(([k]) => k !== key), [key, i]];
        if (model.length > capacity) model = model.slice(1);
      }
      expect(cache.size).toBe(model.length);
    }
  });

  it('refuses a capacity below one', () => {
    expect(() => new LruCache(0)).toThrow(RangeError);
    expect(() => new LruCache(Number.NaN)).toThrow(RangeError);
  });
});

describe('AdmittingCache', () => {
  /** Asks for `slot` (as a reader would) and offers its value when it was not kept. */
  const ask = (cache: AdmittingCache<string>, slot: string, version = 1) =>
    cache.get(slot, version) ?? (cache.set(slot, version, `${slot}@${version}`), undefined);

  it('keeps what it has room for, at once', () => {
    const cache = new AdmittingCache<string>(3);
    for (const slot of ['a', 'b', 'c']) ask(cache, slot);
    expect(['a', 'b', 'c'].map((slot) => cache.get(slot, 1))).toEqual(['a@1', 'b@1', 'c@1']);
  });

  it('a scan of slots asked once does not displace a slot asked for often', () => {
    const cache = new AdmittingCache<string>(4);
    for (let i = 0; i < 5; i++) ask(cache, 'page 0');
    for (let i = 0; i < 500; i++) {
      ask(cache, `deep ${i}`);
      // The first page, asked again every tenth ask, stays kept all through the scan.
      if (i % 10 === 0) expect(cache.get('page 0', 1)).toBe('page 0@1');
    }
    expect(cache.size).toBe(4);
  });

  it('under asks spread evenly, it takes in far fewer newcomers than an LRU would (little churn)', () => {
    const cache = new AdmittingCache<string>(8);
    const lru = new LruCache<string, string>(8);
    let admitted = 0;
    let lruAdmitted = 0;
    let state = 11; // xorshift32: every slot as likely as another
    const next = () => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return state >>> 0;
    };
    for (let i = 0; i < 5000; i++) {
      const slot = `page ${next() % 32}`;
      if (cache.get(slot, 1) === undefined && cache.set(slot, 1, slot)) admitted++;
      if (lru.get(slot) === undefined) {
        lru.set(slot, slot);
        lruAdmitted++;
      }
    }
    // The LRU takes in about three asks of four (24 misses in 32); this about one in ten.
    expect(lruAdmitted).toBeGreaterThan(3000);
    expect(admitted).toBeLessThan(lruAdmitted / 4);
    expect(cache.size).toBe(8);
  });

  it('takes in a slot once it is asked for more often than the least recent one', () => {
    const cache = new AdmittingCache<string>(2);
    ask(cache, 'a');
    ask(cache, 'b');
    expect(cache.set('c', 1, 'c')).toBe(false); // never asked: not above a (asked once)
    ask(cache, 'c'); // asked once, as often as a: still out
    expect(cache.get('c', 1)).toBeUndefined();
    ask(cache, 'c'); // third ask (counting the miss above): more than a, the least recent
    expect(cache.get('c', 1)).toBe('c@1');
    expect(cache.get('a', 1)).toBeUndefined();
    expect(cache.get('b', 1)).toBe('b@1');
  });

  it('a newer version replaces a kept slot at once, and an older one is never served', () => {
    const cache = new AdmittingCache<string>(2);
    ask(cache, 'a', 1);
    ask(cache, 'b', 1);
    expect(cache.get('a', 2)).toBeUndefined(); // the history changed: version 1 is dropped
    expect(cache.set('a', 2, 'a@2')).toBe(true);
    expect(cache.get('a', 2)).toBe('a@2');
    expect(cache.get('a', 1)).toBeUndefined(); // an asker that read an older version
    expect(cache.set('a', 1, 'a@1')).toBe(false); // nor does it overwrite the newer
    expect(cache.get('a', 2)).toBe('a@2');
    expect(cache.size).toBe(2);
  });

  it('ages its counts, so a slot hot long ago gives way to one hot now', () => {
    const cache = new AdmittingCache<string>(1); // counts halve every 10 asks
    for (let i = 0; i < 8; i++) ask(cache, 'old');
    expect(cache.asksOf('old')).toBe(8);
    for (let i = 0; i < 30; i++) ask(cache, 'new');
    expect(cache.asksOf('old')).toBeLessThan(cache.asksOf('new'));
    expect(cache.get('new', 1)).toBe('new@1');
    expect(cache.get('old', 1)).toBeUndefined();
  });

  it('refuses a capacity below one', () => {
    expect(() => new AdmittingCache(0)).toThrow(RangeError);
  });
});

describe('the SQLite statement cache', () => {
  it('reuses a prepared statement and prepares again once it was evicted', () => {
    const db = new Database(':memory:');
    const cached = withStatementCache(db, 2);
    const one = cached.prepare('select 1 as v');
    expect(cached.prepare('select 1 as v')).toBe(one);
    cached.prepare('select 2 as v');
    cached.prepare('select 3 as v'); // evicts "select 1", the least recently used
    const again = cached.prepare('select 1 as v');
    expect(again).not.toBe(one);
    expect(again.all([])).toEqual([{ v: 1 }]);
    cached.close();
  });
});
