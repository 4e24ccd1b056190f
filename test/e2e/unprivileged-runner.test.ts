import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processesWith, uniqueSleep } from '../helpers/engine.ts';
import { TestRepo } from '../helpers/git.ts';
import { api, eventually, KilnProcess, loginOver } from '../helpers/processes.ts';

/**
 * A runner that is not root: bubblewrap makes the sandbox inside a user namespace of its own and
 * the build runs as uid 1000 there (the other way, for a root runner, is what every other suite
 * runs). The tests run as root, so the runner is started in a user namespace where it is uid
 * 1000 (`unshare --map-user`): to Kiln and to bubblewrap it is an ordinary user.
 */

const PASSWORD = 'unprivileged-runner-password';

interface Rec {
  job_running_status: string;
  state: string;
}

describe('a runner that is not root', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-unprivileged-'));
  let server: KilnProcess;
  let runner: KilnProcess;
  let token: string;
  let runnerToken: string;
  let project: string;
  let repo: TestRepo;

  beforeAll(async () => {
    repo = new TestRepo();
    repo.commit('first');
    server = await KilnProcess.serve({
      KILN_DATA_DIR: join(dir, 'data'),
      KILN_ADMIN_PASSWORD: PASSWORD,
      KILN_RUNNER_SLOTS: '0',
    });
    token = await loginOver(server.url, 'admin', PASSWORD);
    runnerToken = (
      await api<{ result: { token: string } }>(server.url, token, 'POST', '/v1/kiln/runners', {
        name: 'user',
      })
    ).result.token;
    runner = KilnProcess.runner(
      server.url,
      runnerToken,
      1,
      join(dir, 'runner'),
      { KILN_BUILD_MAX_PROCESSES: '64' },
      ['unshare', '--user', '--map-user=1000', '--map-group=1000', '--'],
    );
    project = (
      await api<{ result: { project_info_list: { identifier: string }[] } }>(
        server.url,
        token,
        'GET',
        '/v1/domain/project/related',
      )
    ).result.project_info_list[0]?.identifier as string;
  }, 60_000);

  afterAll(async () => {
    await runner?.kill('SIGKILL');
    await server?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  async function build(name: string, command: string): Promise<{ id: string; n: number }> {
    const id = (
      await api<{ result: { job_id: string } }>(server.url, token, 'POST', '/v3/jobs/create', {
        project_id: project,
        job_name: name,
        arch: 'x86-64',
        scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
        steps: [{ module_id: 'kiln.shell', name: 'step', properties: { command: `set +e\n${command}` } }],
      })
    ).result.job_id;
    const run = await api<{ actual_build_number: string }>(server.url, token, 'POST', '/v3/jobs/build', {
      job_id: id,
    });
    return { id, n: Number(run.actual_build_number) };
  }

  const record = (b: { id: string; n: number }) =>
    api<{ result: Rec }>(server.url, token, 'GET', `/v1/record/${b.id}/${b.n}/build-info-record`).then(
      (r) => r.result,
    );
  const log = (b: { id: string; n: number }) =>
    api<{ result: { content: string } }>(
      server.url,
      token,
      'GET',
      `/v3/jobs/${b.id}/${b.n}/real-time-log?offset=0&length=1000000`,
    ).then((r) => r.result.content);
  const finished = (b: { id: string; n: number }) =>
    eventually(
      () => record(b),
      (r) => r.job_running_status === 'Finished',
      30_000,
      'the build to finish',
    );

  it('runs a build as uid 1000 in its own namespaces, with nothing of the runner in sight', async () => {
    const b = await build(
      'look',
      [
        'echo "UID=$(id -u) USER=$(id -un)"',
        'echo "PROCS=$(ls /proc | grep -c "^[0-9]")"',
        'cat /proc/[0-9]*/environ /proc/[0-9]*/cmdline 2>/dev/null | tr "\\0" "\\n"',
        'unshare --user true 2>/dev/null && echo "NESTED=allowed" || echo "NESTED=refused"',
        'echo "HEAD=$(git rev-parse HEAD)"',
      ].join('\n'),
    );
    const r = await finished(b);
    const text = await log(b);
    expect(r.state, `${text}\n${runner.output()}`).toBe('SUCCESS');
    // The build's account, not the repository fetcher's (both are uid 1000 in their sandboxes).
    expect(text).toContain('UID=1000 USER=kiln\n');
    expect(Number(/^PROCS=(\d+)$/m.exec(text)?.[1])).toBeLessThan(10);
    expect(text).not.toContain(runnerToken);
    expect(text).toContain('NESTED=refused');
    expect(text).toContain(`HEAD=${repo.git('rev-parse', 'HEAD')}`);
  });

  it('holds a build to its process limit', async () => {
    const b = await build('forks', 'for i in $(seq 1 200); do sleep 60 & done 2>/dev/null; wait');
    const r = await finished(b);
    const text = await log(b);
    expect(r.state, text).toBe('FAILURE');
    expect(text).toContain('reached its limit of 64 processes (KILN_BUILD_MAX_PROCESSES)');
  });

  it("takes the build's processes with it when it is killed", async () => {
    const tag = `sleep ${uniqueSleep()}`;
    const b = await build(
      'escape',
      [
        `setsid ${tag} >/dev/null 2>&1 &`,
        `nohup ${tag} >/dev/null 2>&1 &`,
        'sleep 0.3; echo escaped; sleep 120',
      ].join('\n'),
    );
    await eventually(
      () => log(b),
      (t) => t.includes('escaped'),
      20_000,
      'the escapes',
    );
    expect(processesWith(tag)).toHaveLength(2);
    await runner.kill('SIGKILL');
    await eventually(
      async () => processesWith(tag),
      (p) => p.length === 0,
      5_000,
      'no process after the kill',
    );
  });
});
