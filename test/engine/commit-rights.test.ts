import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git.ts';
import { MODES, shell, startModeKiln, type EngineKiln } from '../helpers/engine.ts';
import { USER_PASSWORD } from '../helpers/records.ts';

/**
 * Who may run a job but not change it (its matrix's is_execute without is_modify) builds a commit
 * only when a branch or tag of the repository has it: a commit on none (a fork's pull request,
 * fetched by its id) is anyone's code, and the build would run it with the job's secrets. Who may
 * change the job (its steps anyway) builds any commit.
 */

describe.each(MODES)('a commit build, %s', (_label, mode, enabled) => {
  let ek: EngineKiln;
  let repo: TestRepo;
  let runnerToken: string;
  const c = { old: '', head: '', pull: '' };

  let close: () => Promise<void>;

  beforeAll(async () => {
    if (!enabled) return;
    ({ ek, close } = await startModeKiln(mode));
    repo = new TestRepo();
    c.old = repo.commit('old', { 'v.txt': 'old\n' });
    repo.tag('v1');
    c.head = repo.commit('head', { 'v.txt': 'head\n' });
    // A pull request's commit: under refs/pull, as a forge keeps it, on no branch or tag.
    repo.branch('contrib');
    c.pull = repo.commit('pull request', { 'v.txt': 'pull\n' });
    repo.git('update-ref', 'refs/pull/1/head', c.pull);
    repo.git('checkout', '--quiet', 'main');
    repo.git('branch', '--quiet', '-D', 'contrib');
    // A build.yml that checks out the commit a parameter names, into a path.
    repo.commit('build.yml', {
      '.cloudbuild/build.yml': `version: 2.0
params:
  - {name: PR_COMMIT, value: ${c.old}}
steps:
  BUILD:
    - checkout:
        inputs:
          url: ${repo.url}
          path: pr
          commit: \${PR_COMMIT}
    - sh:
        inputs: {command: 'echo "PR=$(cat pr/v.txt)"'}
`,
    });

    const name = `runner${randomBytes(4).toString('hex')}`;
    const created = await ek.post('/v1/kiln/users', {
      name,
      password: USER_PASSWORD,
      display_name: 'Runs Only',
    });
    expect([200, 201]).toContain(created.statusCode);
    const member = await ek.kiln.call(ek.token, {
      method: 'PUT',
      url: `/v1/kiln/projects/${ek.projectId}/members/${name}`,
      payload: { role: 'developer' },
    });
    expect(member.statusCode, member.body).toBe(200);
    runnerToken = await ek.kiln.token(name, USER_PASSWORD);
  });
  afterAll(() => close?.());

  /** A job whose developers may run it but not change it. */
  async function runOnlyJob(): Promise<string> {
    const job = await ek.newJob({
      scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
      steps: [shell('show', 'echo "CONTENT=$(cat v.txt)"')],
    });
    const matrix = await ek.post('/v1/job/permissions/batch', {
      job_ids: [job],
      permissions: [{ role_id: 4, is_view: true, is_execute: true, is_modify: false }],
    });
    expect(matrix.statusCode, matrix.body).toBe(200);
    return job;
  }

  async function runAs(token: string, job: string, commit: string): Promise<number> {
    const res = await ek.kiln.call(token, {
      method: 'POST',
      url: '/v3/jobs/build',
      payload: { job_id: job, scm: { build_commit_id: commit } },
    });
    expect(res.statusCode, res.body).toBe(200);
    return Number(JSON.parse(res.body).actual_build_number);
  }

  it.skipIf(!enabled)(
    'by who may only run the job: a commit a branch or tag has builds, one on none fails naming why',
    async () => {
      const job = await runOnlyJob();
      const onTag = await runAs(runnerToken, job, c.old);
      expect((await ek.waitFinished(job, onTag)).state, await ek.log(job, onTag)).toBe('SUCCESS');
      expect(await ek.log(job, onTag)).toContain('CONTENT=old');

      const pull = await runAs(runnerToken, job, c.pull);
      expect((await ek.waitFinished(job, pull)).state).toBe('FAILURE');
      const log = await ek.log(job, pull);
      expect(log).toContain(`[kiln] checkout failed: commit ${c.pull} is on no branch or tag of ${repo.url}`);
      expect(log).not.toContain('CONTENT=');
    },
  );

  it.skipIf(!enabled)(
    "by who may change the job: any commit, and that it is in the runner's mirror then opens it to no one else",
    async () => {
      const job = await runOnlyJob();
      const byAdmin = await runAs(ek.token, job, c.pull);
      expect((await ek.waitFinished(job, byAdmin)).state, await ek.log(job, byAdmin)).toBe('SUCCESS');
      expect(await ek.log(job, byAdmin)).toContain('CONTENT=pull');

      const after = await runAs(runnerToken, job, c.pull.slice(0, 12));
      expect((await ek.waitFinished(job, after)).state).toBe('FAILURE');
      expect(await ek.log(job, after)).toContain('is on no branch or tag');
    },
  );

  it.skipIf(!enabled)(
    'by who may only run the job: a commit builds once a branch has it (the mirror fetches to see)',
    async () => {
      const job = await runOnlyJob();
      repo.git('branch', '--quiet', 'merged', c.pull);
      try {
        const merged = await runAs(runnerToken, job, c.pull);
        expect((await ek.waitFinished(job, merged)).state, await ek.log(job, merged)).toBe('SUCCESS');
        expect(await ek.log(job, merged)).toContain('CONTENT=pull');
      } finally {
        repo.git('branch', '--quiet', '-D', 'merged');
      }
    },
  );

  it.skipIf(!enabled)(
    "by who may only run the job, through a build.yml checkout's commit a parameter names: the same rule",
    async () => {
      const job = await ek.newJob({
        build_config_type: 'YAML',
        scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
        steps: [],
      });
      const matrix = await ek.post('/v1/job/permissions/batch', {
        job_ids: [job],
        permissions: [{ role_id: 4, is_view: true, is_execute: true, is_modify: false }],
      });
      expect(matrix.statusCode, matrix.body).toBe(200);
      const runWith = async (token: string, commit: string) => {
        const res = await ek.kiln.call(token, {
          method: 'POST',
          url: '/v3/jobs/build',
          payload: { job_id: job, parameter: [{ name: 'PR_COMMIT', value: commit }] },
        });
        expect(res.statusCode, res.body).toBe(200);
        const n = Number(JSON.parse(res.body).actual_build_number);
        return { state: (await ek.waitFinished(job, n)).state, log: await ek.log(job, n) };
      };
      const refused = await runWith(runnerToken, c.pull);
      expect(refused.state, refused.log).toBe('FAILURE');
      expect(refused.log).toContain(`commit ${c.pull} is on no branch or tag`);
      expect(refused.log).not.toContain('PR=');
      const onTag = await runWith(runnerToken, c.old);
      expect(onTag.state, onTag.log).toBe('SUCCESS');
      expect(onTag.log).toContain('PR=old');
      const byAdmin = await runWith(ek.token, c.pull);
      expect(byAdmin.state, byAdmin.log).toBe('SUCCESS');
      expect(byAdmin.log).toContain('PR=pull');
    },
  );
});
