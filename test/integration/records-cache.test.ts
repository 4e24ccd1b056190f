import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.ts';
import { createEngine } from '../../src/engine/engine.ts';
import { createMetrics } from '../../src/server/metrics.ts';
import { createPostgresStorage } from '../../src/storage/postgres/postgres-storage.ts';
import { sampleBuild } from '../storage/contract/store-contract.ts';
import type { Storage } from '../../src/storage/ports.ts';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { createTestKiln, jobBody, TestClock, type TestKiln } from '../helpers/app.ts';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../helpers/postgres.ts';
import { TEST_PASSWORD_COST } from '../helpers/runner.ts';

// Settled pages are reused until the job's history changes; they must never be served stale,
// not even when the change is made through another server sharing the database.

const t0 = Date.UTC(2024, 0, 10, 12);
const url = (jobId: string) =>
  `/v3/jobs/${jobId}/build-info-records?start_time=2024-01-01+00:00:00&end_time=2024-12-31+00:00:00&page_size=5`;

describe('the records page cache', () => {
  let kiln: TestKiln;
  let token: string;
  let jobId: string;
  beforeAll(async () => {
    kiln = await createTestKiln();
    token = await kiln.token();
    jobId = (
      await kiln.call(token, {
        method: 'POST',
        url: '/v3/jobs/create',
        payload: jobBody(await kiln.defaultProjectId()),
      })
    ).json().result.job_id;
    for (let n = 1; n <= 7; n++) await kiln.storage.builds.insert(sampleBuild(jobId, n, t0 + n * 60_000));
  });
  afterAll(() => kiln.close());

  it('answers a repeated page identically and sees a new build and a finishing build at once', async () => {
    const first = (await kiln.call(token, { method: 'GET', url: url(jobId) })).body;
    expect((await kiln.call(token, { method: 'GET', url: url(jobId) })).body).toBe(first);
    expect(JSON.parse(first).result.total_record).toBe('7');

    const running = sampleBuild(jobId, 8, t0 + 8 * 60_000, {
      runningStatus: 'Running',
      state: '',
      finishedAt: null,
      buildTime: null,
      costTime: null,
    });
    await kiln.storage.builds.insert(running);
    const withRunning = JSON.parse((await kiln.call(token, { method: 'GET', url: url(jobId) })).body).result;
    expect(withRunning.total_record).toBe('8');
    expect(withRunning.job_build_states[0]).toMatchObject({
      number: 8,
      job_running_status: 'Running',
      state: '',
    });

    await kiln.storage.builds.finish(running.recordId, {
      state: 'FAILURE',
      finishedAt: t0 + 9 * 60_000,
      buildTime: 5,
      costTime: 6,
    });
    const finished = JSON.parse((await kiln.call(token, { method: 'GET', url: url(jobId) })).body).result;
    expect(finished.job_build_states[0]).toMatchObject({
      number: 8,
      job_running_status: 'Finished',
      state: 'FAILURE',
    });
    expect(finished.health_score).toBe('80');
  });
});

describe.skipIf(!TEST_DATABASE_URL)('the records page cache across servers', () => {
  let database: TestDatabase;
  const storages: Storage[] = [];
  const apps: FastifyInstance[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
    for (let i = 0; i < 2; i++) {
      const storage = await createPostgresStorage({ url: database.url, poolSize: 3 });
      const engine = createEngine({
        storage,
        clock: new TestClock(),
        timeZone: 'UTC',
        secretKey: 'cache-secret-key-012345',
        passwordCost: TEST_PASSWORD_COST,
      });
      if (i === 0) await engine.directory.bootstrap('admin-password-1');
      const app = await createApp({ engine, logger: pino({ level: 'silent' }), metrics: createMetrics() });
      storages.push(storage);
      apps.push(app);
    }
  });
  afterAll(async () => {
    for (const a of apps) await a.close();
    for (const s of storages) await s.close();
    await database.drop();
  });

  it('never serves a page that a write through another server made stale', async () => {
    const [a, b] = apps as [FastifyInstance, FastifyInstance];
    const login = await a.inject({
      method: 'POST',
      url: '/v3/auth/tokens',
      payload: {
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: 'admin', password: 'admin-password-1' } },
          },
          scope: { project: { name: 'local' } },
        },
      },
    });
    const headers = { 'x-auth-token': String(login.headers['x-subject-token']) };
    const project = (await a.inject({ method: 'GET', url: '/v1/domain/project/related', headers })).json()
      .result.project_info_list[0].identifier;
    const jobId = (
      await a.inject({ method: 'POST', url: '/v3/jobs/create', headers, payload: jobBody(project) })
    ).json().result.job_id;
    for (let n = 1; n <= 3; n++) await storages[0]!.builds.insert(sampleBuild(jobId, n, t0 + n * 60_000));
    const before = (await a.inject({ method: 'GET', url: url(jobId), headers })).json().result;
    expect(before.total_record).toBe('3');
    // Server B imports a build; server A's cached page must not be served any more.
    const line = JSON.stringify({
      ...before.job_build_states[0],
      number: 4,
      start_time: t0 + 4 * 60_000,
      daily_build_number: '20240110.4',
    });
    const imported = await b.inject({
      method: 'POST',
      url: `/v1/kiln/jobs/${jobId}/import`,
      headers: { ...headers, 'content-type': 'application/x-ndjson' },
      payload: `${line}\n`,
    });
    expect(imported.json().result.imported).toBe(1);
    const after = (await a.inject({ method: 'GET', url: url(jobId), headers })).json().result;
    expect(after.total_record).toBe('4');
    expect(after.job_build_states[0].number).toBe(4);
  });
});
