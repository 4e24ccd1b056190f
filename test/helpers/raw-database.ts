import BetterSqlite3 from 'better-sqlite3';
import { existsSync, readFileSync } from 'node:fs';
import pg from 'pg';

/**
 * Everything a database holds, read around Kiln (its own connection, not its stores): every row of
 * every table as JSON (binary columns as latin1 text), and for SQLite also the raw bytes of the file
 * and its WAL (unless `rowsOnly`: bytes of rewritten rows linger in free space until reused). A
 * test asserts a secret is nowhere in it.
 */
export async function rawDatabaseText(databaseUrl: string, rowsOnly = false): Promise<string> {
  const rowText = (rows: unknown[]) =>
    JSON.stringify(rows, (_key, value: unknown) =>
      value && typeof value === 'object' && 'type' in value && value.type === 'Buffer'
        ? Buffer.from((value as unknown as { data: number[] }).data).toString('latin1')
        : value,
    );
  if (databaseUrl.startsWith('sqlite:')) {
    const path = databaseUrl.slice('sqlite:'.length);
    const db = new BetterSqlite3(path, { readonly: true });
    try {
      const tables = db.prepare("select name from sqlite_master where type = 'table'").all() as {
        name: string;
      }[];
      const parts = tables.map((t) => `${t.name}: ${rowText(db.prepare(`select * from "${t.name}"`).all())}`);
      for (const file of rowsOnly ? [] : [path, `${path}-wal`])
        if (existsSync(file)) parts.push(readFileSync(file).toString('latin1'));
      return parts.join('\n');
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows: tables } = await client.query<{ name: string }>(
      "select table_name as name from information_schema.tables where table_schema = 'public'",
    );
    const parts: string[] = [];
    for (const t of tables)
      parts.push(`${t.name}: ${rowText((await client.query(`select * from "${t.name}"`)).rows)}`);
    return parts.join('\n');
  } finally {
    await client.end();
  }
}
