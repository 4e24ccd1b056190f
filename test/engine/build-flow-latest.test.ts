import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git.ts';
import { MODES, newYamlJob, startModeKiln, waitUntil, type EngineKiln } from '../helpers/engine.ts';

/**
 * What a job tells of its last build when that build is a BuildFlow. The flow's jobs are numbered
 * after the flow's own build; "the job's latest build" (status badge, job lists, health) is the
 * flow's, whose outcome is the flow's: a flow that FAILED (its first job failed) does not show as
 * passing because its last job, which does not depend on the failed one, succeeded.
 */

const FILES = {
  'jobs/fail.yml': 'version: 2.0\nsteps:\n  BUILD:\n    - sh:\n        inputs:\n          command: exit 4\n',
  'jobs/ok.yml':
    'version: 2.0\nsteps:\n  BUILD:\n    - sh:\n        inputs:\n          command: sleep 1; echo ok\n',
  'flows/broken.yml': `version: 2.0
buildflow:
  jobs:
    - {job: broken, build_ref: jobs/fail.yml}
    - {job: last, build_ref: jobs/ok.yml}
`,
};

const [label, mode] = MODES[0]!;

describe(`a flow as the job's last build, ${label}`, () => {
  let kiln: { ek: EngineKiln; close(): Promise<void> };
  let ek: EngineKiln;
  let repo: TestRepo;

  beforeAll(async () => {
    kiln = await startModeKiln(mode);
    ek = kiln.ek;
    repo = new TestRepo();
    repo.commit('files', FILES);
  }, 60_000);
  afterAll(() => kiln?.close());

  it("the status badge of a job whose BuildFlow failed says failing, not its last job's passing", async () => {
    const jobId = await newYamlJob(ek, repo.url, 'flows/broken.yml');
    const on = await ek.kiln.call(ek.token, {
      method: 'PUT',
      url: `/v1/kiln/jobs/${jobId}/badge`,
      payload: { enabled: true },
    });
    expect(on.statusCode, on.body).toBe(200);
    await ek.run(jobId);
    await waitUntil(
      'the flow to make its jobs',
      async () => ((await ek.records(jobId)).length >= 3 ? true : undefined),
      60_000,
    );
    const flow = await ek.waitFinished(jobId, 1, 60_000);
    expect(flow.state).toBe('FAILURE');
    await ek.waitFinished(jobId, 3, 60_000);
    const badge = await ek.get(`/v1/kiln/jobs/${jobId}/badge.svg`);
    expect(badge.statusCode).toBe(200);
    expect(badge.body).toContain('failing');
    expect(badge.body).not.toContain('passing');
    // The job list's last build is the flow (build 1), red; health counts the flow, not its jobs.
    const list = await ek.get(`/v3/${ek.projectId}/jobs?page_index=0&page_size=100`);
    const row = (
      list.json() as { jobs: { id: string; last_build_status: string; health_score: number }[] }
    ).jobs.find((j) => j.id === jobId);
    expect(row).toMatchObject({ last_build_status: 'red', health_score: 0 });
  }, 120_000);
});
