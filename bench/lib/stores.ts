import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Storage } from '../../src/storage/ports.ts';
import { createPostgresStorage } from '../../src/storage/postgres/postgres-storage.ts';
import { createSqliteStorage } from '../../src/storage/sqlite/sqlite-storage.ts';
import { createTestDatabase } from '../../test/helpers/postgres.ts';

/**
 * Runs `measure` on a fresh SQLite store, then (with KILN_TEST_DATABASE_URL) on a fresh PostgreSQL
 * database, each closed and removed after.
 */
export async function onEachStore(measure: (name: string, storage: Storage) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-'));
  try {
    const storage = await createSqliteStorage({ path: join(dir, 'kiln.db') });
    try {
      await measure('sqlite', storage);
    } finally {
      await storage.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (!process.env.KILN_TEST_DATABASE_URL) return;
  const db = await createTestDatabase();
  const storage = await createPostgresStorage({ url: db.url, poolSize: 5 });
  try {
    await measure('postgres', storage);
  } finally {
    await storage.close();
    await db.drop();
  }
}
