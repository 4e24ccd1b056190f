import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, type TestKiln } from '../helpers/app.ts';
import {
  ADMIN,
  createJob,
  createProject,
  createUser,
  onEveryStore,
  setRole,
  tokenOf,
  type Credentials,
} from '../helpers/foundation.ts';

/**
 * docs/security.md: "A domain's administrators | manage their domain's users, projects and jobs".
 * access.ts (userProjectAccess, jobRole) takes a membership row before the administrator flag: an
 * administrator with a row acts with that row's role. Any project owner may write that row
 * (setMember needs only `manage`), so a plain project owner can turn the domain administrator into a
 * viewer of the project, and the administrator, now without `manage` there, cannot set it back nor
 * remove the row (only through a second administrator account): a lower role restricts a higher one.
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
    // The project owner demotes the domain administrator in "their" project.
    await setRole(kiln, owner, projectId, ADMIN.name, 'viewer');
  });
  afterAll(() => kiln?.close());

  describe('a domain administrator demoted to viewer by a project owner', () => {
    it("can still manage the project's members (and so undo the demotion)", async () => {
      const res = await kiln.call(admin, {
        method: 'PUT',
        url: `/v1/kiln/projects/${projectId}/members/${ADMIN.name}`,
        payload: { role: 'owner' },
      });
      expect(res.statusCode, res.body).toBe(200);
    });

    it("can still disable the project's jobs", async () => {
      const off = await kiln.call(admin, { method: 'POST', url: `/v3/jobs/${jobId}/disable` });
      expect(off.statusCode, off.body).toBe(200);
    });

    it('is told it is a project administrator by ShowProjectPermission', async () => {
      const res = await kiln.call(admin, {
        method: 'GET',
        url: `/v1/domain/user-permission?project_id=${projectId}`,
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().result.manager_permission).toBe(true);
    });
  });
});
