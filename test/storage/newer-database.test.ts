import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { migrationProvider } from '../../src/storage/migrations/index.ts';
import { createPostgresStorage } from '../../src/storage/postgres/postgres-storage.ts';
import { createSqliteStorage } from '../../src/storage/sqlite/sqlite-storage.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { describeEachStore } from '../helpers/records.ts';

/**
 * A database a newer Kiln migrated (a migration this build does not have) is refused at start with
 * a message saying so, and left as it was: the older build would otherwise run on a schema it does
 * not know, or answer with Kysely's own "corrupted migrations".
 */
const NEWER = '999-from-a-newer-kiln';

describeEachStore('the migrations a database has had', (store) => {
  let dir = '';
  let pgDatabase: TestDatabase | undefined;
  afterEach(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await pgDatabase?.drop();
  });

  /** A database of this store: how to open it with Kiln, and how to query it bare. */
  async function database(onMigrated?: (migrations: string[]) => void): Promise<{
    open: () => Promise<{ close(): Promise<void> }>;
    query: (text: string) => Promise<string[]>;
  }> {
    let open: () => Promise<{ close(): Promise<void> }>;
    let query: (text: string) => Promise<string[]>;
    if (store === 'sqlite') {
      dir = mkdtempSync(join(tmpdir(), 'kiln-newer-db-'));
      const path = join(dir, 'kiln.db');
      open = () => createSqliteStorage({ path, onMigrated });
      query = async (text) => {
        const raw = new BetterSqlite3(path);
        try {
          const st = raw.prepare(text);
          return st.reader ? (st.all() as { name: string }[]).map((r) => r.name) : (st.run(), []);
        } finally {
          raw.close();
        }
      };
    } else {
      pgDatabase = await createTestDatabase();
      const url = pgDatabase.url;
      open = () => createPostgresStorage({ url, poolSize: 1, onMigrated });
      query = async (text) => {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        try {
          return (await c.query<{ name: string }>(text)).rows.map((r) => r.name);
        } finally {
          await c.end();
        }
      };
    }
    return { open, query };
  }

  it('says which migrations a start applied: all of them on a new database, none when up to date', async () => {
    const told: string[][] = [];
    const { open } = await database((migrations) => told.push(migrations));
    await (await open()).close();
    await (await open()).close();
    expect(told).toEqual([Object.keys(await migrationProvider(store).getMigrations()).sort()]);
  });

  it('from a newer Kiln: refused at start with a clear message, and left as it was', async () => {
    const { open, query } = await database();
    const latest = Object.keys(await migrationProvider(store).getMigrations())
      .sort()
      .at(-1);
    await (await open()).close();
    await query(
      `insert into kysely_migration (name, timestamp) values ('${NEWER}', '2999-01-01T00:00:00.000Z')`,
    );

    await expect(open()).rejects.toThrow(
      `the database was migrated by a newer Kiln (it has ${NEWER}; this Kiln knows up to ${latest}): ` +
        'upgrade Kiln to that version or later, or restore a backup taken before the upgrade',
    );
    expect(await query('select name from kysely_migration order by name desc limit 2')).toEqual([
      NEWER,
      latest,
    ]);
  });

  it('starts whatever the times its migrations were recorded at (a clock set back since)', async () => {
    const { open, query } = await database();
    await (await open()).close();
    // Kysely orders the applied migrations by time: all but the last "in the future" put it first.
    const names = await query('select name from kysely_migration order by name');
    await query(
      `update kysely_migration set timestamp = '2999-01-01T00:00:00.000Z' where name <> '${names.at(-1)}'`,
    );
    await (await open()).close();
  });
});
