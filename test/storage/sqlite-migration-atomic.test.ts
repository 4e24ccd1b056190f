import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createSqliteStorage } from '../../src/storage/sqlite/sqlite-storage.ts';

/**
 * A first start (or an upgrade) stopped partway through its migrations, by Ctrl-C, SIGTERM, a
 * crash or an error, must leave the SQLite file as it was: SQLite's DDL is transactional, so the
 * next start applies the migrations again. Without a transaction the half-applied migration's
 * tables stayed, and every later start failed on them (`table "domains" already exists`).
 */
let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('a migration that fails partway leaves nothing behind, and the next start succeeds', async () => {
  dir = mkdtempSync(join(tmpdir(), 'kiln-sqlite-migrate-'));
  const path = join(dir, 'kiln.db');
  // The last table the first migration creates is in the way: it fails after creating the others.
  const raw = new BetterSqlite3(path);
  raw.exec('create table runners (x integer)');
  raw.close();
  await expect(createSqliteStorage({ path })).rejects.toThrow(/001-initial/);

  const check = new BetterSqlite3(path);
  const tables = check
    .prepare("select name from sqlite_master where type = 'table' and name = 'domains'")
    .all();
  check.exec('drop table runners');
  check.close();
  expect(tables).toEqual([]);

  const storage = await createSqliteStorage({ path });
  try {
    expect(await storage.domains.findByName('default')).toBeFalsy();
  } finally {
    await storage.close();
  }
});
