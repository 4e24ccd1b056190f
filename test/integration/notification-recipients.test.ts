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
const READER: Credentials = { name: 'reader', password: 'reader-password-1', domain: 'default' };

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

  /** The permission batch that takes `view` from viewers (role_id 7), or gives it back. */
  async function viewersMayView(jobId: string, view: boolean): Promise<void> {
    const res = await kiln.call(admin, {
      method: 'POST',
      url: '/v1/job/permissions/batch',
      payload: {
        job_ids: [jobId],
        permissions: [
          {
            role_id: 7,
            is_view: view,
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
    expect(res.statusCode, res.body).toBe(200);
  }

  describe('a reader whose view of a job comes and goes', () => {
    let reader: string;
    beforeAll(async () => {
      await createUser(kiln, admin, READER.name, READER.password);
      await setRole(kiln, admin, projectId, READER.name, 'viewer');
      reader = await tokenOf(kiln, READER);
    });

    /** The reader's inbox as the API lists it, and the unread count the header shows. */
    async function inboxOfReader(query = '') {
      const list = await kiln.call(reader, { method: 'GET', url: `/v1/kiln/inbox${query}` });
      expect(list.statusCode, list.body).toBe(200);
      const me = await kiln.call(reader, { method: 'GET', url: '/v1/kiln/users/me/notifications' });
      expect(me.statusCode, me.body).toBe(200);
      const body = list.json().result as {
        total: number;
        unread: number;
        messages: { job_id: string; text: string; read: boolean }[];
      };
      return {
        total: body.total,
        unread: body.unread,
        header: (me.json().result as { unread: number }).unread,
        jobs: body.messages.map((m) => m.job_id),
        texts: body.messages.map((m) => m.text).join('\n'),
      };
    }

    it('neither lists nor counts the messages of a job hidden from them, and shows them again when it is not', async () => {
      const open = await createJob(kiln, admin, projectId, { job_name: 'reader-open' });
      const secret = await createJob(kiln, admin, projectId, { job_name: 'reader-secret' });
      for (const jobId of [open, secret]) {
        const watch = await kiln.call(reader, {
          method: 'PUT',
          url: `/v1/kiln/jobs/${jobId}/watch`,
          payload: { watching: true },
        });
        expect(watch.statusCode, watch.body).toBe(200);
        const notice = await kiln.call(admin, {
          method: 'POST',
          url: `/v3/jobs/notice/${jobId}/update`,
          payload: { notice_type: 'MESSAGE', enabled_event_type_names: ['forbiddenJob', 'deleteJob'] },
        });
        expect(notice.statusCode, notice.body).toBe(200);
        const disable = await kiln.call(admin, { method: 'POST', url: `/v3/jobs/${jobId}/disable` });
        expect(disable.statusCode, disable.body).toBe(200);
        kiln.clock.advance(1_000); // the inbox is newest first
      }
      expect(await inboxOfReader()).toMatchObject({ total: 2, unread: 2, header: 2 });

      // The job is hidden from viewers: its message is neither listed nor counted, read or not.
      await viewersMayView(secret, false);
      const hidden = await inboxOfReader();
      expect(hidden).toMatchObject({ total: 1, unread: 1, header: 1, jobs: [open] });
      expect(hidden.texts).not.toContain('reader-secret');
      expect(await inboxOfReader('?unread_only=true')).toMatchObject({ total: 1, unread: 1, jobs: [open] });
      // "Mark all read" marks what they see, no more.
      const marked = await kiln.call(reader, { method: 'POST', url: '/v1/kiln/inbox/read', payload: {} });
      expect(marked.json().result).toEqual({ marked: 1 });

      // Kept, not deleted: with the view back, the message is back, still unread.
      await viewersMayView(secret, true);
      expect(await inboxOfReader()).toMatchObject({ total: 2, unread: 1, header: 1, jobs: [secret, open] });

      // Out of the project: nothing of it; back in: all of it.
      const leave = await kiln.call(admin, {
        method: 'DELETE',
        url: `/v1/kiln/projects/${projectId}/members/${READER.name}`,
      });
      expect(leave.statusCode, leave.body).toBe(200);
      expect(await inboxOfReader()).toMatchObject({ total: 0, unread: 0, header: 0, jobs: [] });
      await setRole(kiln, admin, projectId, READER.name, 'viewer');
      expect(await inboxOfReader()).toMatchObject({ total: 2, unread: 1, header: 1 });

      // A job in the recycle bin keeps its messages, the one that says it was deleted first.
      const deleted = await kiln.call(admin, { method: 'POST', url: `/v3/jobs/${open}/delete` });
      expect(deleted.statusCode, deleted.body).toBe(200);
      const binned = await inboxOfReader();
      expect(binned).toMatchObject({ total: 3, unread: 2, header: 2, jobs: [open, secret, open] });
      expect(binned.texts).toContain('Job reader-open was deleted by admin');
      // Deleted for good: gone from the inbox at once, before the job's rows are.
      const purge = await kiln.call(admin, {
        method: 'DELETE',
        url: '/v1/job/recycling-deletion',
        payload: { job_ids: [open] },
      });
      expect(purge.statusCode, purge.body).toBe(200);
      expect(await inboxOfReader()).toMatchObject({ total: 1, unread: 1, header: 1, jobs: [secret] });
    });
  });

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
