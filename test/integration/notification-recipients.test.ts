import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, jobBody, type TestKiln } from '../helpers/app.ts';
import {
  ADMIN,
  createJob,
  createUser,
  onEveryStore,
  setRole,
  tokenOf,
  type Credentials,
} from '../helpers/foundation.ts';

/**
 * docs/security.md: a job's permission matrix "narrows or widens, per job, what each role ... may
 * do with it: view, ...". A viewer whose role row no longer has `view` gets 403 for the job
 * everywhere, and so no inbox message (nor mail) of it either: notice-outbox.ts `recipients()`
 * keeps only the creator and watchers who may still view the job (access.ts userMay), not every
 * member of the project, since a message carries the job's name, who changed it and for builds
 * the branch, commit and its message.
 */
const VIEWER: Credentials = { name: 'watcher', password: 'watcher-password-1', domain: 'default' };

onEveryStore((store) => {
  let kiln: TestKiln;
  let admin: string;
  let viewer: string;
  let projectId: string;
  beforeAll(async () => {
    kiln = await createTestKiln({ store });
    admin = await tokenOf(kiln, ADMIN);
    projectId = await kiln.defaultProjectId();
    await createUser(kiln, admin, VIEWER.name, VIEWER.password);
    await setRole(kiln, admin, projectId, VIEWER.name, 'viewer');
    viewer = await tokenOf(kiln, VIEWER);
  });
  afterAll(() => kiln?.close());

  /** Watches the job as the viewer, and has its changes written into inboxes. */
  async function watchWithInbox(jobId: string): Promise<void> {
    const watch = await kiln.call(viewer, {
      method: 'PUT',
      url: `/v1/kiln/jobs/${jobId}/watch`,
      payload: { watching: true },
    });
    expect(watch.statusCode, watch.body).toBe(200);
    const notice = await kiln.call(admin, {
      method: 'POST',
      url: `/v3/jobs/notice/${jobId}/update`,
      payload: { notice_type: 'MESSAGE', enabled_event_type_names: ['updateConfigJob', 'forbiddenJob'] },
    });
    expect(notice.statusCode, notice.body).toBe(200);
  }

  describe('a watcher who may view the job', () => {
    it('gets an inbox message of its change', async () => {
      const jobId = await createJob(kiln, admin, projectId, { job_name: 'open-release' });
      await watchWithInbox(jobId);
      const disable = await kiln.call(admin, { method: 'POST', url: `/v3/jobs/${jobId}/disable` });
      expect(disable.statusCode, disable.body).toBe(200);
      const inbox = await kiln.call(viewer, { method: 'GET', url: '/v1/kiln/inbox' });
      expect(inbox.statusCode, inbox.body).toBe(200);
      expect(inbox.body).toContain('open-release');
    });
  });

  describe('a watcher the job hides itself from', () => {
    it('gets no inbox message about the job once its matrix takes view away', async () => {
      const jobId = await createJob(kiln, admin, projectId, { job_name: 'payroll-release' });
      await watchWithInbox(jobId);

      // The owner hides the job from viewers (role_id 7).
      const hide = await kiln.call(admin, {
        method: 'POST',
        url: '/v1/job/permissions/batch',
        payload: {
          job_ids: [jobId],
          permissions: [
            {
              role_id: 7,
              is_view: false,
              is_execute: false,
              is_modify: false,
              is_delete: false,
              is_copy: false,
              is_forbidden: false,
              is_manager: false,
            },
          ],
        },
      });
      expect(hide.statusCode, hide.body).toBe(200);
      const seen = await kiln.call(viewer, { method: 'GET', url: `/v3/jobs/${jobId}/query` });
      expect(seen.statusCode).toBe(403);

      // The job changes; the viewer may not know it even exists.
      const update = await kiln.call(admin, {
        method: 'POST',
        url: '/v3/jobs/update',
        payload: jobBody(projectId, { job_id: jobId, job_name: 'payroll-release' }),
      });
      expect(update.statusCode, update.body).toBe(200);
      const disable = await kiln.call(admin, { method: 'POST', url: `/v3/jobs/${jobId}/disable` });
      expect(disable.statusCode, disable.body).toBe(200);

      const inbox = await kiln.call(viewer, { method: 'GET', url: '/v1/kiln/inbox' });
      expect(inbox.statusCode, inbox.body).toBe(200);
      expect(inbox.body).not.toContain('payroll-release');
      expect(inbox.body).not.toContain(jobId);
    });
  });
});
