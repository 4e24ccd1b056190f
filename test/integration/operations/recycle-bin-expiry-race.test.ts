import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestKiln } from '../../helpers/app.ts';
import { createTestKiln } from '../../helpers/app.ts';
import {
  ADMIN,
  createJob,
  importRecords,
  onEveryStore,
  recordLine,
  tokenOf,
} from '../../helpers/foundation.ts';

/**
 * The recycle bin's purge of a job whose keep time ran out (not a DeleteRecyclingJobs) runs in
 * batches; the job stays listed and restorable meanwhile. A restore must never bring back a job
 * whose history the purge goes on deleting.
 */

const DAY_MS = 86_400_000;
const WIDE = 'start_time=2000-01-01%2000%3A00%3A00&end_time=2099-12-31%2023%3A59%3A59';

onEveryStore((store) => {
  describe('recycle bin purge vs restore', () => {
    let kiln: TestKiln;
    beforeAll(async () => {
      kiln = await createTestKiln({ store });
    });
    afterAll(() => kiln?.close());

    it('a job restored while the expiry purge deletes its builds comes back with all its builds (or the restore is refused)', async () => {
      let token = await tokenOf(kiln, ADMIN);
      const projectId = await kiln.defaultProjectId();
      const jobId = await createJob(kiln, token, projectId, { job_name: `expiring-${Date.now()}` });
      await importRecords(
        kiln,
        token,
        jobId,
        Array.from({ length: 600 }, (_, i) => recordLine(i + 1)),
      );
      const del = await kiln.call(token, { method: 'POST', url: `/v3/jobs/${jobId}/delete` });
      expect(del.statusCode, del.body).toBe(200);
      // Past the default 30 days: the next sweep purges it.
      kiln.clock.advance(31 * DAY_MS);
      token = await tokenOf(kiln, ADMIN);
      // Still listed in the bin, so a user may well restore it now.
      const listed = await kiln.call(token, { method: 'GET', url: '/v1/job/recycling-jobs?page_size=100' });
      expect(listed.json().result.job_list.map((j: { job_id: string }) => j.job_id)).toContain(jobId);

      // The restore arrives right after the purge's first batch of builds went.
      const transaction = kiln.storage.transaction.bind(kiln.storage);
      let calls = 0;
      let restoring = false;
      let restore: { statusCode: number; body: string } | undefined;
      kiln.storage.transaction = (async (fn: Parameters<typeof transaction>[0]) => {
        const result = await transaction(fn);
        if (!restoring && ++calls === 1) {
          restoring = true;
          restore = await kiln.call(token, {
            method: 'POST',
            url: '/v1/job/recycling-restoration',
            payload: { job_ids: [jobId] },
          });
        }
        return result;
      }) as typeof transaction;
      try {
        await kiln.engine.bin.sweep();
      } finally {
        kiln.storage.transaction = transaction;
      }
      expect(restore).toBeDefined();
      const job = await kiln.call(token, { method: 'GET', url: `/v1/job/${jobId}/config` });
      if (restore!.statusCode === 200) {
        // The job is live again: its whole history must be there.
        expect(job.statusCode, job.body).toBe(200);
        const page = await kiln.call(token, {
          method: 'GET',
          url: `/v3/jobs/${jobId}/build-info-records?${WIDE}&page_size=10`,
        });
        expect(page.statusCode, page.body).toBe(200);
        expect(Number(page.json().result.total_record)).toBe(600);
      } else {
        expect(job.statusCode).toBe(404);
      }
    });
  });
});
