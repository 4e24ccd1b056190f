import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { commitTimeBounds } from '../../src/storage/migrations/032-commit-time-bounds.ts';
import { startEngineKiln, type EngineKiln } from '../helpers/engine.ts';
import { describeEachStore } from '../helpers/records.ts';

/**
 * A runner once sent whatever commit time git gave (a commit dated in the year 3,170,843), and the
 * server kept it: the build's views failed on it (500), and so did the sweep that takes back lost
 * builds. The upgrade drops such times.
 */
describeEachStore('commit times no date holds, kept before they were refused', (store) => {
  let ek: EngineKiln;
  let db: Kysely<unknown>;

  beforeAll(async () => {
    ek = await startEngineKiln({ store });
    const url = ek.kiln.databaseUrl;
    db = new Kysely({
      dialect: url.startsWith('sqlite:')
        ? new SqliteDialect({ database: new BetterSqlite3(url.slice('sqlite:'.length)) })
        : new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }),
    });
  });
  afterAll(async () => {
    await db?.destroy();
    await ek?.close();
  });

  it('are dropped by the upgrade, and the build is shown again; a time in range stays', async () => {
    const [far, near] = [await ek.newJob(), await ek.newJob()];
    await ek.run(far);
    await ek.run(near);
    const setTime = (job: string, ms: number) =>
      sql`update builds set commit_time = ${ms} where job_id = ${job}`.execute(db);
    await setTime(far, 1e17);
    await setTime(near, Date.parse('1969-07-20T20:17:00Z')); // imported history may be that old
    expect((await ek.get(`/v4/jobs/${far}/1/record-info`)).statusCode).toBe(500);

    await commitTimeBounds().up(db);

    const shown = await ek.get(`/v4/jobs/${far}/1/record-info`);
    expect(shown.statusCode, shown.body).toBe(200);
    expect((await ek.kiln.storage.builds.findByNumber(far, 1))?.commitTime).toBeNull();
    expect((await ek.kiln.storage.builds.findByNumber(near, 1))?.commitTime).toBe(
      Date.parse('1969-07-20T20:17:00Z'),
    );
  });
});
