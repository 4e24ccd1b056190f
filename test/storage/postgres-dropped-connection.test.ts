import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresStorage } from '../../src/storage/postgres/postgres-storage.ts';
import type { Storage } from '../../src/storage/ports.ts';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../helpers/postgres.ts';

/**
 * PostgreSQL drops a connection a transaction holds between two statements (a restart, an
 * administrator, a failover): the server process must live on, the transaction fail, and the
 * pool go on with fresh connections. (pg's pool listens for errors only on idle connections; a
 * held one emitted its error to no one and ended the process: the outage e2e test saw it at times.)
 */
describe.skipIf(!TEST_DATABASE_URL)('a connection PostgreSQL drops under a transaction', () => {
  let database: TestDatabase;
  let storage: Storage;
  const heard: unknown[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    storage = await createPostgresStorage({
      url: database.url,
      poolSize: 2,
      onIdleError: (e) => heard.push(e),
    });
  });
  afterAll(async () => {
    await storage?.close();
    await database?.drop();
  });

  it('fails the transaction, keeps the process, and serves the next request', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started = false;
    const tx = storage.transaction(async (t) => {
      await t.jobs.findById('no-such-job');
      started = true;
      await held;
      await t.jobs.findById('no-such-job');
    });
    while (!started) await new Promise((r) => setTimeout(r, 10));
    // Every other connection to the test's database goes, the transaction's among them.
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    await admin.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
    );
    await admin.end();
    // The error arrives on the held connection while no statement runs on it.
    await new Promise((r) => setTimeout(r, 300));
    expect(heard.length).toBeGreaterThan(0);
    release();
    await expect(tx).rejects.toThrow();
    // The pool dropped the dead connection: the next request gets a fresh one.
    await expect(storage.ping()).resolves.toBeUndefined();
  });
});
