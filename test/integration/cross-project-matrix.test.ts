import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations, type OperationId, type OperationSpec } from '../../src/contract/operations.ts';
import { createTestKiln, type TestKiln } from '../helpers/app.ts';
import {
  buildFixture,
  createJob,
  createProject,
  createUser,
  expectCodeArtsError,
  onEveryStore,
  setRole,
  tokenOf,
  type Credentials,
  type Fixture,
} from '../helpers/foundation.ts';
import { RECIPES, successStatuses, withToken } from '../helpers/recipes.ts';

/**
 * Who may call what, for a user of the same domain who owns another project: the auth matrix
 * tries a user of another domain, and a viewer only on job ids; here every operation that names
 * the fixture's job, build record or project answers such a user 404 as if it did not exist, and
 * every operation that names nothing shows them nothing of the fixture's project.
 */

const OUTSIDER: Credentials = { name: 'outsider', password: 'outsider-password-1', domain: 'default' };
const ENTRIES = (Object.entries(operations) as [OperationId, OperationSpec][]).filter(
  ([, spec]) => spec.auth !== 'none',
);
const byNames = (names: string) => ENTRIES.filter(([id]) => RECIPES[id].names === names);

/** The 404 each kind of thing answers a caller who may not see it (docs/errors.md). */
const NOT_FOUND: Record<string, string> = {
  job: 'CB.00060201',
  record: 'CB.00060404',
  project: 'CB.00060404',
};

onEveryStore((store) => {
  let kiln: TestKiln;
  let w: Fixture;
  beforeAll(async () => {
    kiln = await createTestKiln({ store });
    w = await buildFixture(kiln, 'cross-project-job');
    await createUser(kiln, w.adminToken, OUTSIDER.name, OUTSIDER.password);
    const own = await createProject(kiln, w.adminToken, 'outsiders-own');
    await setRole(kiln, w.adminToken, own, OUTSIDER.name, 'owner');
    await createJob(kiln, w.adminToken, own, { job_name: 'outsiders-job' });
  });
  afterAll(() => kiln?.close());

  /** The recipe's request for `id`, sent by the outsider with a fresh token (some revoke it). */
  async function asOutsider(id: OperationId) {
    const options = await RECIPES[id].request(w, OUTSIDER);
    return kiln.app.inject(withToken(options, await tokenOf(kiln, OUTSIDER)));
  }

  describe.each(['job', 'record', 'project'])('operations naming a %s of another project', (names) => {
    it.each(byNames(names))('%s answers 404 as for one that does not exist', async (id) => {
      const res = await asOutsider(id);
      expectCodeArtsError(res, 404, NOT_FOUND[names]!);
    });
  });

  describe('operations naming nothing', () => {
    it.each(byNames('nothing'))('%s shows nothing of the project the caller is no member of', async (id) => {
      const res = await asOutsider(id);
      // Admin-only operations refuse them; the others serve them their own things only.
      if (!successStatuses(id).includes(res.statusCode)) expect(res.statusCode, res.body).toBe(403);
      for (const secret of [w.jobId, w.jobName, w.projectId, w.recordId, w.flowRecordId]) {
        expect(res.body).not.toContain(secret);
      }
    });
  });
});
