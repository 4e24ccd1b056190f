import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { sharedDir } from '../helpers/runner.ts';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { freePort } from '../helpers/cli.ts';
import { TestRepo } from '../helpers/git.ts';
import { api, eventually, KilnProcess, loginOver } from '../helpers/processes.ts';

// A server killed with SIGKILL while builds run and queue: after a restart every accepted build is
// still there, queued ones run, running ones end ABORTED with a log line, no number is reused or
// skipped, and every log byte that was acknowledged is still in the log.

const PASSWORD = 'crash-test-password';
const dir = mkdtempSync(join(tmpdir(), 'kiln-crash-'));
const gates = sharedDir('crash');
const release = join(gates, 'release');
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(gates, { recursive: true, force: true });
});

interface Record {
  number: number;
  job_running_status: string;
  state: string;
}

async function allRecords(url: string, token: string, jobId: string): Promise<Record[]> {
  const res = await api<{ result: { job_build_states: Record[] } }>(
    url,
    token,
    'GET',
    `/v3/jobs/${jobId}/build-info-records?start_time=2000-01-01%2000:00:00&end_time=2100-01-01%2000:00:00&page_size=100`,
  );
  return res.result.job_build_states;
}

async function log(url: string, token: string, jobId: string, n: number): Promise<string> {
  const res = await api<{ result: { content: string } }>(
    url,
    token,
    'GET',
    `/v3/jobs/${jobId}/${n}/real-time-log?offset=0&length=5000000`,
  );
  return res.result.content;
}

it('loses no accepted build, number or acknowledged log byte when the server is killed', async () => {
  const repo = new TestRepo();
  repo.commit('first');
  const env = {
    KILN_DATA_DIR: join(dir, 'data'),
    KILN_PORT: String(await freePort()),
    KILN_ADMIN_PASSWORD: PASSWORD,
    KILN_RUNNER_SLOTS: '2',
    KILN_SERVER_NAME: 'crash-test',
  };
  let server = await KilnProcess.serve(env);
  const token = await loginOver(server.url, 'admin', PASSWORD);
  const projects = await api<{ result: { project_info_list: { identifier: string }[] } }>(
    server.url,
    token,
    'GET',
    '/v1/domain/project/related',
  );
  const created = await api<{ result: { job_id: string } }>(server.url, token, 'POST', '/v3/jobs/create', {
    project_id: projects.result.project_info_list[0]?.identifier,
    job_name: 'crash',
    arch: 'x86-64',
    scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
    // Each build prints, then waits for the test's signal: the first two are mid-step at the kill.
    steps: [
      {
        module_id: 'kiln.shell',
        name: 'slow',
        properties: {
          command: `echo begin $BUILD_NUMBER; for i in 1 2 3; do echo tick $i; done; while [ ! -f ${release} ]; do sleep 0.05; done; echo end`,
        },
      },
    ],
  });
  const jobId = created.result.job_id;
  for (let i = 0; i < 20; i++) await api(server.url, token, 'POST', '/v3/jobs/build', { job_id: jobId });

  const running = await eventually(
    () => allRecords(server.url, token, jobId),
    (rs) => rs.filter((r) => r.job_running_status === 'Running').length === 2,
    20_000,
    'two running builds',
  );
  const runningNumbers = running.filter((r) => r.job_running_status === 'Running').map((r) => r.number);
  const acknowledged = new Map<number, string>();
  for (const n of runningNumbers) {
    acknowledged.set(
      n,
      await eventually(
        () => log(server.url, token, jobId, n),
        (t) => t.includes('tick 3'),
        10_000,
        `log of ${n}`,
      ),
    );
  }

  expect(await server.kill('SIGKILL')).toBe(null);
  server = await KilnProcess.serve(env);
  try {
    const token2 = await loginOver(server.url, 'admin', PASSWORD);
    writeFileSync(release, '');
    const after = await eventually(
      () => allRecords(server.url, token2, jobId),
      (rs) => rs.length === 20 && rs.every((r) => r.job_running_status === 'Finished'),
      60_000,
      'all 20 builds finished',
    ).catch((e: Error) => {
      throw new Error(`${e.message}\nserver log:\n${server.output()}`);
    });
    expect(after.map((r) => r.number).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    for (const r of after) expect(r.state).toBe(runningNumbers.includes(r.number) ? 'ABORTED' : 'SUCCESS');
    for (const [n, before] of acknowledged) {
      const now = await log(server.url, token2, jobId, n);
      expect(now.startsWith(before)).toBe(true);
      expect(now).toContain('[kiln] the server stopped during the build');
    }
    const next = await api<{ actual_build_number: string }>(server.url, token2, 'POST', '/v3/jobs/build', {
      job_id: jobId,
    });
    expect(next.actual_build_number).toBe('21');
  } finally {
    await server.kill('SIGTERM');
  }
}, 120_000);
