import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, KILN_BIN } from '../helpers/cli.ts';
import { TestRepo } from '../helpers/git.ts';
import { api, eventually, loginOver } from '../helpers/processes.ts';
import { testProcessEnv } from '../helpers/runner.ts';

/**
 * A build's sandbox must hold nothing of the host but what bwrap-sandbox.ts mounts (docs/security.md:
 * "nothing else of the host exists"). File descriptors are part of the host too: whatever the
 * process that started `kiln serve` / `kiln runner` left open without close-on-exec (a service
 * manager, a shell's `exec 5<file`, a wrapper) is inherited by the launcher helper, by bwrap, by
 * the supervisor and by every step, and an open descriptor is read without any permission check.
 * Here the server's parent holds a file only the server's user may read open at fd 40; a build
 * reads it with `cat <&40`. (Node marks a few low descriptors close-on-exec at start, not the rest.)
 */

const ADMIN_PASSWORD = 'fd-admin-password-4242';
const HOST_SECRET = 'host-only-secret-9c1f2e';

describe('descriptors the server inherited', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-fds-'));
  let child: ChildProcess;
  let url = '';
  let output = '';

  beforeAll(async () => {
    // A file only the server's own user may read, in a directory builds never see.
    const privateDir = join(dir, 'private');
    mkdirSync(privateDir, { mode: 0o700 });
    chmodSync(privateDir, 0o700);
    const secretFile = join(privateDir, 'host-secret');
    writeFileSync(secretFile, `${HOST_SECRET}\n`, { mode: 0o600 });
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('KILN_')) env[k] = v;
    // A parent that leaves a descriptor open (as a shell's `exec 40<file` does) and starts the server.
    child = spawn(
      '/bin/bash',
      ['-c', 'exec 40<"$1"; shift; exec "$@"', 'sh', secretFile, process.execPath, KILN_BIN, 'serve'],
      {
        env: {
          ...env,
          ...testProcessEnv(),
          KILN_LOG_LEVEL: 'warn',
          KILN_PORT: String(port),
          KILN_DATA_DIR: join(dir, 'data'),
          KILN_ADMIN_PASSWORD: ADMIN_PASSWORD,
          KILN_RUNNER_SLOTS: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    await eventually(
      () => fetch(`${url}/readyz`).then((r) => r.ok),
      (ok) => ok,
      30_000,
      `kiln serve to be ready (${output})`,
    );
  }, 60_000);

  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it("a step holds no descriptor of the runner's beyond stdin, stdout and stderr", async () => {
    const repo = new TestRepo();
    repo.commit('first');
    const admin = await loginOver(url, 'admin', ADMIN_PASSWORD);
    const projects = await api<{ result: { project_info_list: { identifier: string }[] } }>(
      url,
      admin,
      'GET',
      '/v1/domain/project/related',
    );
    const created = await api<{ result: { job_id: string } }>(url, admin, 'POST', '/v3/jobs/create', {
      project_id: projects.result.project_info_list[0]?.identifier,
      job_name: 'inherited-fds',
      arch: 'x86-64',
      scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
      steps: [
        {
          module_id: 'kiln.shell',
          name: 'look at fds',
          properties: {
            command: [
              'set +e',
              'echo "FDS=$(ls /proc/self/fd | sort -n | tr "\\n" " ")"',
              // The path is not there; the open descriptor is.
              `cat ${join(dir, 'private', 'host-secret')} 2>&1`,
              'cat <&40 2>&1',
              'echo done',
            ].join('\n'),
          },
        },
      ],
    });
    const jobId = created.result.job_id;
    const run = await api<{ actual_build_number: string }>(url, admin, 'POST', '/v3/jobs/build', {
      job_id: jobId,
    });
    const n = Number(run.actual_build_number);
    const record = await eventually(
      async () =>
        (
          await api<{ result: { job_running_status: string; state: string } }>(
            url,
            admin,
            'GET',
            `/v1/record/${jobId}/${n}/build-info-record`,
          )
        ).result,
      (r) => r.job_running_status === 'Finished',
      30_000,
      'the build to finish',
    );
    const log = (
      await api<{ result: { content: string } }>(
        url,
        admin,
        'GET',
        `/v3/jobs/${jobId}/${n}/real-time-log?offset=0&length=5000000`,
      )
    ).result.content;
    expect(record.state, log).toBe('SUCCESS');
    expect(log).toContain('done');
    expect(log).toMatch(/No such file or directory/);
    expect(log, log).not.toContain(HOST_SECRET);
    // Nothing but 0, 1, 2 (and the descriptor `ls` opens for /proc/self/fd).
    expect(log, log).toMatch(/^FDS=0 1 2 3 $/m);
  }, 60_000);
});
