import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { newId32 } from '../../src/domain/ids.ts';
import { createEngine, type Engine } from '../../src/engine/engine.ts';
import { migrationProvider } from '../../src/storage/migrations/index.ts';
import type { JobRecord, Storage } from '../../src/storage/ports.ts';
import { createPostgresStorage } from '../../src/storage/postgres/postgres-storage.ts';
import type { Database } from '../../src/storage/schema.ts';
import { sqlStores } from '../../src/storage/sql/sql-storage.ts';
import { createSqliteStorage } from '../../src/storage/sqlite/sqlite-storage.ts';
import { TEST_SECRET_KEY, TestClock } from '../helpers/app.ts';
import { createTestDatabase } from '../helpers/postgres.ts';
import { describeEachStore } from '../helpers/records.ts';
import { TEST_PASSWORD_COST } from '../helpers/runner.ts';

/**
 * A database an earlier Kiln wrote (migrations up to 006) gets the schedules' next due times at
 * the upgrade: a schedule that fired before fires for what it missed at the first tick, a timer no
 * tick had seen yet starts counting at the upgrade, and a deleted job's schedule is forgotten.
 */
describeEachStore('schedules after the upgrade to next due times', (store) => {
  const hour = 3_600_000;
  const upgradedAt = Date.now();
  let clock: TestClock;
  let storage: Storage;
  let engine: Engine;
  let cleanup: () => Promise<void>;
  const ids = { fired: newId32(), unseen: newId32(), deleted: newId32() };

  async function writeLegacy(db: Kysely<Database>): Promise<void> {
    const { error } = await new Migrator({
      db,
      provider: migrationProvider(store),
    }).migrateTo('006-fair-queue');
    if (error) throw error;
    const stores = sqlStores(db, { skipLocked: false, rowListInserts: store === 'sqlite' });
    const [domainId, userId, projectId] = [newId32(), newId32(), newId32()];
    await stores.domains.insert({ id: domainId, name: 'default', createdAt: upgradedAt });
    const user = { id: userId, domainId, name: 'alice', displayName: 'Alice', isAdmin: true };
    await stores.users.insert({ ...user, disabled: false, createdAt: upgradedAt }, 'hash');
    const project = { id: projectId, domainId, name: 'p', description: '', creatorId: userId };
    await stores.projects.insert({ ...project, createdAt: upgradedAt });
    const job = (id: string): JobRecord => ({
      id,
      projectId,
      name: id,
      creatorId: userId,
      config: JSON.stringify({
        project_id: projectId,
        job_name: id,
        arch: 'x86-64',
        steps: [{ module_id: 'kiln.shell', name: 's', properties: { command: 'true' } }],
        triggers: [{ name: 'timer', parameters: [{ name: 'cron', value: '0 * * * *' }] }],
      }),
      disabled: false,
      disabledReason: '',
      webhookSecretEnc: 'x',
      lastBuildNumber: 0,
      createdAt: upgradedAt,
      updatedAt: upgradedAt,
      recordsVersion: 0,
    });
    for (const id of Object.values(ids)) await stores.jobs.insert(job(id));
    // (The 006 schema has no deleted_by yet.)
    await sql`update jobs set deleted_at = ${upgradedAt} where id = ${ids.deleted}`.execute(db);
    // The hourly schedules of `fired` and `deleted` last fired three hours ago.
    for (const id of [ids.fired, ids.deleted])
      await sql`insert into schedule_state (job_id, trigger_key, last_due)
        values (${id}, ${'0:0 * * * *'}, ${upgradedAt - 3 * hour})`.execute(db);
  }

  beforeAll(async () => {
    if (store === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'kiln-upgrade-'));
      const path = join(dir, 'kiln.db');
      const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new BetterSqlite3(path) }) });
      await writeLegacy(db);
      await db.destroy();
      storage = await createSqliteStorage({ path });
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    } else {
      const database = await createTestDatabase();
      const db = new Kysely<Database>({
        dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 1 }) }),
      });
      await writeLegacy(db);
      await db.destroy();
      storage = await createPostgresStorage({ url: database.url, poolSize: 2 });
      cleanup = database.drop;
    }
    clock = new TestClock(Date.now()); // the migration's own clock has read the time by now
    engine = createEngine({
      storage,
      clock,
      timeZone: 'UTC',
      secretKey: TEST_SECRET_KEY,
      passwordCost: TEST_PASSWORD_COST,
    });
  });
  afterAll(async () => {
    await storage?.close();
    await cleanup?.();
  });

  it('fires what a schedule missed once, starts the unseen one at the upgrade, forgets the deleted one', async () => {
    const far = upgradedAt + 400 * 24 * hour;
    const keys = async () => (await storage.schedules.listDue(far, 100)).map((e) => e.jobId).sort();
    expect(await keys()).toEqual([ids.fired, ids.unseen].sort());

    expect(await engine.scheduler.tick()).toBe(1);
    expect((await storage.builds.findByNumber(ids.fired, 1))?.triggerType).toBe('Scheduled');
    expect(await storage.builds.findByNumber(ids.unseen, 1)).toBeUndefined();
    expect(await engine.scheduler.tick()).toBe(0);
    // Both are now due at the next full hour, and fire then.
    const next = Math.floor(clock.now() / hour) * hour + hour;
    expect(await storage.schedules.listDue(next - 1, 100)).toEqual([]);
    clock.advance(next - clock.now());
    expect(await engine.scheduler.tick()).toBe(2);
  });
});
