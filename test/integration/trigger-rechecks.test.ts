import { afterAll, beforeAll, expect, it } from 'vitest';
import type { JobRecord } from '../../src/storage/ports.ts';
import type { User } from '../../src/domain/identity.ts';
import { createTestKiln, type TestKiln } from '../helpers/app.ts';
import { ADMIN, createJob, createUser, onEveryStore, setRole, tokenOf } from '../helpers/foundation.ts';
import { deliver, headersFor, pushBody } from '../helpers/webhooks.ts';

/**
 * A trigger is checked (the job enabled, the starter allowed) and then its build is written in a
 * transaction; under load, or with a change arriving at another server, a change commits between
 * the two. The build's transaction reads the job and the starter's rights again: a build is never
 * written after a disable, a delete, a disabled user or a removed member that committed first.
 * The stale records below are what the checks read a moment before the change.
 */
onEveryStore((store) => {
  let kiln: TestKiln;
  let admin = '';
  let projectId = '';
  let n = 0;
  beforeAll(async () => {
    kiln = await createTestKiln({ store });
    admin = await tokenOf(kiln, ADMIN);
    projectId = await kiln.defaultProjectId();
  });
  afterAll(() => kiln?.close());

  /** A new job, a developer of its project, and both as a check read them. */
  async function checked(): Promise<{ job: JobRecord; dev: User; devName: string }> {
    const devName = `dev-${store}-${++n}`;
    const jobId = await createJob(kiln, admin, projectId, { job_name: `rechecked-${n}` });
    const devId = await createUser(kiln, admin, devName, 'Dev-password-1');
    await setRole(kiln, admin, projectId, devName, 'developer');
    return {
      job: (await kiln.storage.jobs.findById(jobId))!,
      dev: (await kiln.storage.users.findById(devId))!,
      devName,
    };
  }
  const trigger = (job: JobRecord, user: User) =>
    kiln.engine.builds.trigger(job, user, 'Manual', { parameters: [] }).catch((e: unknown) => e);
  const builds = async (job: JobRecord) => (await kiln.storage.jobs.findById(job.id))?.lastBuildNumber ?? 0;

  it('the job disabled since the check: no build', async () => {
    const { job, dev } = await checked();
    expect((await kiln.call(admin, { method: 'POST', url: `/v3/jobs/${job.id}/disable` })).statusCode).toBe(
      200,
    );
    expect(await trigger(job, dev)).toMatchObject({ code: 'JOB_DISABLED' });
    expect(await builds(job)).toBe(0);
  });

  it('the job deleted since the check: no build', async () => {
    const { job, dev } = await checked();
    expect((await kiln.call(admin, { method: 'POST', url: `/v3/jobs/${job.id}/delete` })).statusCode).toBe(
      200,
    );
    expect(await trigger(job, dev)).toMatchObject({ code: 'JOB_NOT_FOUND' });
  });

  it('the starter disabled, or no longer a member, since the check: no build', async () => {
    const first = await checked();
    const off = await kiln.call(admin, {
      method: 'PUT',
      url: `/v1/kiln/users/${first.devName}`,
      payload: { disabled: true },
    });
    expect(off.statusCode, off.body).toBe(200);
    expect(await trigger(first.job, first.dev)).toMatchObject({ code: 'FORBIDDEN' });
    expect(await builds(first.job)).toBe(0);

    const second = await checked();
    const removed = await kiln.call(admin, {
      method: 'DELETE',
      url: `/v1/kiln/projects/${projectId}/members/${second.devName}`,
    });
    expect(removed.statusCode, removed.body).toBe(200);
    expect(await trigger(second.job, second.dev)).toMatchObject({ code: 'FORBIDDEN' });
    expect(await builds(second.job)).toBe(0);
  });

  /** Runs `change` just before the next transaction begins: between a push's checks and its build. */
  function beforeNextTransaction(change: () => Promise<void>): void {
    const storage = kiln.storage;
    const original = storage.transaction.bind(storage);
    storage.transaction = (async (fn: Parameters<typeof original>[0]) => {
      storage.transaction = original;
      await change();
      return original(fn);
    }) as typeof storage.transaction;
  }

  /** A job built by pushes (its code_update trigger), saved last by `devName`, and a push to it. */
  async function pushed(
    devToken: string,
  ): Promise<{ jobId: string; push: () => Promise<Record<string, unknown>> }> {
    const url = 'https://example.com/app.git';
    const body = {
      job_name: `pushed-${++n}`,
      scms: [{ url, scm_type: 'git', branch: 'main' }],
      triggers: [{ name: 'code_update', parameters: [{ name: 'branches', value: 'main' }] }],
    };
    const jobId = await createJob(kiln, devToken, projectId, body);
    const secret = (await kiln.call(admin, { method: 'GET', url: `/v1/kiln/jobs/${jobId}/webhook` })).json()
      .result.secret as string;
    const push = async () => {
      const payload = pushBody('github', 'refs/heads/main', 'a'.repeat(40), { cloneUrl: url });
      const res = await deliver(kiln, jobId, headersFor('github', secret, payload), payload);
      expect(res.statusCode, res.body).toBeLessThan(300);
      return res.json() as Record<string, unknown>;
    };
    return { jobId, push };
  }

  it('a push whose job was disabled between its checks and its build is ignored, saying why', async () => {
    const { jobId, push } = await pushed(admin);
    beforeNextTransaction(async () => {
      expect((await kiln.call(admin, { method: 'POST', url: `/v3/jobs/${jobId}/disable` })).statusCode).toBe(
        200,
      );
    });
    expect(JSON.stringify(await push())).toMatch(/ignored.*is disabled/);
    expect((await kiln.storage.jobs.findById(jobId))?.lastBuildNumber).toBe(0);
  });

  it("a push builds as the job's last editor as of its build: one who saved meanwhile and lost the right is refused", async () => {
    const { jobId, push } = await pushed(admin);
    const devName = `pusher-${store}-${++n}`;
    await createUser(kiln, admin, devName, 'Dev-password-1');
    await setRole(kiln, admin, projectId, devName, 'developer');
    const devToken = await tokenOf(kiln, { name: devName, password: 'Dev-password-1', domain: 'default' });
    beforeNextTransaction(async () => {
      // The job saved by the developer, who is then disabled: the push was checked against admin.
      const job = (await kiln.call(devToken, { method: 'GET', url: `/v3/jobs/${jobId}/query` })).json()
        .result;
      const saved = await kiln.call(devToken, {
        method: 'POST',
        url: '/v3/jobs/update',
        payload: { ...job, job_id: jobId, project_id: projectId },
      });
      expect(saved.statusCode, saved.body).toBe(200);
      const off = await kiln.call(admin, {
        method: 'PUT',
        url: `/v1/kiln/users/${devName}`,
        payload: { disabled: true },
      });
      expect(off.statusCode, off.body).toBe(200);
    });
    expect(JSON.stringify(await push())).toMatch(/ignored.*last editor may no longer run/);
    expect((await kiln.storage.jobs.findById(jobId))?.lastBuildNumber).toBe(0);
  });

  it('nothing changed: the build is written, with the job as it is now', async () => {
    const { job, dev } = await checked();
    const build = await trigger(job, dev);
    expect(build).toMatchObject({ jobId: job.id, number: 1, executor: dev.name });
    expect(await builds(job)).toBe(1);
  });
});
