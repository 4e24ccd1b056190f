import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, type TestKiln } from '../helpers/app.ts';
import { ADMIN, createJob, recordLine, tokenOf } from '../helpers/foundation.ts';
import { TEST_DATABASE_URL } from '../helpers/postgres.ts';

// Importing a job's history while the job is being run (PostgreSQL, several servers' worth of
// triggers): a run that takes a number the import meant to use makes the import skip that number
// (import-service.ts says the batch "is retried with that number skipped"); the import must not
// fail because runs keep arriving.
describe.skipIf(!TEST_DATABASE_URL)('import racing RunJob on PostgreSQL', () => {
  let a: TestKiln;
  let b: TestKiln;
  let token: string;
  let projectId: string;

  beforeAll(async () => {
    a = await createTestKiln({ store: 'postgres' });
    b = await createTestKiln({ sharedDatabaseUrl: a.databaseUrl });
    token = await tokenOf(a, ADMIN);
    projectId = await a.defaultProjectId();
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('an import of 3,000 records completes while the job is run every few milliseconds', async () => {
    const jobId = await createJob(a, token, projectId, { job_name: 'imported-while-running' });
    const payload = `${Array.from({ length: 3000 }, (_, i) => recordLine(i + 1)).join('\n')}\n`;
    let importing = true;
    const imported = a
      .call(token, {
        method: 'POST',
        url: `/v1/kiln/jobs/${jobId}/import`,
        headers: { 'content-type': 'application/x-ndjson' },
        payload,
      })
      .finally(() => (importing = false));
    const runs: number[] = [];
    for (let i = 0; importing && i < 400; i++) {
      const run = await (i % 2 ? a : b).call(token, {
        method: 'POST',
        url: '/v3/jobs/build',
        payload: { job_id: jobId },
      });
      runs.push(run.statusCode);
      await new Promise((r) => setTimeout(r, 5));
    }
    const res = await imported;
    expect(runs.filter((s) => s !== 200)).toEqual([]);
    expect(res.statusCode, res.body).toBe(200);
    const { imported: count, skipped } = res.json().result;
    expect(count + skipped).toBe(3000);
  });
});
