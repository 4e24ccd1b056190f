import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationId } from '../../src/contract/operations.ts';
import { JOB_PERMISSIONS, type JobPermission } from '../../src/domain/job-permissions.ts';
import { createTestKiln, type TestKiln } from '../helpers/app.ts';
import {
  buildFixture,
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
 * Every job operation against a job's own permission matrix: a developer whose row lacks the one
 * permission the operation needs is refused with 403, and with only that permission (and view) is
 * served. The recipes are the auth matrix's; the jobs a request names get the matrix first.
 */

/** The permission each job-scoped operation needs (the recycle bin keeps to project roles). */
const NEEDS: Partial<Record<OperationId, JobPermission>> = {
  updateBuildJob: 'modify',
  updateNewJob: 'modify',
  deleteBuildJob: 'delete',
  deleteTheJob: 'delete',
  batchDeleteBuildJobs: 'delete',
  copyJob: 'copy',
  disableTheJob: 'forbidden',
  disableBuildJob: 'forbidden',
  enableBuildJob: 'forbidden',
  stopTheJob: 'execute',
  runJob: 'execute',
  executeJob: 'execute',
  stopBuildJob: 'execute',
  stopJob: 'execute',
  checkWebhookUrl: 'modify',
  importBuildRecords: 'modify',
  showJobWebhook: 'modify',
  rotateJobWebhookSecret: 'modify',
  listJobWebhookDeliveries: 'modify',
  batchUpdateJobRolePermission: 'manager',
  applyProjectPermission: 'manager',
  moveGroup: 'modify',
  updateJobBadge: 'manager',
  updateNotice: 'modify',
  disableNotice: 'modify',
  updateNewNoticeNew: 'modify',
  testJobNotice: 'modify',
  saveTemplateUsedInfo: 'modify',
};
/** Not job-gated: the bin (project roles), the webhook (its signature), the caller's own permissions. */
const NOT_GATED = new Set<OperationId>([
  'restoreRecyclingJobs',
  'deleteRecyclingJobs',
  'receiveWebhook',
  'showJobBadgeImage',
  'showProjectJobPermission',
]);
for (const [id, recipe] of Object.entries(RECIPES) as [OperationId, (typeof RECIPES)[OperationId]][])
  if ((recipe.names === 'job' || recipe.names === 'record') && !NOT_GATED.has(id) && !NEEDS[id])
    NEEDS[id] = 'view';

const DEV: Credentials = { name: 'matrix-dev', password: 'Matrix-dev-1', domain: 'default' };

/** The ids a request names (path, query and body). */
function idsIn(options: InjectOptions): string[] {
  const text = `${String(options.url)} ${JSON.stringify(options.payload ?? '')}`;
  return [...new Set(text.match(/(?<![0-9a-z])[0-9a-z]{32}(?![0-9a-z])/g) ?? [])];
}

onEveryStore((store) => {
  describe('every job operation under a job permission matrix', () => {
    let kiln: TestKiln;
    let fx: Fixture;
    let dev: string;

    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      fx = await buildFixture(kiln, 'matrix-permissions');
      await createUser(kiln, fx.adminToken, DEV.name, DEV.password);
      await setRole(kiln, fx.adminToken, fx.projectId, DEV.name, 'developer');
      dev = await tokenOf(kiln, DEV);
    });
    afterAll(() => kiln?.close());

    /** Gives each job the request names (and the fixture's) a developer row of exactly `granted`. */
    const grant = async (options: InjectOptions, granted: JobPermission[]) => {
      const set = Object.fromEntries(JOB_PERMISSIONS.map((p) => [`is_${p}`, granted.includes(p)]));
      for (const id of new Set([fx.jobId, ...idsIn(options)])) {
        const res = await kiln.call(fx.adminToken, {
          method: 'POST',
          url: '/v1/job/permissions/batch',
          payload: { job_ids: [id], permissions: [{ role_id: 4, ...set }] },
        });
        if (res.statusCode !== 404) expect(res.statusCode, `${id}: ${res.body}`).toBe(200);
      }
    };

    for (const [id, need] of Object.entries(NEEDS) as [OperationId, JobPermission][]) {
      it(`${id} needs ${need}`, async () => {
        const options = withToken(await RECIPES[id].request(fx, DEV), dev);
        const others = JOB_PERMISSIONS.filter((p) => p !== need);
        await grant(options, need === 'view' ? [] : others);
        const refused = await kiln.app.inject(options);
        expectCodeArtsError(refused, 403, 'CB.00060403', /your permissions on this job do not allow/);

        await grant(options, need === 'view' ? ['view'] : ['view', need]);
        const served = await kiln.app.inject(options);
        expect(successStatuses(id), `${id}: ${served.statusCode} ${served.body.slice(0, 300)}`).toContain(
          served.statusCode,
        );
        // What the next operation expects of the fixture's job: live, enabled, its project's matrix.
        await kiln.call(fx.adminToken, {
          method: 'POST',
          url: '/v1/job/recycling-restoration',
          payload: { job_ids: [fx.jobId] },
        });
        await kiln.call(fx.adminToken, { method: 'POST', url: `/v3/jobs/${fx.jobId}/recover` });
        await kiln.call(fx.adminToken, {
          method: 'POST',
          url: '/v1/job/project/permission',
          payload: { job_id: fx.jobId, project_switch: true },
        });
      });
    }
  });
});
