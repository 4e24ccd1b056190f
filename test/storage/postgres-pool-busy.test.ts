import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/domain/errors.ts';
import { createPostgresStorage } from '../../src/storage/postgres/postgres-storage.ts';
import type { Storage } from '../../src/storage/ports.ts';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../helpers/postgres.ts';

/**
 * Every connection of a server's pool in use (a burst of builds, long transactions) is a busy
 * server, not a database that is down. It was said as "the database is unavailable", and /readyz,
 * which asked through the same pool, failed: a load balancer took busy servers out of rotation
 * and piled their load on the others. Now the message says what is so, and readiness asks the
 * database on a connection of its own when the pool has none to spare.
 */
describe.skipIf(!TEST_DATABASE_URL)('a PostgreSQL pool whose every connection is in use', () => {
  let database: TestDatabase;
  let storage: Storage;
  let release!: () => void;
  let holding: Promise<void>;

  beforeAll(async () => {
    database = await createTestDatabase();
    storage = await createPostgresStorage({ url: database.url, poolSize: 1, connectTimeoutMs: 300 });
    // A transaction holds the pool's one connection until the test lets it go.
    let held!: () => void;
    const started = new Promise<void>((resolve) => (held = resolve));
    holding = storage.transaction(async (tx) => {
      await tx.jobs.findById('no-such-job');
      held();
      await new Promise<void>((resolve) => (release = resolve));
    });
    await started;
  });
  afterAll(async () => {
    release?.();
    await holding;
    await storage?.close();
    await database?.drop();
  });

  it('fails a statement saying the server is busy, naming the pool size setting', async () => {
    const failed = await storage.jobs.findById('another').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failed).toBeInstanceOf(AppError);
    expect((failed as AppError).code).toBe('STORE_UNAVAILABLE');
    expect((failed as AppError).message).toMatch(/^the server is busy: .*KILN_DB_POOL_SIZE/);
  });

  it('is ready: the database answers on a connection of the probe', async () => {
    await expect(storage.ping()).resolves.toBeUndefined();
  });
});

describe.skipIf(!TEST_DATABASE_URL)('a PostgreSQL server that is gone', () => {
  it('is not ready', async () => {
    const database = await createTestDatabase();
    const storage = await createPostgresStorage({ url: database.url, poolSize: 1, connectTimeoutMs: 300 });
    await database.drop(); // the pool's connection is ended with it, and no new one can be made
    const failed = await storage.ping().then(
      () => undefined,
      (e: unknown) => e,
    );
    await storage.close().catch(() => undefined);
    expect(failed).toBeInstanceOf(Error);
  });
});
