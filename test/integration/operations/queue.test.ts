import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, type TestKiln } from '../../helpers/app.ts';
import {
  ADMIN,
  createJob,
  createProject,
  createUser,
  onEveryStore,
  setRole,
  tokenOf,
} from '../../helpers/foundation.ts';

/**
 * Kiln's queue (GET /v1/kiln/queue): of the jobs the caller may see, the builds a runner has
 * (running, or claimed and starting) first, then those waiting in their queue order, each with its
 * place among those the caller may see. The test clock stands still: every build has one trigger
 * time, and the order still holds. No runner takes builds here: they wait until the test claims one.
 * Each build says whether the caller may run its job, and so stop it (is_execute), by the job's
 * permission matrix: the project's, or the job's own.
 */

onEveryStore((store) => {
  describe('the queue', () => {
    let kiln: TestKiln;
    let admin: string;
    let member: string;
    let developer: string;
    const jobs = { a: '', b: '', hidden: '', barred: '' };

    const run = async (job: string) => {
      const res = await kiln.call(admin, { method: 'POST', url: '/v3/jobs/build', payload: { job_id: job } });
      expect(res.statusCode, res.body).toBe(200);
    };
    const queue = async (token: string) => {
      const res = await kiln.call(token, { method: 'GET', url: '/v1/kiln/queue' });
      expect(res.statusCode, res.body).toBe(200);
      return res.json().result.builds as Record<string, unknown>[];
    };

    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      admin = await tokenOf(kiln, ADMIN);
      const open = await kiln.defaultProjectId();
      const closed = await createProject(kiln, admin, 'closed');
      jobs.a = await createJob(kiln, admin, open, { job_name: 'queued-a', scms: [] });
      jobs.b = await createJob(kiln, admin, open, { job_name: 'queued-b', scms: [] });
      jobs.hidden = await createJob(kiln, admin, closed, { job_name: 'queued-hidden', scms: [] });
      jobs.barred = await createJob(kiln, admin, open, { job_name: 'queued-barred', scms: [] });
      // Its own matrix lets developers (role 4) see it but not run it.
      const matrix = await kiln.call(admin, {
        method: 'POST',
        url: '/v1/job/permissions/batch',
        payload: {
          project_id: open,
          job_ids: [jobs.barred],
          permissions: [
            {
              id: 0,
              role_id: 4,
              is_view: true,
              is_execute: false,
              is_modify: false,
              is_delete: false,
              is_copy: false,
              is_forbidden: false,
              is_manager: false,
              count: 0,
            },
          ],
        },
      });
      expect(matrix.statusCode, matrix.body).toBe(200);
      await createUser(kiln, admin, 'queue-member', 'Queue-member-pass-1');
      await setRole(kiln, admin, open, 'queue-member', 'viewer');
      member = await tokenOf(kiln, {
        name: 'queue-member',
        password: 'Queue-member-pass-1',
        domain: 'default',
      });
      await createUser(kiln, admin, 'queue-developer', 'Queue-developer-pass-1');
      await setRole(kiln, admin, open, 'queue-developer', 'developer');
      developer = await tokenOf(kiln, {
        name: 'queue-developer',
        password: 'Queue-developer-pass-1',
        domain: 'default',
      });
      for (const job of [jobs.a, jobs.hidden, jobs.b, jobs.a, jobs.barred]) await run(job);
    });
    afterAll(() => kiln?.close());

    it('lists the waiting builds in queue order, each with its place', async () => {
      const all = await queue(admin);
      expect(all.map((b) => [b.job_name, b.build_number, b.status, b.position])).toEqual([
        ['queued-a', 1, 'queued', 1],
        ['queued-hidden', 1, 'queued', 2],
        ['queued-b', 1, 'queued', 3],
        ['queued-a', 2, 'queued', 4],
        ['queued-barred', 1, 'queued', 5],
      ]);
      expect(all[0]).toMatchObject({
        needs_arch: '',
        needs_pool: '',
        runner: '',
        started_at: 0,
        executor: 'admin',
      });
    });

    it('shows a member only the jobs they may see, placed among those', async () => {
      const seen = await queue(member);
      expect(seen.map((b) => [b.job_name, b.build_number, b.position])).toEqual([
        ['queued-a', 1, 1],
        ['queued-b', 1, 2],
        ['queued-a', 2, 3],
        ['queued-barred', 1, 4],
      ]);
    });

    it('says of each build whether the caller may run its job, and so stop it, by its matrix', async () => {
      const rights = async (token: string) =>
        (await queue(token)).map((b) => [b.job_name, b.build_number, b.is_execute]);
      // An owner runs every job, whatever a job's own matrix says.
      expect(await rights(admin)).toEqual([
        ['queued-a', 1, true],
        ['queued-hidden', 1, true],
        ['queued-b', 1, true],
        ['queued-a', 2, true],
        ['queued-barred', 1, true],
      ]);
      // A developer runs the project's jobs, but not the one whose own matrix bars developers.
      expect(await rights(developer)).toEqual([
        ['queued-a', 1, true],
        ['queued-b', 1, true],
        ['queued-a', 2, true],
        ['queued-barred', 1, false],
      ]);
      // As the stop itself says.
      const stop = await kiln.call(developer, {
        method: 'POST',
        url: `/v3/jobs/${jobs.barred}/1/stop`,
      });
      expect(stop.statusCode, stop.body).toBe(403);
      // A viewer runs none.
      expect((await rights(member)).map((r) => r[2])).toEqual([false, false, false, false]);
    });

    it('shows a claimed build with its runner and out of the line, and a started one running', async () => {
      const lease = await kiln.engine.dispatch.next('local:queue-runner', new AbortController().signal, 0);
      expect(lease?.jobId).toBe(jobs.a);
      let all = await queue(admin);
      expect(all[0]).toMatchObject({
        job_name: 'queued-a',
        status: 'starting',
        position: 0,
        runner: 'queue-runner',
      });
      expect(all.slice(1).map((b) => b.position)).toEqual([1, 2, 3, 4]);
      await kiln.engine.dispatch.started('local:queue-runner', lease!.recordId, {
        commitId: '',
        commitTime: null,
        commitMessage: '',
        branch: '',
      });
      all = await queue(admin);
      expect(all[0]).toMatchObject({ status: 'running', runner: 'queue-runner' });
      expect(all[0]!.started_at).toBeGreaterThan(0);
    });
  });
});
