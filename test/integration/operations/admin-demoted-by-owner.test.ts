import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, type TestKiln } from '../../helpers/app.ts';
import {
  ADMIN,
  createJob,
  createProject,
  createUser,
  expectCodeArtsError,
  onEveryStore,
  setRole,
  tokenOf,
  type Credentials,
} from '../../helpers/foundation.ts';

/**
 * docs/security.md: "A domain's administrators | manage their domain's users, projects and jobs".
 * An administrator is an owner of every project of the domain whatever a membership row of theirs
 * says (access.ts effectiveRole, mirrored by the job lists' SQL). Were the row first, any project
 * owner could write it (SetMember needs only `manage`) and turn the domain administrator into a
 * viewer of the project, who would then lack `manage` there to undo it: a lower role restricting a
 * higher one. A non-administrator's change of an administrator's row is refused (403); a row left
 * by an older Kiln (or written by another administrator) changes nothing either.
 */
const OWNER: Credentials = { name: 'lead', password: 'lead-password-1', domain: 'default' };

onEveryStore((store) => {
  let kiln: TestKiln;
  let admin: string;
  let owner: string;
  let projectId: string;
  let jobId: string;
  beforeAll(async () => {
    kiln = await createTestKiln({ store });
    admin = await tokenOf(kiln, ADMIN);
    projectId = await createProject(kiln, admin, 'team-project'); // the admin is its owner member
    await createUser(kiln, admin, OWNER.name, OWNER.password); // a plain user, not an administrator
    await setRole(kiln, admin, projectId, OWNER.name, 'owner');
    owner = await tokenOf(kiln, OWNER);
    jobId = await createJob(kiln, owner, projectId, { job_name: 'team-job' });
  });
  afterAll(() => kiln?.close());

  describe('a project owner and the domain administrator', () => {
    it("the owner may not change nor remove the administrator's membership (403 saying why)", async () => {
      const demote = await kiln.call(owner, {
        method: 'PUT',
        url: `/v1/kiln/projects/${projectId}/members/${ADMIN.name}`,
        payload: { role: 'viewer' },
      });
      expectCodeArtsError(demote, 403, 'CB.00060403', /admin is a domain administrator/);
      const remove = await kiln.call(owner, {
        method: 'DELETE',
        url: `/v1/kiln/projects/${projectId}/members/${ADMIN.name}`,
      });
      expectCodeArtsError(remove, 403, 'CB.00060403', /only an administrator may change their membership/);
      const members = await kiln.call(admin, {
        method: 'GET',
        url: `/v1/kiln/projects/${projectId}/members`,
      });
      expect(members.json().result.members).toContainEqual(
        expect.objectContaining({ user_name: ADMIN.name, role: 'owner' }),
      );
    });
  });

  describe('a domain administrator whose membership row says viewer', () => {
    beforeAll(async () => {
      // The row an older Kiln let the project owner write.
      const adminUser = await kiln.storage.users.findCredentialsByName(
        (await kiln.storage.domains.findByName('default'))!.id,
        ADMIN.name,
      );
      await kiln.storage.projects.setMember(
        { projectId, userId: adminUser!.user.id, role: 'viewer' },
        kiln.clock.now(),
      );
      // The job hides itself from viewers: an administrator acting by the row would lose it.
      const hide = await kiln.call(owner, {
        method: 'POST',
        url: '/v1/job/permissions/batch',
        payload: {
          job_ids: [jobId],
          permissions: [
            { role_id: 7, is_view: false, is_execute: false, is_modify: false, is_delete: false },
          ],
        },
      });
      expect(hide.statusCode, hide.body).toBe(200);
    });

    it("can still disable the project's jobs", async () => {
      const off = await kiln.call(admin, { method: 'POST', url: `/v3/jobs/${jobId}/disable` });
      expect(off.statusCode, off.body).toBe(200);
    });

    it('is told it is a project administrator by ShowProjectPermission and ShowProjectJobPermission', async () => {
      const res = await kiln.call(admin, {
        method: 'GET',
        url: `/v1/domain/user-permission?project_id=${projectId}`,
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().result.manager_permission).toBe(true);
      expect(res.json().result.role_id).toBe('-1');
      const mine = await kiln.call(admin, {
        method: 'GET',
        url: `/v1/job/permission?project_id=${projectId}&job_id=${jobId}`,
      });
      expect(mine.statusCode, mine.body).toBe(200);
      expect(mine.json().result).toMatchObject({ role_id: -1, is_manager: true, is_view: true });
    });

    it('sees the job in the project list and the list across projects, as an owner', async () => {
      const list = await kiln.call(admin, {
        method: 'GET',
        url: `/v3/${projectId}/jobs?page_index=0&page_size=50`,
      });
      expect(list.statusCode, list.body).toBe(200);
      expect(list.body).toContain('team-job');
      const all = await kiln.call(admin, { method: 'GET', url: '/v1/job/list?page_no=1&page_size=50' });
      expect(all.statusCode, all.body).toBe(200);
      expect(all.body).toContain('team-job');
    });

    it("can still manage the project's members (and so set its own row back)", async () => {
      const res = await kiln.call(admin, {
        method: 'PUT',
        url: `/v1/kiln/projects/${projectId}/members/${ADMIN.name}`,
        payload: { role: 'owner' },
      });
      expect(res.statusCode, res.body).toBe(200);
    });
  });
});
