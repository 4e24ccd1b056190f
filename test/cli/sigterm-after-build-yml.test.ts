import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git.ts';
import { api, eventually, firstProjectId, KilnProcess, loginOver } from '../helpers/processes.ts';

// A server whose own runner had read a build.yml (on the build file reader's thread) ended its
// shutdown, then stayed alive on the thread's message port until its 15 s limit exited it with 1.

const PASSWORD = 'sigterm-yml-password';
const dir = mkdtempSync(join(tmpdir(), 'kiln-sigterm-yml-'));
let server: KilnProcess | undefined;
afterAll(async () => {
  await server?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

it('exits with 0 on SIGTERM after a code-based build, without reaching the shutdown limit', async () => {
  const repo = new TestRepo();
  repo.commit('first', {
    '.cloudbuild/build.yml':
      'version: 2.0\nsteps:\n  BUILD:\n    - sh:\n        inputs:\n          command: echo from-yaml\n',
  });
  server = await KilnProcess.serve({ KILN_DATA_DIR: join(dir, 'data'), KILN_ADMIN_PASSWORD: PASSWORD });
  const url = server.url;
  const token = await loginOver(url, 'admin', PASSWORD);
  const created = await api<{ result: { job_id: string } }>(url, token, 'POST', '/v3/jobs/create', {
    project_id: await firstProjectId(url, token),
    job_name: 'yaml',
    arch: 'x86-64',
    build_config_type: 'YAML',
    scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
    steps: [],
  });
  const jobId = created.result.job_id;
  await api(url, token, 'POST', '/v3/jobs/build', { job_id: jobId });
  const finished = await eventually(
    () =>
      api<{ result: { job_build_states: { job_running_status: string; state: string }[] } }>(
        url,
        token,
        'GET',
        `/v3/jobs/${jobId}/build-info-records?start_time=2000-01-01%2000:00:00&end_time=2100-01-01%2000:00:00`,
      ),
    (r) => r.result.job_build_states[0]?.job_running_status === 'Finished',
    60_000,
    'the build to finish',
  );
  // The build read its build.yml: it ran the step the file names.
  expect(finished.result.job_build_states[0]?.state, server.output()).toBe('SUCCESS');

  const code = await server.kill('SIGTERM');
  expect(server.output()).not.toContain('shutdown took longer');
  expect(code, server.output()).toBe(0);
}, 90_000);
