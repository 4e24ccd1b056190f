import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { freePort } from '../helpers/cli.ts';
import { TestRepo } from '../helpers/git.ts';
import { api, eventually, KilnProcess, loginOver } from '../helpers/processes.ts';
import { sharedDir } from '../helpers/runner.ts';

// A server killed with SIGKILL in the middle of a BuildFlow: after a restart the jobs that ended
// stay as they were, the one that was running ends ABORTED, its dependants never run, and the flow
// ends FAILURE: every record of the flow is finished and agrees with the others.

const PASSWORD = 'flow-crash-password';
const dir = mkdtempSync(join(tmpdir(), 'kiln-flow-crash-'));
const gates = sharedDir('flow-crash');
const release = join(gates, 'release');
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(gates, { recursive: true, force: true });
});

const single = (command: string) =>
  `version: 2.0\nsteps:\n  BUILD:\n    - sh:\n        inputs:\n          command: '${command}'\n`;

interface Vertex {
  display_name: string;
  status: string;
  build_no: string;
}

it('keeps a BuildFlow consistent when the server is killed while one of its jobs runs', async () => {
  const repo = new TestRepo();
  repo.commit('flow', {
    '.cloudbuild/build.yml': `version: 2.0
buildflow:
  jobs:
    - {job: first, build_ref: jobs/quick.yml}
    - {job: held, depends_on: [first], build_ref: jobs/held.yml}
    - {job: last, depends_on: [held], build_ref: jobs/quick.yml}
`,
    'jobs/quick.yml': single('echo quick'),
    'jobs/held.yml': single(`echo held started; while [ ! -f ${release} ]; do sleep 0.05; done`),
  });
  const env = {
    KILN_DATA_DIR: join(dir, 'data'),
    KILN_PORT: String(await freePort()),
    KILN_ADMIN_PASSWORD: PASSWORD,
    KILN_RUNNER_SLOTS: '2',
  };
  let server = await KilnProcess.serve(env);
  // Whatever fails, no server (nor the builds it runs) outlives the test.
  try {
    const token = await loginOver(server.url, 'admin', PASSWORD);
    const projects = await api<{ result: { project_info_list: { identifier: string }[] } }>(
      server.url,
      token,
      'GET',
      '/v1/domain/project/related',
    );
    const created = await api<{ result: { job_id: string } }>(server.url, token, 'POST', '/v3/jobs/create', {
      project_id: projects.result.project_info_list[0]?.identifier,
      job_name: 'flow-crash',
      arch: 'x86-64',
      build_config_type: 'YAML',
      scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
      steps: [],
    });
    const jobId = created.result.job_id;
    await api(server.url, token, 'POST', '/v3/jobs/build', { job_id: jobId });
    const flowId = await eventually(
      async () =>
        (await api<{ result: { id: string } }>(server.url, token, 'GET', `/v4/jobs/${jobId}/1/record-info`))
          .result.id,
      (id) => id.length === 36,
      20_000,
      'the flow record',
    );
    const graph = (url: string, t: string) =>
      api<{ result: { vertices: Vertex[] } }>(url, t, 'GET', `/v1/record/${flowId}/flow-graph`).then(
        (g) => g.result.vertices,
      );
    await eventually(
      () => graph(server.url, token).catch(() => [] as Vertex[]),
      (vs) => vs.length === 3 && vs[0]?.status === 'SUCCESS' && vs[1]?.status === 'RUNNING',
      30_000,
      'first done, held running',
    );

    expect(await server.kill('SIGKILL')).toBe(null);
    server = await KilnProcess.serve(env);
    const token2 = await loginOver(server.url, 'admin', PASSWORD);
    writeFileSync(release, '');
    const after = await eventually(
      () => graph(server.url, token2),
      (vs) => vs.every((v) => ['SUCCESS', 'FAILURE', 'ABORTED'].includes(v.status)),
      60_000,
      'every job of the flow ended',
    ).catch((e: Error) => {
      throw new Error(`${e.message}\nserver log:\n${server.output()}`);
    });
    expect(after.map((v) => [v.display_name, v.status])).toEqual([
      ['first', 'SUCCESS'],
      ['held', 'ABORTED'],
      ['last', 'ABORTED'],
    ]);
    const flow = await eventually(
      () =>
        api<{ result: { record_status: string; status: string } }>(
          server.url,
          token2,
          'GET',
          `/v4/jobs/${jobId}/1/record-info`,
        ),
      (r) => r.result.record_status === 'Finished',
      20_000,
      'the flow finished',
    );
    expect(flow.result.status).toBe('FAILURE');
  } finally {
    await server.kill('SIGTERM');
  }
}, 120_000);
