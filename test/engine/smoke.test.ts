import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestKiln, jobBody, type TestKiln } from '../helpers/app.ts';
import { TestRepo } from '../helpers/git.ts';

let kiln: TestKiln;
let token: string;
let repo: TestRepo;
beforeAll(async () => {
  kiln = await createTestKiln({ runner: { slots: 2 } });
  token = await kiln.token();
  repo = new TestRepo();
  repo.commit('first');
});
afterAll(() => kiln.close());

it('runs a real build end to end', async () => {
  const projectId = await kiln.defaultProjectId();
  const job = await kiln.call(token, {
    method: 'POST',
    url: '/v3/jobs/create',
    payload: jobBody(projectId, {
      scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
      steps: [
        {
          module_id: 'kiln.shell',
          name: 'one',
          properties: { command: 'echo hello from $JOB_ID; ls; echo oops >&2' },
        },
        {
          module_id: 'kiln.shell',
          name: 'two',
          properties: { command: 'echo build $BUILD_NUMBER $COMMIT_ID' },
        },
      ],
    }),
  });
  const jobId = job.json().result.job_id;
  const run = await kiln.call(token, { method: 'POST', url: '/v3/jobs/build', payload: { job_id: jobId } });
  expect(run.statusCode).toBe(200);
  expect(run.json().actual_build_number).toBe('1');
  let record;
  for (let i = 0; i < 100; i++) {
    record = (
      await kiln.call(token, { method: 'GET', url: `/v1/record/${jobId}/1/build-info-record` })
    ).json().result;
    if (record.job_running_status === 'Finished') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const log = await kiln.call(token, { method: 'GET', url: `/v3/jobs/${jobId}/1/real-time-log?offset=0` });
  console.log(log.json().result.content);
  expect(record.state).toBe('SUCCESS');
  const details = await kiln.call(token, { method: 'GET', url: `/v3/jobs/${jobId}/1/history-details` });
  console.log(JSON.stringify(details.json()));
  console.log(JSON.stringify(record));
});
