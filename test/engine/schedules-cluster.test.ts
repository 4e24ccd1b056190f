import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/engine/engine.ts';
import type { Storage } from '../../src/storage/ports.ts';
import { createPostgresStorage } from '../../src/storage/postgres/postgres-storage.ts';
import { TestClock } from '../helpers/app.ts';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../helpers/postgres.ts';
import { TEST_PASSWORD_COST } from '../helpers/runner.ts';

// Several servers on one PostgreSQL database each run the scheduler; a due time fires once.
describe.skipIf(!TEST_DATABASE_URL)('schedules across servers', () => {
  let database: TestDatabase;
  const storages: Storage[] = [];
  const engines: Engine[] = [];
  const clock = new TestClock(Date.UTC(2024, 5, 1, 12, 0, 30));

  beforeAll(async () => {
    database = await createTestDatabase();
    for (let i = 0; i < 3; i++) {
      const storage = await createPostgresStorage({ url: database.url, poolSize: 4 });
      storages.push(storage);
      engines.push(
        createEngine({
          storage,
          clock,
          timeZone: 'UTC',
          secretKey: 'cluster-secret-key-0123',
          passwordCost: TEST_PASSWORD_COST,
        }),
      );
    }
    await engines[0]!.directory.bootstrap('admin-password-1');
  });
  afterAll(async () => {
    for (const s of storages) await s.close();
    await database.drop();
  });

  it('fires each due time once whichever servers tick, even all at the same moment', async () => {
    const e = engines[0]!;
    const principal = await e.auth.authenticate(
      (
        await e.auth.signIn({
          userName: 'admin',
          password: 'admin-password-1',
          address: '127.0.0.1',
          scope: { kind: 'project', name: 'local' },
        })
      ).token,
      true,
    );
    const project = (await e.directory.listProjects(principal, { offset: 0, limit: 1 })).items[0]!.project;
    const job = await e.jobs.create(principal, {
      project_id: project.id,
      job_name: 'every-minute',
      arch: 'x86-64',
      steps: [{ module_id: 'kiln.shell', name: 's', properties: { command: 'true' } }],
      triggers: [{ name: 'timer', parameters: [{ name: 'cron', value: '* * * * *' }] }],
    });
    await Promise.all(engines.map((x) => x.scheduler.tick())); // first sight: starts counting
    for (let minute = 1; minute <= 5; minute++) {
      clock.advance(60_000);
      const fired = await Promise.all(engines.map((x) => x.scheduler.tick()));
      expect(fired.reduce((a, b) => a + b, 0)).toBe(1);
    }
    const numbers = [];
    for (let n = 1; n <= 6; n++) numbers.push(await storages[1]!.builds.findByNumber(job.id, n));
    expect(numbers.slice(0, 5).every((b) => b?.triggerType === 'Scheduled')).toBe(true);
    expect(numbers[5]).toBeUndefined();
  });
});
