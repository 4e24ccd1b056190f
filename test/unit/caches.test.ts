import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
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
