import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git.ts';
import { startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.ts';
import { api, eventually, KilnProcess, loginOver } from '../helpers/processes.ts';

// PostgreSQL stopped for 10 s: the server answers 503 CB.00060100 instead of crashing, and the
// server and the runners recover by themselves when it returns; no accepted build is lost. The
// outage is logged when it starts and when it ends, not at every retry.

const PASSWORD = 'outage-test-password';
const dir = mkdtempSync(join(tmpdir(), 'kiln-outage-'));
let pg: PrivatePostgres | undefined;
const processes: KilnProcess[] = [];
afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill('SIGKILL')));
  pg?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

interface Rec {
  number: number;
  job_running_status: string;
  state: string;
}

it('answers 503 while PostgreSQL is down and recovers with every accepted build', async () => {
  pg = await startPrivatePostgres();
  const server = await KilnProcess.serve({
    KILN_DATABASE_URL: pg.url,
    KILN_SECRET_KEY: 'outage-test-secret-key-0123456789',
    KILN_ADMIN_PASSWORD: PASSWORD,
    KILN_DATA_DIR: join(dir, 'data'),
    KILN_RUNNER_SLOTS: '1',
    KILN_SERVER_NAME: 'outage',
    KILN_LOG_LEVEL: 'info',
  });
  processes.push(server);
  const token = await loginOver(server.url, 'admin', PASSWORD);
  const runnerToken = (
    await api<{ result: { token: string } }>(server.url, token, 'POST', '/v1/kiln/runners', {
      name: 'remote',
    })
  ).result.token;
  processes.push(KilnProcess.runner(server.url, runnerToken, 1, join(dir, 'runner')));

  const repo = new TestRepo();
  repo.commit('first');
  const project = (
    await api<{ result: { project_info_list: { identifier: string }[] } }>(
      server.url,
      token,
      'GET',
      '/v1/domain/project/related',
    )
  ).result.project_info_list[0]!.identifier;
  const jobId = (
    await api<{ result: { job_id: string } }>(server.url, token, 'POST', '/v3/jobs/create', {
      project_id: project,
      job_name: 'outage',
      arch: 'x86-64',
      scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
      steps: [
        {
          module_id: 'kiln.shell',
          name: 'work',
          properties: { command: 'for i in $(seq 1 30); do echo tick $i; sleep 0.5; done' },
        },
      ],
    })
  ).result.job_id;
  for (let i = 0; i < 4; i++) await api(server.url, token, 'POST', '/v3/jobs/build', { job_id: jobId });
  const records = () =>
    api<{ result: { job_build_states: Rec[] } }>(
      server.url,
      token,
      'GET',
      `/v3/jobs/${jobId}/build-info-records?start_time=2000-01-01+00:00:00&end_time=2100-01-01+00:00:00`,
    ).then((r) => r.result.job_build_states);
  await eventually(
    records,
    (rs) => rs.filter((r) => r.job_running_status === 'Running').length === 2,
    20_000,
    'two builds running',
  );

  pg.stop();
  const down = await getOnce(
    `${server.url}/v3/jobs/${jobId}/build-info-records?start_time=2000-01-01+00:00:00&end_time=2100-01-01+00:00:00`,
    {
      headers: { 'x-auth-token': token },
    },
  );
  expect(down.status).toBe(503);
  expect(await down.json()).toMatchObject({ error_code: 'CB.00060100' });
  expect((await getOnce(`${server.url}/readyz`)).status).toBe(503);
  const run = await fetch(`${server.url}/v3/jobs/build`, {
    method: 'POST',
    headers: { 'x-auth-token': token, 'content-type': 'application/json' },
    body: JSON.stringify({ job_id: jobId }),
  });
  expect(run.status).toBe(503);
  await new Promise((r) => setTimeout(r, 10_000));
  expect(server.alive).toBe(true);
  pg.start();

  await eventually(
    () => fetch(`${server.url}/readyz`).then((r) => r.status),
    (s) => s === 200,
    30_000,
    'ready again',
  );
  const done = await eventually(
    records,
    (rs) => rs.length === 4 && rs.every((r) => r.job_running_status === 'Finished'),
    120_000,
    'every accepted build finished',
  );
  expect(done.map((r) => r.state)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS']);
  const after = await api<{ actual_build_number: string }>(server.url, token, 'POST', '/v3/jobs/build', {
    job_id: jobId,
  });
  expect(after.actual_build_number).toBe('5');

  const count = (output: string, msg: string) => output.split(`"msg":"${msg}"`).length - 1;
  const serverLog = server.output();
  for (const loop of ['firing schedules', 'expiring runner leases']) {
    expect(count(serverLog, `${loop} failed; retrying until it works`), serverLog).toBe(1);
    expect(count(serverLog, `${loop} works again`), serverLog).toBe(1);
  }
  expect(count(serverLog, 'database connection works again'), serverLog).toBe(1);
  expect(count(serverLog, 'the server cannot be reached; retrying until it answers')).toBe(1);
  const runnerLog = processes[1]!.output();
  expect(count(runnerLog, 'the server cannot be reached; retrying until it answers')).toBeLessThanOrEqual(1);
}, 240_000);

/**
 * A GET, asked again once if the connection it went out on was closed under it (a kept-alive
 * socket the server let go while the database stopped). A server that died refuses the second
 * try as well, so this hides no crash.
 */
async function getOnce(url: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return fetch(url, init);
  }
}
