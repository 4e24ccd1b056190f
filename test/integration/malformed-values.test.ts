import { afterAll, beforeAll, describe, it } from 'vitest';
import { createTestKiln, type TestKiln } from '../helpers/app.ts';
import { ADMIN, expectCodeArtsError, tokenOf } from '../helpers/foundation.ts';

/**
 * Values outside what the reference allows get a 400 that says what was wrong. A malformed job id
 * gets CB.00060201 wherever a request names one (docs/errors.md): not only a field called job_id,
 * but lists of job ids and fields of other names; other fields keep CB.00060200: query parameters
 * with a pattern, a number sent as a string, an int32 past its range.
 */

describe('malformed values', () => {
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

  const get = (url: string) => kiln.call(token, { method: 'GET', url });

  it('repository_name without Chinese characters (ListRepoBranch, ShowLastHistory)', async () => {
    const job = 'j'.repeat(32);
    for (const url of [
      `/v1/report/branches?job_id=${job}&repository_name=%E4%B8%AD`,
      `/v3/jobs/${project}/last-history?repository_name=app-%E4%B8%AD`,
    ])
      expectCodeArtsError(
        await get(url),
        400,
        'CB.00060200',
        "query parameter 'repository_name' must be a repository name without Chinese characters",
      );
  });

  it("DownloadKeystore's domain_id is 32 characters of 0-9 and a-z", async () => {
    expectCodeArtsError(
      await get('/v3/keystore?file_name=ks.jks&domain_id=BAD'),
      400,
      'CB.00060200',
      "query parameter 'domain_id' must be 32 characters of 0-9 and a-z",
    );
  });

  it('a number sent as a string says so; role_id is an int32', async () => {
    const body = (role: unknown) => ({
      job_ids: ['j'.repeat(32)],
      permissions: [{ role_id: role, is_view: true }],
    });
    const call = (role: unknown) =>
      kiln.call(token, { method: 'POST', url: '/v1/job/permissions/batch', payload: body(role) });
    expectCodeArtsError(
      await call('7'),
      400,
      'CB.00060200',
      "body field 'permissions[0].role_id' must be a whole number, not a string (write 7 without quotes)",
    );
    expectCodeArtsError(
      await call(99_999_999_999),
      400,
      'CB.00060200',
      "body field 'permissions[0].role_id' must be <= 2147483647",
    );
  });
});
