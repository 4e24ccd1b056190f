import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, jobBody, type TestKiln } from '../helpers/app.ts';

describe('the README walk-through, in process', () => {
  let kiln: TestKiln;
  beforeAll(async () => {
    kiln = await createTestKiln();
  });
  afterAll(() => kiln.close());

  it('logs in, lists projects, creates, reads, changes, disables, recovers and deletes a job', async () => {
    const token = await kiln.token();
    const projects = await kiln.call(token, { method: 'GET', url: '/v1/domain/project/related' });
    expect(projects.statusCode).toBe(200);
    const list = projects.json().result.project_info_list;
    expect(list.map((p: { name: string }) => p.name)).toEqual(['default']);
    const projectId = list[0].identifier;
    expect(projectId).toMatch(/^[0-9a-z]{32}$/);

    const created = await kiln.call(token, {
      method: 'POST',
      url: '/v3/jobs/create',
      payload: jobBody(projectId),
    });
    expect(created.statusCode).toBe(200);
    expect(created.json()).toMatchObject({ error: null, status: 'success' });
    const jobId = created.json().result.job_id;
    expect(jobId).toMatch(/^[0-9a-z]{32}$/);

    const config = await kiln.call(token, { method: 'GET', url: `/v3/jobs/${jobId}/query` });
    expect(config.statusCode).toBe(200);
    expect(config.json().result).toMatchObject({ job_name: 'hello', project_id: projectId });

    const updated = await kiln.call(token, {
      method: 'POST',
      url: '/v3/jobs/update',
      payload: { ...jobBody(projectId, { job_name: 'hello2' }), job_id: jobId },
    });
    expect(updated.statusCode).toBe(200);

    const jobs = await kiln.call(token, {
      method: 'GET',
      url: `/v3/${projectId}/jobs?page_index=0&page_size=10`,
    });
    expect(jobs.statusCode).toBe(200);
    expect(jobs.json().total).toBe(1);
    expect(jobs.json().jobs[0]).toMatchObject({
      id: jobId,
      job_name: 'hello2',
      health_score: 100,
      last_build_status: 'notbuilt',
    });

    expect((await kiln.call(token, { method: 'POST', url: `/v3/jobs/${jobId}/disable` })).json()).toEqual({
      status: 'success',
    });
    expect(
      (await kiln.call(token, { method: 'GET', url: `/v3/${projectId}/jobs` })).json().jobs[0].disabled,
    ).toBe(true);
    expect((await kiln.call(token, { method: 'POST', url: `/v3/jobs/${jobId}/recover` })).json()).toEqual({
      status: 'success',
    });

    const deleted = await kiln.call(token, { method: 'POST', url: `/v3/jobs/${jobId}/delete` });
    expect(deleted.json()).toEqual({
      result: { job_id: jobId, project_id: projectId },
      status: 'success',
    });
    const gone = await kiln.call(token, { method: 'GET', url: `/v3/jobs/${jobId}/query` });
    expect(gone.statusCode).toBe(404);
    // The deleter may view it in the recycle bin: the 404 says so (recycle-bin-not-found.test.ts).
    expect(gone.json()).toEqual({
      error_code: 'CB.00060201',
      error_msg: expect.stringMatching(`^job not found: ${jobId} is in the recycle bin; restore it first`),
    });
  });
});
