import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';
import { LruCache } from '../../domain/lru-cache.ts';
import { ARRAY_ROWS } from '../sql/array-rows.ts';

/**
 * Kysely's SQLite driver prepares every statement anew; preparing costs about as much as running a
 * small query. This keeps the prepared statements of the most recent distinct SQL texts (Kysely's
 * queries are a small fixed set, bar IN lists of varying length). Reusing a statement is safe
 * because Kysely runs one statement at a time on the connection.
 */
export function withStatementCache(db: BetterSqlite3.Database, capacity = 500): SqliteDatabase {
  const cache = new LruCache<string, BetterSqlite3.Statement>(capacity);
  return {
    close: () => db.close(),
    prepare(sql: string) {
      const cached = cache.get(sql);
      if (cached) return cached;
      const stmt = db.prepare(sql);
      if (sql.startsWith(ARRAY_ROWS)) stmt.raw(true);
      cache.set(sql, stmt);
      return stmt;
    },
  };
}
