import { sql, type RawBuilder } from 'kysely';

/**
 * Case-insensitive "name contains" that behaves the same on SQLite (LIKE ignores ASCII case) and
 * PostgreSQL (LIKE does not): both sides are lower-cased (SQLite's lower() is Kiln's own, with
 * Unicode rules: sqlite-storage.ts) and wildcards in the search are escaped.
 */
export function nameContains(column: string, search: string): RawBuilder<boolean> {
  const pattern = `%${search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<boolean>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
}
