import { afterAll, beforeAll, describe, it } from 'vitest';
import { createTestKiln, type TestKiln } from '../helpers/app.ts';
import { ADMIN, expectCodeArtsError, tokenOf } from '../helpers/foundation.ts';

/**
 * A malformed job id gets 400 CB.00060201 wherever a request names one (docs/errors.md): not only
 * a field called job_id, but lists of job ids and fields of other names; other fields keep
 * CB.00060200.
 */

describe('malformed job ids in lists and other fields', () => {
  let kiln: TestKiln;
  let token: string;
  let project: string;

  beforeAll(async () => {
    kiln = await createTestKiln();
    token = await tokenOf(kiln, ADMIN);
    project = await kiln.defaultProjectId();
  });
  afterAll(() => kiln?.close());

  const call = (method: 'POST' | 'DELETE', url: string, payload: unknown) =>
    kiln.call(token, { method, url, payload: payload as Record<string, unknown> });

  it.each([
    ['POST', '/v1/job/recycling-restoration', { job_ids: ['bad'] }, 'job_ids[0]'],
    ['DELETE', '/v1/job/recycling-deletion', { job_ids: ['bad'] }, 'job_ids[0]'],
    ['DELETE', '/v1/job/batch-delete', { job_ids: ['bad'] }, 'job_ids[0]'],
    ['POST', '/v1/job/permissions/batch', { job_ids: ['bad'], permissions: [] }, 'job_ids[0]'],
    ['POST', '/v1/record/brief', ['bad'], '[0]'],
  ] as const)('%s %s', async (method, url, payload, field) => {
    const res = await call(method, url, payload);
    expectCodeArtsError(
      res,
      400,
      'CB.00060201',
      `body field '${field}' must be 32 characters of 0-9 and a-z`,
    );
  });

  it("a job to move into a group, and CopyJob's copy_job_id", async () => {
    const move = await call('POST', `/v1/job/${project}/group/move`, {
      group_id: 'g'.repeat(32),
      jobs: [{ job_id: 'bad' }],
    });
    expectCodeArtsError(move, 400, 'CB.00060201', /'jobs\[0\]\.job_id'/);
    const copy = await call('POST', '/v1/job/copy', {
      copy_job_id: 'bad',
      project_id: project,
      job_name: 'copied',
      arch: 'x86-64',
      steps: [],
    });
    expectCodeArtsError(copy, 400, 'CB.00060201', /'copy_job_id'/);
  });

  it('another malformed id (a project) keeps CB.00060200', async () => {
    const res = await call('POST', '/v1/job/bad/group/move', {
      group_id: '',
      jobs: [{ job_id: 'j'.repeat(32) }],
    });
    expectCodeArtsError(res, 400, 'CB.00060200', /'project_id'/);
  });
});
