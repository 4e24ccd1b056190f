import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';
import { LruCache } from '../../domain/lru-cache.ts';
import { ARRAY_ROWS } from '../sql/array-rows.ts';
import { ROW_LIST } from '../sql/row-list-insert.ts';

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
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = db.prepare(sql);
        if (sql.startsWith(ARRAY_ROWS)) stmt.raw(true);
        cache.set(sql, stmt);
      }
      return sql.startsWith(ROW_LIST) ? rowList(stmt) : stmt;
    },
  };
}

/** The one-row statement run once per row of its parameters (sql/row-list-insert.ts). */
function rowList(stmt: BetterSqlite3.Statement): SqliteStatement {
  return {
    reader: false,
    all: () => [],
    iterate: () => [][Symbol.iterator](),
    run(rows) {
      let changes = 0;
      for (const row of rows as unknown[][]) changes += stmt.run(row).changes;
      return { changes, lastInsertRowid: 0 };
    },
  };
}
