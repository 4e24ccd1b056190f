import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/engine/engine.ts';
import type { Principal } from '../../src/domain/identity.ts';
import type { Storage } from '../../src/storage/ports.ts';
import { createPostgresStorage } from '../../src/storage/postgres/postgres-storage.ts';
import { TestClock } from '../helpers/app.ts';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../helpers/postgres.ts';
import { TEST_PASSWORD_COST } from '../helpers/runner.ts';

// Builds of one job wait for each other on the job's row (each takes its next number). A burst of
// triggers of one job must not hold every pooled connection while it waits: the server's other
// requests (here /readyz's ping) would wait for a connection too, and fail as "the database is
// unavailable" once the pool's wait (5 s) ran out, as would the triggers themselves; with several
// servers behind a balancer, each would be taken out in turn while the database is up.
describe.skipIf(!TEST_DATABASE_URL)('a burst of triggers of one job on PostgreSQL', () => {
  let database: TestDatabase;
  let storage: Storage;
  let engine: Engine;
  let principal: Principal;
  let jobId = '';
  const clock = new TestClock(Date.UTC(2024, 5, 1, 12, 0, 0));

  beforeAll(async () => {
    database = await createTestDatabase();
    storage = await createPostgresStorage({ url: database.url, poolSize: 2 });
    engine = createEngine({
      storage,
      clock,
      timeZone: 'UTC',
      secretKey: 'pool-secret-key-0123456',
      passwordCost: TEST_PASSWORD_COST,
    });
    await engine.directory.bootstrap('admin-password-1');
    const signedIn = await engine.auth.signIn({
      userName: 'admin',
      address: '127.0.0.1',
      password: 'admin-password-1',
      scope: { kind: 'project', name: 'local' },
    });
    principal = await engine.auth.authenticate(signedIn.token, true);
    const project = (await engine.directory.listProjects(principal, { offset: 0, limit: 1 })).items[0]!
      .project;
    jobId = (
      await engine.jobs.create(principal, {
        project_id: project.id,
        job_name: 'hot',
        arch: 'x86-64',
        scms: [{ url: 'https://example.com/app.git', scm_type: 'git', branch: 'main' }],
        steps: [{ module_id: 'kiln.shell', name: 's', properties: { command: 'true' } }],
      })
    ).id;
  });
  afterAll(async () => {
    await storage?.close();
    await database?.drop();
  });

  it('waits for the job row on one connection and leaves the others to the rest of the server', async () => {
    // Another server's transaction holds the job's row for longer than the pool's wait.
    const other = new pg.Client({ connectionString: database.url });
    await other.connect();
    try {
      await other.query('begin');
      await other.query('select id from jobs where id = $1 for update', [jobId]);
      const runs = Array.from({ length: 6 }, () =>
        engine.builds.run(principal, jobId, { parameters: [] }).then(
          (b) => b.number,
          (e: unknown) => e,
        ),
      );
      await new Promise((r) => setTimeout(r, 300));
      const began = Date.now();
      await engine.ping();
      expect(Date.now() - began).toBeLessThan(2_000);
      await new Promise((r) => setTimeout(r, 6_000 - (Date.now() - began)));
      await other.query('commit');
      expect((await Promise.all(runs)).sort((a, b) => Number(a) - Number(b))).toEqual([1, 2, 3, 4, 5, 6]);
    } finally {
      await other.end();
    }
  }, 30_000);
});
