import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, jobBody, TestClock, type TestKiln } from '../helpers/app.ts';
import { ADMIN, createJob, tokenOf } from '../helpers/foundation.ts';
import { TEST_DATABASE_URL } from '../helpers/postgres.ts';

// Two Kiln servers on one PostgreSQL database, changes of one job arriving at both at once: a
// job is deleted once (one DELETE in its history, every answer a 200 or a 404, never a 500),
// nothing changes it once it is in the recycle bin (no UPDATE or DISABLE after its DELETE), and a
// restore and a permanent delete of it are not both answered done.
describe.skipIf(!TEST_DATABASE_URL)('concurrent changes of one job across servers', () => {
  const clock = new TestClock();
  let a: TestKiln;
  let b: TestKiln;
  let tokenA: string;
  let tokenB: string;
  let projectId: string;

  beforeAll(async () => {
    a = await createTestKiln({ store: 'postgres', clock });
    b = await createTestKiln({ sharedDatabaseUrl: a.databaseUrl, clock });
    tokenA = await tokenOf(a, ADMIN);
    tokenB = await tokenOf(b, ADMIN);
    projectId = await a.defaultProjectId();
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const changes = async (jobId: string) =>
    (await a.storage.jobVersions.list(jobId, 100, 0)).items.map((v) => v.change).reverse();

  it('a job deleted through both servers at once is deleted once, without a 500', async () => {
    const statuses: number[] = [];
    const histories: string[][] = [];
    for (let round = 0; round < 8; round++) {
      const jobId = await createJob(a, tokenA, projectId, { job_name: `deleted-twice-${round}` });
      const answers = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          (i % 2 ? a : b).call(i % 2 ? tokenA : tokenB, { method: 'POST', url: `/v3/jobs/${jobId}/delete` }),
        ),
      );
      statuses.push(...answers.map((r) => r.statusCode));
      histories.push(await changes(jobId));
    }
    expect(statuses.filter((s) => s !== 200 && s !== 404)).toEqual([]);
    for (const history of histories) expect(history).toEqual(['CREATE', 'DELETE']);
  });

  it('an update racing a delete does not change the job once it is in the recycle bin', async () => {
    const histories: string[][] = [];
    for (let round = 0; round < 8; round++) {
      const name = `updated-deleted-${round}`;
      const jobId = await createJob(a, tokenA, projectId, { job_name: name });
      await Promise.all([
        a.call(tokenA, { method: 'POST', url: `/v3/jobs/${jobId}/delete` }),
        ...Array.from({ length: 4 }, (_, i) =>
          (i % 2 ? a : b).call(i % 2 ? tokenA : tokenB, {
            method: 'POST',
            url: '/v3/jobs/update',
            payload: {
              job_id: jobId,
              ...jobBody(projectId, {
                job_name: name,
                steps: [{ module_id: 'kiln.shell', name: 's', properties: { command: `echo ${i}` } }],
              }),
            },
          }),
        ),
      ]);
      histories.push(await changes(jobId));
    }
    for (const history of histories) expect(history.at(-1), history.join(' ')).toBe('DELETE');
  });

  it('a disable racing a delete does not change the job once it is in the recycle bin', async () => {
    const histories: string[][] = [];
    for (let round = 0; round < 8; round++) {
      const jobId = await createJob(a, tokenA, projectId, { job_name: `disabled-deleted-${round}` });
      const answers = await Promise.all([
        a.call(tokenA, { method: 'POST', url: `/v3/jobs/${jobId}/delete` }),
        ...Array.from({ length: 4 }, (_, i) =>
          (i % 2 ? a : b).call(i % 2 ? tokenA : tokenB, { method: 'POST', url: `/v3/jobs/${jobId}/disable` }),
        ),
      ]);
      expect(answers.map((r) => r.statusCode).filter((s) => s !== 200 && s !== 404)).toEqual([]);
      histories.push(await changes(jobId));
    }
    for (const history of histories) expect(history.at(-1), history.join(' ')).toBe('DELETE');
  });

  it('an update leaving out the timeout keeps the one another server set meanwhile (no lost update)', async () => {
    const lost: string[] = [];
    for (let round = 0; round < 12; round++) {
      const name = `kept-timeout-${round}`;
      const jobId = await createJob(a, tokenA, projectId, {
        job_name: name,
        timeout: { limit: '10', unit: 'MINUTES' },
      });
      const [longer, rename] = await Promise.all([
        a.call(tokenA, {
          method: 'POST',
          url: '/v3/jobs/update',
          payload: {
            job_id: jobId,
            ...jobBody(projectId, { job_name: name, timeout: { limit: '20', unit: 'MINUTES' } }),
          },
        }),
        // A CodeArts update body: it cannot carry a timeout, so the stored one is kept.
        b.call(tokenB, {
          method: 'POST',
          url: '/v3/jobs/update',
          payload: { job_id: jobId, ...jobBody(projectId, { job_name: `${name}-renamed` }) },
        }),
      ]);
      expect([longer.statusCode, rename.statusCode]).toEqual([200, 200]);
      const shown = (await a.call(tokenA, { method: 'GET', url: `/v3/jobs/${jobId}/query` })).json().result;
      if (String(shown.timeout?.limit) !== '20')
        lost.push(`round ${round}: timeout ${JSON.stringify(shown.timeout)}`);
    }
    expect(lost).toEqual([]);
  });

  it("a channel's disable racing its update does not write back the webhook URL the update replaced", async () => {
    const lost: string[] = [];
    const hook = (n: number) => JSON.stringify({ webhook_url: `http://127.0.0.1:9/hook-${n}` });
    for (let round = 0; round < 12; round++) {
      const jobId = await createJob(a, tokenA, projectId, { job_name: `notice-race-${round}` });
      const update = (n: number) =>
        a.call(tokenA, {
          method: 'POST',
          url: `/v3/jobs/notice/${jobId}/update`,
          payload: {
            notice_type: 'WEBHOOK',
            enabled_event_type_names: ['buildJobFail'],
            param_config: hook(n),
          },
        });
      expect((await update(1)).statusCode).toBe(200);
      const [changed, disabled] = await Promise.all([
        update(2),
        b.call(tokenB, { method: 'POST', url: `/v3/jobs/notice/${jobId}/disable?notice_type=WEBHOOK` }),
      ]);
      expect([changed.statusCode, disabled.statusCode]).toEqual([200, 200]);
      const shown = (await a.call(tokenA, { method: 'GET', url: `/v3/jobs/notice/${jobId}/query` })).json();
      const webhook = (shown.result as { notice_type: string; param_config: string | null }[]).find(
        (n) => n.notice_type === 'WEBHOOK',
      );
      if (!webhook?.param_config?.includes('hook-2')) lost.push(`round ${round}: ${webhook?.param_config}`);
    }
    expect(lost).toEqual([]);
  });

  it('a job restored and deleted for good at once is one or the other, never both answered done', async () => {
    for (let round = 0; round < 8; round++) {
      const jobId = await createJob(a, tokenA, projectId, { job_name: `restored-purged-${round}` });
      expect((await a.call(tokenA, { method: 'POST', url: `/v3/jobs/${jobId}/delete` })).statusCode).toBe(
        200,
      );
      const [restore, purge] = await Promise.all([
        a.call(tokenA, {
          method: 'POST',
          url: '/v1/job/recycling-restoration',
          payload: { job_ids: [jobId] },
        }),
        b.call(tokenB, {
          method: 'DELETE',
          url: '/v1/job/recycling-deletion',
          payload: { job_ids: [jobId] },
        }),
      ]);
      const statuses = [restore.statusCode, purge.statusCode].sort();
      expect(statuses, `restore ${restore.statusCode}, purge ${purge.statusCode}`).toEqual([200, 404]);
      const live = (await a.storage.jobs.findById(jobId)) !== undefined;
      expect(live).toBe(restore.statusCode === 200);
    }
  });
});
